"""An offering's assurance records as the catalogue keeps them: each with an id that is a digest of what the
supplier stated, and an assessor's finding (catalogue.certification). A record sent again exactly as before
keeps its finding; a record changed in any stated field is a new one, unverified until an assessor looks."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from catalogue.offering.models import AssuranceRecordIn
from servicekit.problems import validation_problem

# What the supplier states of a record, and so what its id is made of (its status may change without a review).
STATED_FIELDS = tuple(name for name in AssuranceRecordIn.model_fields if name != "status")
# What the catalogue adds to a record: kept while the stated fields stay the same.
FINDING = {"verification": "unverified", "reviewed_at": None, "expiry_notice_on": None}


def record_id(record: dict[str, Any]) -> str:
    """The digest of the record's stated fields (16 hex digits)."""
    stated = json.dumps({name: record.get(name) for name in STATED_FIELDS}, sort_keys=True, default=str)
    return hashlib.sha256(stated.encode()).hexdigest()[:16]


def stamped(requested: list[dict[str, Any]], previous: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The records as the supplier sent them (JSON-ready), each with its id and the finding it had when the
    offering already held it; 422 when two records state the same thing."""
    findings = {record.get("id"): record for record in previous}
    records, seen = [], set()
    for position, record in enumerate(requested):
        identity = record_id(record)
        if identity in seen:
            raise validation_problem([{"field": f"assurance_records.{position}",
                                       "message": "states the same certificate as an earlier record"}])
        seen.add(identity)
        before = findings.get(identity, {})
        finding = {name: before.get(name, default) for name, default in FINDING.items()}
        records.append({**record, "id": identity, **finding})
    return records
