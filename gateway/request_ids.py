"""Request ids: the client's own when it is a short plain token, else one the gateway makes up."""

from __future__ import annotations

import itertools
import os
import re

from servicekit.identity import REQUEST_ID_HEADER

REQUEST_ID_NAME = REQUEST_ID_HEADER.encode()
_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:\-]{1,128}")
# Request ids only need to be unique, not secret: a random per-process prefix and a counter will do.
_ID_PREFIX = os.urandom(8).hex()
_id_counter = itertools.count()


def request_id_of(value: bytes | None) -> bytes:
    """The client's request id when it is a short plain token, else a fresh one."""
    if value is not None and _REQUEST_ID.fullmatch(value):
        return value
    return f"{_ID_PREFIX}{next(_id_counter):016x}".encode()
