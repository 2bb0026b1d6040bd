"""JSON-lines logging for the processes `make run` starts, from their first line on.

Each child gets `uvicorn --log-config deploy/local/logging.json`, which sends the root logger (and
uvicorn's own loggers through it) to stderr as JSON. Services replace the root handler with the
same format once their app starts; the gateway keeps this one.
"""

from __future__ import annotations

import os

from servicekit.telemetry import JsonFormatter

PROCESS_NAME_VARIABLE = "MARKETPLACE_PROCESS_NAME"


def json_formatter() -> JsonFormatter:
    """The shared JSON formatter, labelled with the process name the supervisor gave this child."""
    return JsonFormatter(os.environ.get(PROCESS_NAME_VARIABLE, "marketplace"))
