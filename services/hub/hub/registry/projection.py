"""The registry as a pure function of the source events, with no database.

Every event carries its aggregate's version and full public snapshot, so the registry keeps only the
newest snapshot of each source (`merge`) and derives each entry from it (`derive`). An event at or
below the stored version changes nothing but the earliest time the source was seen live, which is a
minimum over every event; so shuffled and duplicated deliveries leave the same registry as in-order
delivery. The database handlers and the rebuild both use these functions.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from events.accreditation import ACCREDITATION_TOPIC, IN_FORCE, AccreditationEvent
from events.base import Event
from events.catalogue import CATEGORY_TOPIC, OFFERING_TOPIC, CategoryEvent, OfferingEvent, record_counts
from events.suppliers import AGREEMENT_TOPIC, SUPPLIER_TOPIC, AgreementEvent, SupplierEvent
from events.training import COURSE_TOPIC, CourseEvent

# The topics the registry is built from (the applications topic carries nothing the registry shows).
SOURCE_TOPICS = [OFFERING_TOPIC, CATEGORY_TOPIC, SUPPLIER_TOPIC, AGREEMENT_TOPIC, ACCREDITATION_TOPIC, COURSE_TOPIC]
# Which snapshot each kind of event carries, and the kind of source it is.
SNAPSHOTS: dict[type[Event], tuple[str, str]] = {
    OfferingEvent: ("offering", "offering"),
    AccreditationEvent: ("accreditation", "accreditation"),
    CourseEvent: ("course", "course"),
    AgreementEvent: ("agreement", "agreement"),
    SupplierEvent: ("supplier", "supplier"),
    CategoryEvent: ("category", "category"),
}
# Source kind -> registry entry type, for the kinds that make entries.
ENTRY_TYPES = {"offering": "offering", "accreditation": "accreditation", "course": "course",
               "agreement": "strategic_partnership"}
SOURCE_KINDS = {entry_type: kind for kind, entry_type in ENTRY_TYPES.items()}
LINKS = {"offering": "/api/v1/offerings/{}", "accreditation": "/api/v1/accreditations/{}",
         "course": "/api/v1/courses/{}", "strategic_partnership": "/api/v1/agreements/{}",
         "use_case": "/api/v1/registry/use-cases/{}"}
TRAINING_CATEGORY = "ai.training"
SUMMARY_LENGTH = 280


@dataclass(frozen=True)
class Source:
    """The newest snapshot of one source record, and when it was first seen live (None: never yet)."""

    kind: str
    id: str
    version: int
    state: dict[str, Any]
    changed_at: datetime
    first_live_at: datetime | None = None


def _snapshot_of(event: Event) -> tuple[str, str]:
    for base, found in SNAPSHOTS.items():
        if isinstance(event, base):
            return found
    raise TypeError(f"the registry does not follow {type(event).__name__}")


def source_of(event: Event) -> Source:
    """The source an event describes, as of that event."""
    kind, attribute = _snapshot_of(event)
    state = getattr(event, attribute).model_dump(mode="json")
    live = is_live(kind, state)
    return Source(kind=kind, id=event.aggregate_id, version=event.version, state=state,
                  changed_at=event.occurred_at, first_live_at=event.occurred_at if live else None)


def is_live(kind: str, state: dict[str, Any]) -> bool:
    """Whether a source in this state belongs in the public registry."""
    status = state.get("status")
    if kind in ("offering", "course"):
        return status == "published"
    if kind == "accreditation":
        return status in IN_FORCE
    if kind == "agreement":
        return state.get("type") == "strategic_partnership" and status == "active"
    return False


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else min(a, b)


def merge(stored: Source | None, incoming: Source) -> Source | None:
    """The source after an event arrives, or None when the event changes nothing (stale or duplicate)."""
    if stored is None:
        return incoming
    first = _earliest(stored.first_live_at, incoming.first_live_at)
    newest = incoming if incoming.version > stored.version else stored
    merged = replace(newest, first_live_at=first)
    return None if merged == stored else merged


def owner_of(source: Source) -> str | None:
    """The supplier whose name an entry of this source carries (a course names its provider)."""
    return source.state.get("supplier_id") or source.state.get("provider_id")


def replayed_over(stored: Source | None, replayed: Source) -> Source:
    """The source after a rebuild: the replay of the whole topic wins (it repairs a damaged row of the same
    version), unless the live consumer stored a newer version meanwhile, which keeps its place with the
    earliest time either saw it live."""
    if stored is None or replayed.version >= stored.version:
        return replayed
    return replace(stored, first_live_at=_earliest(stored.first_live_at, replayed.first_live_at))


def supplier_name(supplier: dict[str, Any] | None) -> str | None:
    if not supplier:
        return None
    return supplier.get("trading_name") or supplier.get("legal_name")


def derive(source: Source, supplier: dict[str, Any] | None) -> dict[str, Any] | None:
    """The registry entry a source makes (listed or not), or None while it has never been live."""
    entry_type = ENTRY_TYPES.get(source.kind)
    if entry_type is None or source.first_live_at is None:
        return None
    state = source.state
    fields = _FIELDS[source.kind](state, supplier_name(supplier))
    return {
        "id": f"{entry_type}:{source.id}", "type": entry_type, "source_type": source.kind, "source_id": source.id,
        "source_version": source.version, "link": LINKS[entry_type].format(source.id),
        "agency": None, "phase": None, "status": state["status"], "listed": is_live(source.kind, state),
        "first_listed_at": source.first_live_at, "source_changed_at": source.changed_at, **fields,
    }


def _offering(state: dict, supplier: str | None) -> dict:
    return {
        "name": state["name"], "summary": state["summary"], "category": (state["categories"] or [None])[0],
        "categories": list(state["categories"]), "supplier_id": state["supplier_id"], "supplier_name": supplier,
        "risk_level": state["risk_tier"],
        "details": {"engagement_type": state["engagement_type"], "deployment": state["deployment"],
                    "data_residency": state["data_residency"]["region"],
                    "te_reo_maori_support": state["te_reo_maori_support"], "pricing": state["pricing"],
                    "maori_data_involved": state["maori_data"]["involves"],
                    "assurance": sorted({r["standard"] for r in state.get("assurance_records", [])
                                         if record_counts(r)})},
    }


def _words(code: str) -> str:
    return code.replace("_", " ")


def _accreditation(state: dict, supplier: str | None) -> dict:
    areas = list(state["training_areas"])
    return {
        "name": f"Accredited AI training provider{': ' + supplier if supplier else ''}",
        "summary": f"Accredited for {', '.join(_words(a) for a in areas)} until {state['expires_on']}.",
        "category": TRAINING_CATEGORY, "categories": areas, "supplier_id": state["supplier_id"],
        "supplier_name": supplier, "risk_level": None,
        "details": {"audiences": list(state["audiences"]), "granted_on": state["granted_on"],
                    "expires_on": state["expires_on"]},
    }


def _course(state: dict, supplier: str | None) -> dict:
    return {
        "name": state["name"], "summary": state["description"][:SUMMARY_LENGTH], "category": TRAINING_CATEGORY,
        "categories": [state["training_area"]], "supplier_id": state["provider_id"], "supplier_name": supplier,
        "risk_level": None,
        "details": {key: state.get(key) for key in ("course_code", "level", "mode", "pacing", "language",
                                                    "price_nzd", "workload_hours", "audiences", "nzqa")},
    }


def _agreement(state: dict, supplier: str | None) -> dict:
    commitments = {k: v for k, v in (state.get("commitments") or {}).items() if v is not None}
    promised = "; ".join(f"{_words(k)}: {v}" for k, v in commitments.items())
    return {
        "name": f"Strategic partnership{' with ' + supplier if supplier else ''}",
        "summary": (promised or "A strategic partnership with the marketplace operator.")[:SUMMARY_LENGTH],
        "category": (state["scope"] or [None])[0], "categories": list(state["scope"]),
        "supplier_id": state["supplier_id"], "supplier_name": supplier, "risk_level": None,
        "details": {"terms_version": state["terms_version"], "start_date": state["start_date"],
                    "end_date": state["end_date"], "commitments": commitments},
    }


_FIELDS = {"offering": _offering, "accreditation": _accreditation, "course": _course, "agreement": _agreement}


class Registry:
    """The registry folded in memory from a stream of events (property tests and the rebuild)."""

    def __init__(self) -> None:
        self.sources: dict[tuple[str, str], Source] = {}

    def apply(self, event: Event) -> None:
        incoming = source_of(event)
        key = (incoming.kind, incoming.id)
        if (merged := merge(self.sources.get(key), incoming)) is not None:
            self.sources[key] = merged

    def supplier(self, supplier_id: str | None) -> dict | None:
        found = self.sources.get(("supplier", supplier_id or ""))
        return found.state if found else None

    def entries(self) -> dict[str, dict[str, Any]]:
        """Every entry, listed or left, by id."""
        made = {}
        for source in self.sources.values():
            if (entry := derive(source, self.supplier(owner_of(source)))) is not None:
                made[entry["id"]] = entry
        return made
