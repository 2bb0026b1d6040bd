"""Rules of assessments. Every change writes the row, its audit entry and its event; the score is worked out
again (assessment.scoring) whenever the answers change, so what is stored is always what the rule gives."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from assurance.assessment import repository
from assurance.assessment.lifecycle import ASSESSMENT_LIFECYCLE, EDITABLE
from assurance.assessment.models import Assessment, AssessmentCreate, AssessmentUpdate, Review, assessment_state
from assurance.assessment.scoring import score
from assurance.questionnaire import service as questionnaires
from assurance.questionnaire.models import Questionnaire, questions_of
from assurance.subject import repository as subjects
from events.assurance import (AssessmentAccepted, AssessmentCreated, AssessmentEvent, AssessmentLapsed,
                              AssessmentRenewalFlagged, AssessmentReturned, AssessmentSubmitted, AssessmentSuperseded,
                              AssessmentUpdated)
from servicekit.changes import ChangeRecorder
from servicekit.identity import Identity
from servicekit.lifecycle import SYSTEM
from servicekit.problems import conflict, forbidden, not_found, validation_problem

AGGREGATE = "assessment"
OPERATORS = ("assessor", "admin")
OPEN = ("draft", "submitted", "returned")
EVENTS: dict[str, type[AssessmentEvent]] = {
    "submit": AssessmentSubmitted, "accept": AssessmentAccepted, "return": AssessmentReturned,
    "flag-renewal": AssessmentRenewalFlagged, "lapse": AssessmentLapsed, "supersede": AssessmentSuperseded,
}

CHANGES = ChangeRecorder(AGGREGATE, snapshot=lambda assessment: {"assessment": assessment_state(assessment)})


def owns(identity: Identity, assessment: Assessment) -> bool:
    """The offering's own supplier, or the buyer who started the use case's assessment."""
    if assessment.subject_type == "offering":
        return identity.has_role("supplier") and identity.supplier_id == assessment.supplier_id
    return identity.has_role("buyer") and identity.subject == assessment.owner


def sees_everything(identity: Identity) -> bool:
    return identity.has_role(*OPERATORS)


def check_reader(identity: Identity) -> None:
    if not (sees_everything(identity) or identity.has_role("supplier", "buyer")):
        raise forbidden("assessments are for their owners, assessors and admins")


async def get_visible(session: AsyncSession, assessment_id: str, identity: Identity) -> Assessment:
    """The assessment, or 404 when it does not exist or is someone else's."""
    check_reader(identity)
    assessment = await repository.get(session, assessment_id)
    if assessment is None or not (sees_everything(identity) or owns(identity, assessment)):
        raise not_found("assessment", assessment_id)
    return assessment


def current_until(accepted_on: date, months: int) -> date:
    """The last day an assessment accepted on `accepted_on` is current: `months` later, less a day."""
    month_index = accepted_on.month - 1 + months
    year, month = accepted_on.year + month_index // 12, month_index % 12 + 1
    day = min(accepted_on.day, calendar.monthrange(year, month)[1])
    return date(year, month, day) - timedelta(days=1)


def _check_answers(questionnaire: Questionnaire, answers: dict[str, str | None]) -> None:
    """422 naming each answer that is not one of its question's."""
    questions = questions_of(questionnaire)
    errors = []
    for question_id, answer_id in answers.items():
        question = questions.get(question_id)
        if question is None:
            errors.append({"field": f"answers.{question_id}", "message": "no question has this id"})
        elif answer_id is not None and answer_id not in {a["id"] for a in question["answers"]}:
            allowed = ", ".join(a["id"] for a in question["answers"])
            errors.append({"field": f"answers.{question_id}", "message": f"{answer_id} is not one of {allowed}"})
    if errors:
        raise validation_problem(errors)


def _rescore(assessment: Assessment, questionnaire: Questionnaire) -> None:
    result = score({"scoring": questionnaire.scoring, "sections": questionnaire.sections}, assessment.answers)
    assessment.score = result.model_dump(mode="json")
    for name in ("raw_impact_score", "mitigation_score", "current_score", "impact_level", "commitments_addressed",
                 "commitments_not_addressed"):
        setattr(assessment, name, getattr(result, name))


async def _owner_of_subject(session: AsyncSession, assessment_in: AssessmentCreate, actor: Identity) -> str | None:
    """Check the caller may assess the subject; the supplier the subject belongs to, for an offering."""
    if assessment_in.subject_type == "offering":
        if not actor.has_role("supplier") or not actor.supplier_id:
            raise forbidden("an offering is assessed by its own supplier")
        offering = await subjects.offering(session, assessment_in.subject_id)
        if offering is None:
            raise conflict(f"offering {assessment_in.subject_id} is not known to the assurance service yet; "
                           "retry shortly", current_state="unknown")
        if offering.supplier_id != actor.supplier_id:
            raise not_found("offering", assessment_in.subject_id)
        if offering.status == "retired":
            raise conflict(f"offering {offering.id} is retired", current_state=offering.status)
        return offering.supplier_id
    if not actor.has_role("buyer"):
        raise forbidden("a use case is assessed by a buyer of its agency")
    use_case = await subjects.use_case(session, assessment_in.subject_id)
    if use_case is None:
        raise conflict(f"use case {assessment_in.subject_id} is not known to the assurance service yet; "
                       "retry shortly", current_state="unknown")
    if not actor.of_agency(use_case.agency):
        raise not_found("use case", assessment_in.subject_id)  # another agency's use case is not this buyer's
    return None


