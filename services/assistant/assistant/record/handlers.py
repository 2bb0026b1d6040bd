"""Keeps the read model from the events of the catalogue, the suppliers, training and the hub. Each
handler rebuilds its row from the snapshot the event carries, so the latest event alone is enough; the
consumer has already dropped events older than the row."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from assistant.record.models import CategoryRecord, SearchRecord, SupplierRecord
from assistant.record.passages import MODEL, embed, passages_of, to_bytes
from events.base import Event
from events.catalogue import CategoryEvent, OfferingEvent
from events.hub import RegistryEntryEvent
from events.suppliers import SupplierEvent
from events.training import CourseEvent
from servicekit.projection import keep_row, keep_snapshot


async def keep_supplier(session: AsyncSession, event: SupplierEvent) -> None:
    await keep_snapshot(session, SupplierRecord, event, event.supplier)


async def keep_category(session: AsyncSession, event: CategoryEvent) -> None:
    state = event.category
    vector = (await embed([state.name]))[0]
    await keep_row(session, CategoryRecord, state.code, event, {
        "axis": state.axis, "name": state.name, "parent": state.parent, "status": state.status,
        "vector": to_bytes(vector), "model": MODEL})


async def keep_offering(session: AsyncSession, event: OfferingEvent) -> None:
    state = event.offering
    await _keep_record(
        session, event, kind="offering", source_id=state.id, live=state.status == "published", name=state.name,
        link=f"/api/v1/offerings/{state.id}", categories=list(state.categories),
        engagement_type=state.engagement_type, data_residency=state.data_residency.region,
        te_reo_maori_support=state.te_reo_maori_support, risk_tier=state.risk_tier,
        price_min=state.pricing.min_nzd, price_max=state.pricing.max_nzd,
        assurance=[r.model_dump(mode="json", include={"standard", "status", "verification", "issued_on", "expires_on"})
                   for r in state.assurance_records],
        supplier_id=state.supplier_id,
        fields=[("name", state.name), ("summary", state.summary), ("description", state.description)])


# Every course is AI training: the taxonomy's category of that name is the one a course is in.
TRAINING_CATEGORY = "ai.training"


async def keep_course(session: AsyncSession, event: CourseEvent) -> None:
    state = event.course
    await _keep_record(
        session, event, kind="course", source_id=state.id, live=state.status == "published", name=state.name,
        link=f"/api/v1/courses/{state.id}", categories=[TRAINING_CATEGORY],
        te_reo_maori_support=state.language == "mi", price_min=state.price_nzd, price_max=state.price_nzd,
        supplier_id=state.provider_id, fields=[("name", state.name), ("description", state.description)])


async def keep_registry_entry(session: AsyncSession, event: RegistryEntryEvent) -> None:
    """Use cases only: offerings and courses come from their owners' own events, with every attribute."""
    entry = event.entry
    if entry.type != "use_case":
        return
    details = entry.details
    await _keep_record(
        session, event, kind="use_case", source_id=entry.source_id, live=entry.listed, name=entry.name,
        link=entry.link, categories=list(entry.categories), risk_tier=entry.risk_level,
        fields=[("name", entry.name), ("summary", entry.summary),
                ("purpose_and_benefit", details.get("purpose_and_benefit")), ("agency", entry.agency)])


async def _keep_record(session: AsyncSession, event: Event, *, kind: str, source_id: str,
                       fields: list[tuple[str, str | None]], **columns: Any) -> None:
    passages = passages_of(fields)
    vectors = await embed([passage["text"] for passage in passages])
    await keep_row(session, SearchRecord, f"{kind}:{source_id}", event, {
        "kind": kind, "source_id": source_id, "passages": passages, "vectors": to_bytes(vectors), "model": MODEL,
        **columns})
