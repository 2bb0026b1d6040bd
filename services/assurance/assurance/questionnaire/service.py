"""Rules of questionnaires: versions are numbered in order and never changed; the newest is current. The first
version comes from the repository's data file at start (servicekit replicas take turns under a lock)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from assurance.questionnaire import repository
from assurance.questionnaire.models import Questionnaire, QuestionnaireIn
from servicekit.db import Database
from servicekit.problems import not_found

DATA_FILE = Path(__file__).with_name("data") / "questionnaire.v1.json"
SYSTEM_ACTOR = "system"


def load(path: Path = DATA_FILE) -> QuestionnaireIn:
    """The questionnaire held in the repository, checked like one an admin publishes."""
    return QuestionnaireIn.model_validate(json.loads(path.read_text(encoding="utf-8")))


async def store(session: AsyncSession, *, questionnaire_in: QuestionnaireIn, actor: str,
                now: datetime) -> Questionnaire:
    """Store `questionnaire_in` as the next version; it becomes current."""
    version = await repository.latest_version(session) + 1
    questionnaire = Questionnaire(version=version, **questionnaire_in.model_dump(mode="json"), published_by=actor,
                                  published_at=now)
    session.add(questionnaire)
    await session.flush()
    return questionnaire


async def current(session: AsyncSession) -> Questionnaire:
    """The version new assessments use (404 only before the data file was loaded)."""
    version = await repository.latest_version(session)
    questionnaire = await repository.get(session, version)
    if questionnaire is None:
        raise not_found("questionnaire", "current")
    return questionnaire


async def get(session: AsyncSession, version: int) -> Questionnaire:
    questionnaire = await repository.get(session, version)
    if questionnaire is None:
        raise not_found("questionnaire", version)
    return questionnaire


async def load_on_first_start(database: Database, now: datetime) -> bool:
    """Store the data file as version 1 when no version is stored yet; whether it did."""
    async with database.transaction() as session:
        if not database.is_sqlite:
            await session.execute(text("SELECT pg_advisory_xact_lock(hashtext('assurance-questionnaire-seed'))"))
        if await repository.latest_version(session):
            return False
        await store(session, questionnaire_in=load(), actor=SYSTEM_ACTOR, now=now)
    return True
