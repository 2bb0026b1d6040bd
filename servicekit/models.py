"""Request-body building blocks every service shares."""

from __future__ import annotations

from typing import Annotated, Any, Optional, TypeVar, get_args, get_origin, get_type_hints

from pydantic import BaseModel, ConfigDict, Field, create_model, field_validator

Model = TypeVar("Model", bound=BaseModel)


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, (list, tuple, set, frozenset)):
        return any(_has_nul(item) for item in value)
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    return False


def _without_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def _without_null(schema: dict[str, Any]) -> None:
    _without_default(schema)
    kept = [branch for branch in schema.get("anyOf", []) if branch != {"type": "null"}]
    if len(kept) == 1:
        del schema["anyOf"]
        schema.update(kept[0])


def _admits_none(hint: Any) -> bool:
    while get_origin(hint) is Annotated:
        hint = get_args(hint)[0]
    return hint is type(None) or type(None) in get_args(hint)


# A field of a partial update that cannot be cleared: left out, it keeps its value; null is refused (422
# naming it) rather than reaching a NOT NULL column or an event's contract. Its type is written without
# None and its default None kept out of the document, so the schema says null is not accepted:
# `name: Annotated[str, NOT_NULL] = None`.
NOT_NULL = Field(json_schema_extra=_without_default)


class StrictModel(BaseModel):
    """A request body: unknown fields refused, surrounding whitespace trimmed, no NUL characters (PostgreSQL
    cannot store them, so they are bad input rather than a failure deep in the database)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if _has_nul(value):
            raise ValueError("must not contain a NUL character")
        return value


def optional(base: type[Model]) -> type[Model]:
    """`base` with every field optional and absent by default, each keeping its constraints: the body of a
    partial update (`class XUpdate(optional(XBase))`), so its fields are the create body's, listed once.
    The validators of `base` come along and must accept a field left out."""
    hints = get_type_hints(base, include_extras=True)
    # A field the create body cannot leave empty may be changed but not removed (servicekit.changes
    # .refuse_removals answers null with 422 naming it), so its schema is written without null.
    fields: dict[str, Any] = {name: (Optional[hints[name]], None if _admits_none(hints[name]) else Field(
        default=None, json_schema_extra=_without_null)) for name in base.model_fields}
    return create_model(f"{base.__name__}Optional", __base__=base, __module__=base.__module__, **fields)


class Reason(StrictModel):
    """Why a transition is made (required where the life cycle says so)."""

    reason: Annotated[str | None, Field(max_length=2000)] = None
