"""The deliveries in the OpenAPI document's `webhooks` section (OpenAPI 3.1): one operation per event type a
partner may receive, its body the CloudEvent with the public part of that type's data (the visibility table
decides which fields)."""

from __future__ import annotations

import inspect
from functools import cache
from typing import Literal

from fastapi import Body, FastAPI, Response
from pydantic import BaseModel, ConfigDict, create_model

from events import EVENT_TYPES
from partners.visibility import ENVELOPE_FIELDS, VISIBILITY, Public, deliverable_types

HEADERS = ("Signed per Standard Webhooks v1: `webhook-id` (the CloudEvent id, the same on every retry), "
           "`webhook-timestamp` (Unix seconds) and `webhook-signature` (`v1,<base64 HMAC-SHA256 of "
           "\"<webhook-id>.<webhook-timestamp>.<body>\">`, one per secret in force, space-separated). Answer 2xx "
           "within 10 s; 410 disables the subscription; 429 and 503 may say Retry-After.")


def _camel(event_type: str) -> str:
    aggregate, verb = event_type.split(".")[-3:-1]
    return "".join(part.capitalize() for part in f"{aggregate}_{verb}".split("_"))


# Closed: a body with a field the visibility table does not list fails validation against its schema.
CLOSED = ConfigDict(extra="forbid")


@cache
def _public_state(state_model: type[BaseModel], fields: tuple[str, ...]) -> type[BaseModel]:
    """The fields of a state partners receive, as one model per state (shared by the types that carry it)."""
    return create_model(f"Partner{state_model.__name__}", __doc__=state_model.__doc__, __config__=CLOSED, **{
        field: (info.annotation, info) for field, info in state_model.model_fields.items() if field in fields})


def delivery_model(event_type: str) -> type[BaseModel]:
    """The CloudEvent a partner receives for this type, with only the fields the visibility table lets out."""
    rule: Public = VISIBILITY[event_type]
    event = EVENT_TYPES[event_type]
    state_model = event.model_fields[rule.state].annotation
    name = _camel(event_type)
    state = _public_state(state_model, rule.fields)
    data = create_model(f"{name}Data", __doc__=event.__doc__, __config__=CLOSED, **{
        field: (info.annotation, info) for field, info in event.model_fields.items()
        if field in (*ENVELOPE_FIELDS, *rule.also)}, **{rule.state: (state, ...)})
    return create_model(f"{name}Delivery", __doc__=f"CloudEvent {event_type} as delivered to partners.",
                        __config__=CLOSED,
                        specversion=(Literal["1.0"], ...), id=(str, ...), source=(str, ...),
                        type=(Literal[event_type], ...), subject=(str, ...), time=(str, ...),
                        datacontenttype=(Literal["application/json"], ...), data=(data, ...))


def document_deliveries(app: FastAPI) -> None:
    for event_type in deliverable_types():
        model = delivery_model(event_type)

        async def receive(event) -> Response:  # never called: it only describes what the sink receives
            return Response(status_code=204)

        receive.__signature__ = inspect.Signature(
            [inspect.Parameter("event", inspect.Parameter.KEYWORD_ONLY, annotation=model,
                               default=Body(media_type="application/cloudevents+json"))])
        app.webhooks.add_api_route(
            event_type, receive, methods=["POST"], summary=EVENT_TYPES[event_type].__doc__.split("\n")[0],
            description=HEADERS, operation_id=f"deliver_{_camel(event_type)}", tags=["webhooks"],
            status_code=204, response_class=Response,
            responses={204: {"description": "received"},
                       410: {"description": "the sink is gone: the subscription is disabled"}})