async def create(session: AsyncSession, *, assessment_in: AssessmentCreate, actor: Identity,
                 now: datetime) -> Assessment:
    """Start a draft on the current questionnaire; one open assessment per subject at a time."""
    supplier_id = await _owner_of_subject(session, assessment_in, actor)
    if await repository.of_subject(session, assessment_in.subject_type, assessment_in.subject_id, statuses=OPEN):
        raise conflict(f"the {assessment_in.subject_type} {assessment_in.subject_id} already has an open assessment; "
                       "change or submit that one", current_state="open")
    questionnaire = await questionnaires.current(session)
    _check_answers(questionnaire, assessment_in.answers)
    assessment = Assessment(subject_type=assessment_in.subject_type, subject_id=assessment_in.subject_id,
                            supplier_id=supplier_id, owner=actor.subject, questionnaire_version=questionnaire.version,
                            answers=dict(assessment_in.answers), status="draft", version=1, created_at=now,
                            updated_at=now)
    _rescore(assessment, questionnaire)
    CHANGES.record(session, assessment, AssessmentCreated, action="create", actor=actor.subject, at=now,
                   from_state=None)
    return assessment


def check_editable(assessment: Assessment, actor: Identity) -> None:
    """403 unless the caller owns it; 409 unless it is a draft or was returned."""
    if not owns(actor, assessment):
        raise forbidden("only the owner of this assessment may change its answers")
    if assessment.status not in EDITABLE:
        raise conflict(f"a {assessment.status} assessment cannot be changed; only drafts and returned assessments "
                       "can", current_state=assessment.status)


async def update(session: AsyncSession, *, assessment: Assessment, changes_in: AssessmentUpdate, actor: Identity,
                 now: datetime) -> Assessment:
    """Set, change or clear answers; a request that changes nothing keeps the version."""
    check_editable(assessment, actor)
    questionnaire = await questionnaires.get(session, assessment.questionnaire_version)
    _check_answers(questionnaire, changes_in.answers)
    answers = {**assessment.answers, **changes_in.answers}
    answers = {question: answer for question, answer in answers.items() if answer is not None}
    if answers == assessment.answers:
        return assessment
    changes = {"answers": {"from": assessment.answers, "to": answers}}
    assessment.answers = answers
    _rescore(assessment, questionnaire)
    assessment.version += 1
    assessment.updated_at = now
    CHANGES.record(session, assessment, AssessmentUpdated, action="update", actor=actor.subject, at=now,
                   from_state=assessment.status, changes=changes)
    return assessment


async def apply_transition(session: AsyncSession, *, assessment: Assessment, action: str, actor: Identity | None,
                           now: datetime, reason: str | None = None) -> Assessment:
    """Move the assessment along its life cycle (actor None = the service itself), if the table allows it."""
    if action == "submit" and actor is not None and not owns(actor, assessment):
        raise forbidden("only the owner of this assessment may submit it")
    ASSESSMENT_LIFECYCLE.check(action, assessment, actor, reason=reason)
    from_state = assessment.status
    assessment.status = ASSESSMENT_LIFECYCLE.by_action[action].target
    assessment.version += 1
    assessment.updated_at = now
    CHANGES.record(session, assessment, EVENTS[action], action=action, actor=actor.subject if actor else SYSTEM,
                   at=now, from_state=from_state, reason=reason)
    return assessment


async def review(session: AsyncSession, *, assessment: Assessment, review_in: Review, actor: Identity,
                 now: datetime, current_months: int) -> Assessment:
    """An assessor accepts (current for `current_months`; earlier accepted ones of the subject are superseded)
    or returns it with comments on its questions."""
    questionnaire = await questionnaires.get(session, assessment.questionnaire_version)
    questions = questions_of(questionnaire)
    unknown = [c.question_id for c in review_in.comments if c.question_id not in questions]
    if unknown:
        raise validation_problem([{"field": "comments", "message": f"no question has the id {q}"} for q in unknown])
    action = "accept" if review_in.decision == "accept" else "return"
    ASSESSMENT_LIFECYCLE.check(action, assessment, actor)
    assessment.reviews = [*assessment.reviews, {**review_in.model_dump(mode="json"), "by": actor.subject,
                                                "at": now.isoformat()}]
    if action == "accept":
        earlier = await repository.of_subject(session, assessment.subject_type, assessment.subject_id)
        assessment.accepted_on = now.date()
        assessment.current_until = current_until(now.date(), current_months)
        for superseded in earlier:
            await apply_transition(session, assessment=superseded, action="supersede", actor=None, now=now,
                                   reason=f"assessment {assessment.id} accepted")
    return await apply_transition(session, assessment=assessment, action=action, actor=actor, now=now,
                                  reason=review_in.reason)
