"""Steps through the gateway that take a supplier to an accreditation (shared by accreditation and training tests)."""

from __future__ import annotations

from dataclasses import dataclass, field

from servicekit.testing import eventually
from testsupport.helpers import active_supplier

APPLICATIONS = "/api/v1/accreditation/applications"
ACCREDITATIONS = "/api/v1/accreditations"
CRITERIA = ["curriculum_framework_mapping", "trainer_credentials", "quality_assurance", "accessibility",
            "cultural_capability"]


def application_body(**overrides) -> dict:
    """A complete draft application, ready to submit."""
    body = {
        "training_areas": ["executive_ai_leadership", "responsible_ai_assurance"],
        "audiences": ["executive_tier_1", "executive_tier_2", "practitioner"],
        "trainers": [{"name": "Hemi Parata", "credentials": "PhD in machine learning; 10 years teaching"}],
        "delivery_history": "Forty cohorts of AI leadership courses for agencies since 2021.",
        "quality_process": "Course evaluations each cohort; complaints answered within 10 working days.",
        "evidence": [{"title": "Curriculum map", "kind": "document",
                      "content_hash": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},
                     {"title": "Course catalogue", "kind": "link", "link": "https://pounamu.example.nz/courses"}],
    }
    return body | overrides


def ratings(rating: str = "met", **overrides: str) -> list[dict]:
    """A rating for every criterion (`rating`, or per criterion as given)."""
    return [{"criterion": c, "rating": overrides.get(c, rating), "notes": f"{c} reviewed"} for c in CRITERIA]


@dataclass
class Flows:
    """Steps through the gateway, shared by the accreditation tests."""

    stack: object
    APPLICATIONS = APPLICATIONS
    ACCREDITATIONS = ACCREDITATIONS
    CRITERIA = CRITERIA
    body = staticmethod(application_body)
    ratings = staticmethod(ratings)
    supplier_headers: dict = field(default_factory=dict)

    async def known_supplier(self, status: str = "active") -> dict:
        """An active supplier (with credentials) once the accreditation service knows it as `status`."""
        supplier = await active_supplier(self.stack)
        await self.known_as(supplier["id"], status)
        return supplier

    async def known_as(self, supplier_id: str, status: str) -> dict:
        headers = await self.stack.as_role("assessor")

        async def fetch():
            response = await self.stack.client.get(f"/api/v1/accreditation/suppliers/{supplier_id}", headers=headers)
            return response.json() if response.status_code == 200 and response.json()["status"] == status else None

        return await eventually(fetch)

    async def headers_of(self, supplier: dict) -> dict:
        """The supplier's Authorization header (one token per supplier: issuing one is deliberately slow)."""
        client_id = supplier["credentials"]["client_id"]
        if client_id not in self.supplier_headers:
            self.supplier_headers[client_id] = await self.stack.as_supplier(supplier["credentials"])
        return self.supplier_headers[client_id]

    async def draft(self, supplier: dict, **overrides) -> dict:
        response = await self.stack.client.post(APPLICATIONS, json=application_body(**overrides),
                                                headers=await self.headers_of(supplier))
        assert response.status_code == 201, response.text
        return response.json()

    async def act(self, application_id: str, action: str, role_or_supplier, body: dict | None = None,
                  status: int = 200) -> dict:
        """POST an application action as a role ("assessor") or as a supplier (its dict); check the status."""
        headers = (await self.stack.as_role(role_or_supplier) if isinstance(role_or_supplier, str)
                   else await self.headers_of(role_or_supplier))
        response = await self.stack.client.post(f"{APPLICATIONS}/{application_id}/{action}", json=body,
                                                headers=headers)
        assert response.status_code == status, (action, response.text)
        return response.json()

    async def under_assessment(self, supplier: dict, **overrides) -> dict:
        application = await self.draft(supplier, **overrides)
        await self.act(application["id"], "submit", supplier)
        return await self.act(application["id"], "start-assessment", "assessor")

    async def approved(self, supplier: dict, **overrides) -> dict:
        application = await self.under_assessment(supplier, **overrides)
        return await self.act(application["id"], "approve", "assessor",
                              {"ratings": ratings(), "reason": "a strong application"})

    async def accredited(self, supplier: dict | None = None, **overrides) -> tuple[dict, dict]:
        """A supplier (new unless given) and the accreditation its approved application granted."""
        supplier = supplier or await self.known_supplier()
        application = await self.approved(supplier, **overrides)
        response = await self.stack.client.get(f"{ACCREDITATIONS}/{application['accreditation_id']}")
        assert response.status_code == 200, response.text
        return supplier, response.json()

    async def accreditation_action(self, accreditation_id: str, action: str, headers: dict,
                                   reason: str | None = None):
        body = {"reason": reason} if reason else None
        return await self.stack.client.post(f"{ACCREDITATIONS}/{accreditation_id}/{action}", json=body,
                                            headers=headers)

    async def accreditation(self, accreditation_id: str) -> dict:
        return (await self.stack.client.get(f"{ACCREDITATIONS}/{accreditation_id}")).json()
