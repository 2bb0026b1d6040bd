"""Events of the sample service.

They reuse the supplier event contracts as payloads (a note travels as a supplier snapshot) but go
to a topic of their own, so the sample's records never reach consumers of `suppliers.supplier.v1`.
Nothing here is added to the `events` registry: the classes only override `TOPIC`.
"""

from __future__ import annotations

from events.suppliers import SupplierRegistered, SupplierState, SupplierUpdated

SAMPLE_TOPIC = "servicekit.sample.note.v1"


class NoteRecorded(SupplierRegistered):
    """A note was created."""

    TOPIC = SAMPLE_TOPIC


class NoteChanged(SupplierUpdated):
    """A note changed."""

    TOPIC = SAMPLE_TOPIC


def note_state(note) -> SupplierState:
    """The snapshot every note event carries."""
    return SupplierState(id=note.id, legal_name=note.title, org_id=f"SAMPLE-{note.id}", size="small",
                         status=note.status)


def events_on(topic: str) -> tuple[type[SupplierRegistered], type[SupplierUpdated]]:
    """The two supplier event classes bound to `topic` instead, for a test that wants a topic of its own."""
    registered = type("PrivateRegistered", (SupplierRegistered,), {"TOPIC": topic, "__module__": __name__})
    updated = type("PrivateUpdated", (SupplierUpdated,), {"TOPIC": topic, "__module__": __name__})
    return registered, updated
