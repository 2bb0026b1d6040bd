"""`make run`'s demo partner system: a webhook receiver on loopback that logs every delivery it gets.

The seed subscribes it to every event partners may receive, so `var/log/partner-receiver.log` shows
deliveries happen (one JSON line each: the CloudEvent's type, subject and id, and the signatures).
Run alone: `python -m uvicorn deploy.local.partner_receiver:app --port 8190`.
"""

from __future__ import annotations

import json
import logging

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

log = logging.getLogger("partner-receiver")
DEFAULT_PORT = 8190


async def hook(request: Request) -> Response:
    body = await request.body()
    try:
        event = json.loads(body)
    except ValueError:
        return Response("not JSON", status_code=400)
    log.info(json.dumps({"received": event.get("type"), "subject": event.get("subject"),
                         "webhook_id": request.headers.get("webhook-id"),
                         "signatures": len(request.headers.get("webhook-signature", "").split())}))
    return Response(status_code=204)


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


app = Starlette(routes=[Route("/hook", hook, methods=["POST"]), Route("/healthz", healthz)])
