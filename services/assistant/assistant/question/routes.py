"""The question box: a sentence in, the filters read from it and the records they find out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from assistant.question import service
from assistant.question.models import Answer, Question
from servicekit.api import ClockDep
from servicekit.db import SessionDep

router = APIRouter(prefix="/api/v1/assistant", tags=["assistant"])


@router.post("/search", response_model=Answer)
async def ask(question: Question, request: Request, session: SessionDep, clock: ClockDep):
    """Read filters from a sentence (category, data residency, te reo Māori support, risk tier, price,
    certification, engagement type, supplier size, Māori business) and search published offerings, published
    courses and the AI Hub registry's use cases with them and the words left. Each filter comes with the
    same question without it; nothing in the answer is generated text."""
    return await service.answer(session, question, request.app.state.settings, clock.now().date())


@router.get("/search", response_model=Answer)
async def ask_by_link(question: Annotated[Question, Query()], request: Request, session: SessionDep, clock: ClockDep):
    """The same as POST, with the question in the query string (`ignore` repeated for each filter set aside),
    so that an answer, and each filter's `without`, is a link."""
    return await service.answer(session, question, request.app.state.settings, clock.now().date())
