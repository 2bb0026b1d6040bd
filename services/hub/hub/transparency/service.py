"""Rules of transparency records: written by whoever may change the use case, with the EU AI Act fields when
its impact is high; every change writes its audit entry. `public` joins the record with its use case and the
marketplace's offerings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from hub.transparency.models import (MarketplaceOffering, TransparencyRecord, TransparencyRecordIn,
                                     TransparencyRecordPublic)
from hub.usecase import repository as use_case_repository
from hub.usecase import service as use_cases
from hub.usecase.models import UseCase
from servicekit.changes import apply_changes
from servicekit.history import record_change
from servicekit.identity import Identity
from servicekit.problems import conflict, not_found, validation_problem

AGGREGATE = "transparency_record"
# The use case's risk level at which the EU AI Act's risk class and Annex VIII registration are required.
HIGH_IMPACT = "high"


async def find(session: AsyncSession, use_case_id: str) -> TransparencyRecord | None:
    return await session.get(TransparencyRecord, use_case_id)


async def get(session: AsyncSession, use_case_id: str) -> TransparencyRecord:
    record = await find(session, use_case_id)
    if record is None:
        raise not_found("transparency record of use case", use_case_id)
    return record


def gaps(*, eu_ai_act: dict | None, maori_arrangements: str | None, use_case: UseCase) -> list[dict[str, str]]:
    """What the use case makes required and the record lacks: the EU AI Act fields when its risk level is
    high, the Māori data arrangements unless it involves no Māori data. A write is refused with them; a
    record written before its use case changed shows them."""
    errors = []
    if use_case.risk_level == HIGH_IMPACT:
        if eu_ai_act is None:
            errors.append({"field": "eu_ai_act", "message": "required when the use case's risk level is high"})
        elif eu_ai_act.get("annex_viii") is None:
            errors.append({"field": "eu_ai_act.annex_viii",
                           "message": "the Annex VIII registration is required when the use case's risk level is high"})
    if use_case.maori_data["involves"] != "no" and not maori_arrangements:
        errors.append({"field": "maori_data_governance.arrangements",
                       "message": f"required when the use case's Māori data involvement is "
                                  f"{use_case.maori_data['involves']}"})
    return errors


async def write(session: AsyncSession, *, use_case: UseCase, record_in: TransparencyRecordIn, actor: Identity,
                now: datetime) -> tuple[TransparencyRecord, bool]:
    """Create or replace the record of a use case that is not retired; (record, created). A write that changes
    nothing keeps the version."""
    use_cases.check_may_change(use_case, actor)
    if use_case.phase == "retired":
        raise conflict("the transparency record of a retired use case cannot be changed", current_state="retired")
    fields = record_in.model_dump(mode="json")
    if errors := gaps(eu_ai_act=fields["eu_ai_act"], maori_arrangements=record_in.maori_data_governance.arrangements,
                      use_case=use_case):
        raise validation_problem(errors)
    record = await find(session, use_case.id)
    if record is None:
        record = TransparencyRecord(use_case_id=use_case.id, **fields, created_by=actor.subject, version=1,
                                    created_at=now, updated_at=now)
        session.add(record)
        record_change(session, aggregate_type=AGGREGATE, aggregate_id=use_case.id, version=1, action="create",
                      actor=actor.subject, at=now)
        return record, True
    if changed := apply_changes(record, fields, now):
        session.add(record)
        record_change(session, aggregate_type=AGGREGATE, aggregate_id=use_case.id, version=record.version,
                      action="update", actor=actor.subject, at=now, changes=changed)
    return record, False


async def marketplace(session: AsyncSession, use_case: UseCase) -> list[MarketplaceOffering]:
    """The offerings the use case links, with their names and suppliers as the registry knows them."""
    entries = await use_case_repository.offering_entries(session, list(use_case.linked_offering_ids))
    shown = []
    for offering_id in use_case.linked_offering_ids:
        entry = entries.get(offering_id)
        shown.append(MarketplaceOffering(
            offering_id=offering_id, offering_name=entry.name if entry else None,
            supplier_id=entry.supplier_id if entry else None, supplier_name=entry.supplier_name if entry else None,
            status="unknown" if entry is None else "listed" if entry.listed else "left_marketplace"))
    return shown


async def public(session: AsyncSession, record: TransparencyRecord, use_case: UseCase) -> TransparencyRecordPublic:
    return TransparencyRecordPublic.model_validate({
        "use_case_id": use_case.id, "risk_level": use_case.risk_level,
        "tier1": {"name": use_case.name, "description": use_case.short_description, "organisation": use_case.agency,
                  "phase": use_case.phase, "website_url": record.website_url,
                  "contact_email": use_case.contact["email"]},
        "tier2": {
            "owner": {**record.owner, "organisation": use_case.agency},
            "description": {**record.description, "benefit": use_case.purpose_and_benefit},
            "decision_making": {**record.decision_making, "human_oversight": use_case.human_oversight},
            "data": {**record.data, "model_type": use_case.model_type},
            "maori_data_governance": {**use_case.maori_data, **record.maori_data_governance},
            "impact_assessments": {"status": use_case.impact_assessments,
                                   "completed": record.impact_assessments_completed},
            "risks": record.risks,
            "marketplace": await marketplace(session, use_case),
        },
        "eu_ai_act": record.eu_ai_act,
        "gaps": gaps(eu_ai_act=record.eu_ai_act, maori_arrangements=record.maori_data_governance.get("arrangements"),
                     use_case=use_case),
        "created_by": record.created_by, "version": record.version, "created_at": record.created_at,
        "updated_at": record.updated_at,
    })
