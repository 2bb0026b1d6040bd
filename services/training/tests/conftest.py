"""Fixtures of the training tests: the marketplace behind its gateway, and a way to announce
accreditations on the real broker.

These tests run suppliers and training without the accreditation service and announce accreditation
events themselves, exactly as its outbox relay puts them on the wire (CloudEvents in binary mode, key =
accreditation id), so each test decides which change reaches training and when, including changes the
accreditation service would never send in that order. `Accreditations` is the one place that does it;
tests/test_training_flow.py follows the same changes made through the accreditation service itself."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from events.accreditation import (AccreditationExpired, AccreditationGranted, AccreditationReinstated,
                                  AccreditationRenewalDue, AccreditationRenewed, AccreditationRevoked,
                                  AccreditationState, AccreditationSurrendered, AccreditationSuspended)
from servicekit.testing import eventually
from testsupport.helpers import active_supplier
from testsupport.kafka_tools import produce_events

# what happened -> (event type, status the accreditation then has)
CHANGES = {
    "granted": (AccreditationGranted, "active"),
    "renewal_due": (AccreditationRenewalDue, "renewal_due"),
    "renewed": (AccreditationRenewed, "active"),
    "suspended": (AccreditationSuspended, "suspended"),
    "reinstated": (AccreditationReinstated, "active"),
    "expired": (AccreditationExpired, "expired"),
    "revoked": (AccreditationRevoked, "revoked"),
    "surrendered": (AccreditationSurrendered, "surrendered"),
}
AREAS = ["executive_ai_leadership", "practitioner_ai_skills"]


async def publish_accreditation(stack, state: AccreditationState, change: str, *, version: int) -> None:
    """Put one accreditation event on `accreditation.accreditation.v1` as the accreditation service's relay would."""
    event_type, _ = CHANGES[change]
    event = event_type(aggregate_id=state.id, version=version, occurred_at=stack.clock.now(), actor="assessor",
                       accreditation=state)
    await produce_events(stack.bootstrap_servers, event)


class Accreditation:
    """One accreditation of a provider, announced change by change with a rising version."""

    def __init__(self, stack, supplier_id: str, training_areas: list[str]):
        today = stack.clock.now().date()
        self.stack = stack
        self.version = 0
        self.state = AccreditationState(
            id=str(uuid.uuid4()), supplier_id=supplier_id, application_id=str(uuid.uuid4()),
            training_areas=training_areas, audiences=["executive_tier_1", "practitioner"], status="active",
            granted_on=today, expires_on=today + timedelta(days=3 * 365),
            renewal_due_on=today + timedelta(days=3 * 365 - 90))

    @property
    def id(self) -> str:
        return self.state.id

    async def announce(self, change: str, *, version: int | None = None, expires_on: date | None = None) -> None:
        """Announce `change` (a key of CHANGES); `version` set by hand sends a stale or repeated one."""
        status = CHANGES[change][1]
        updates = {"status": status, "suspended_reason": "show_cause" if status == "suspended" else None}
        if expires_on:
            updates["expires_on"] = expires_on
        if version is None:
            self.version += 1
            version = self.version
            self.state = self.state.model_copy(update=updates)
            await publish_accreditation(self.stack, self.state, change, version=version)
        else:
            await publish_accreditation(self.stack, self.state.model_copy(update=updates), change, version=version)


def course_body(**overrides) -> dict:
    """A valid draft course: a free executive masterclass."""
    body = {
        "name": "Leading with AI: an executive masterclass",
        "description": "A one-day masterclass for tier 1-3 leaders on AI strategy, risk and the public-service "
                       "AI framework, with case studies from New Zealand agencies.",
        "course_code": "EXEC-AI-101", "training_area": "executive_ai_leadership",
        "audiences": ["executive_tier_1", "executive_tier_2"], "level": "introductory", "mode": "in_person",
        "pacing": "scheduled", "workload_hours": 7, "language": "en", "price_nzd": 0,
        "prerequisites": [],
    }
    return body | overrides


class Training:
    """Shortcuts over the training API through the gateway."""

    def __init__(self, stack):
        self.stack = stack

    async def provider(self, areas: list[str] | None = AREAS) -> tuple[dict, dict, Accreditation | None]:
        """An active supplier, its auth headers and (unless `areas` is None) an accreditation granted for `areas`."""
        supplier = await active_supplier(self.stack)
        own = await self.stack.as_supplier(supplier["credentials"])
        accreditation = None
        if areas is not None:
            accreditation = Accreditation(self.stack, supplier["id"], areas)
            await accreditation.announce("granted")
        return supplier, own, accreditation

    body = staticmethod(course_body)

    async def accredit(self, supplier_id: str, areas: list[str]) -> Accreditation:
        """Another accreditation of the provider, granted now."""
        accreditation = Accreditation(self.stack, supplier_id, areas)
        await accreditation.announce("granted")
        return accreditation

    async def draft(self, own: dict, **overrides) -> dict:
        response = await self.stack.client.post("/api/v1/courses", json=course_body(**overrides), headers=own)
        assert response.status_code == 201, response.text
        return response.json()

    async def act(self, course_id: str, action: str, headers: dict, **body):
        return await self.stack.client.post(f"/api/v1/courses/{course_id}/{action}", headers=headers,
                                            json=body or None)

    async def published(self, own: dict, **overrides) -> dict:
        """A draft published once the accreditation has reached the training service."""
        return await self.published_draft((await self.draft(own, **overrides))["id"], own)

    async def published_draft(self, course_id: str, own: dict) -> dict:
        """The course published, retried while the accreditation events are still on their way (409)."""
        async def publish():
            response = await self.act(course_id, "publish", own)
            assert response.status_code in (200, 409), response.text
            return response.json() if response.status_code == 200 else None

        return await eventually(publish)

    async def course(self, course_id: str, headers: dict | None = None) -> dict:
        response = await self.stack.client.get(f"/api/v1/courses/{course_id}",
                                               headers=headers or await self.stack.as_role("admin"))
        assert response.status_code == 200, response.text
        return response.json()

    async def status_becomes(self, course_id: str, status: str) -> dict:
        """The course once its status is `status` (the training service acts on events by itself)."""
        async def check():
            course = await self.course(course_id)
            return course if course["status"] == status else None

        return await eventually(check)

    async def session(self, course_id: str, own: dict, *, days: int = 30, capacity: int = 10, **overrides) -> dict:
        start = self.stack.clock.now() + timedelta(days=days)
        body = {"starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=7)).isoformat(),
                "online": False, "location": "Te Papa, Wellington", "capacity": capacity} | overrides
        response = await self.stack.client.post(f"/api/v1/courses/{course_id}/sessions", json=body, headers=own)
        assert response.status_code == 201, response.text
        return response.json()


@pytest.fixture
def training(stack) -> Training:
    return Training(stack)


@pytest.fixture
def stack_services() -> tuple[str, ...]:
    """Suppliers and training; the tests announce accreditations themselves."""
    return ("suppliers", "training")
