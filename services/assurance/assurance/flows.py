"""Orchestration across the assurance service's domains: publishing a questionnaire version makes every
assessment accepted on an older one due for renewal, in the same transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from assurance.assessment import repository as assessments
from assurance.assessment import service as assessment_service
from assurance.questionnaire import service as questionnaires
from assurance.questionnaire.models import Questionnaire, QuestionnaireIn
from servicekit.identity import Identity


async def publish_questionnaire(session: AsyncSession, *, questionnaire_in: QuestionnaireIn, actor: Identity,
                                now: datetime) -> Questionnaire:
    """Store the next version and flag every accepted assessment answered on an older one for renewal."""
    questionnaire = await questionnaires.store(session, questionnaire_in=questionnaire_in, actor=actor.subject, now=now)
    for assessment in await assessments.accepted_on_older_questionnaires(session, questionnaire.version):
        await assessment_service.apply_transition(session, assessment=assessment, action="flag-renewal", actor=None,
                                                  now=now, reason=f"questionnaire version {questionnaire.version} "
                                                                  "published")
    return questionnaire
