"""Helpers for tests of the catalogue: a valid offering, an eligible supplier, moving offerings along."""

from __future__ import annotations

from servicekit.testing import eventually
from testsupport.assurance_helpers import assessed
from testsupport.helpers import active_supplier, activated

URL = "/api/v1/offerings"


def offering_body(**overrides) -> dict:
    """A valid draft offering in categories the default agreement scope covers."""
    body = {
        "name": "Kōrero Translate", "summary": "Te reo Māori and English translation for agency documents.",
        "description": "Neural translation between te reo Māori and English, reviewed by fluent speakers.",
        "categories": ["ai.translation.te-reo-maori", "ai.document-processing"],
        "engagement_type": "engagement.licensing-saas",
        "pricing": {"model": "per_user_per_month", "min_nzd": 20, "max_nzd": 45},
        "deployment": "saas", "data_residency": {"region": "new_zealand"}, "te_reo_maori_support": True,
        "model_provenance": {"kind": "mixed", "models": ["in-house te reo model", "Llama 3.1 8B"]},
        "human_oversight": "Translators review every output before release.",
        "maori_data": {"involves": "yes", "governance": "Governed under a data sovereignty agreement with the iwi."},
        "assurance_records": [{"standard": "iso_iec_27001", "evidence_type": "third_party_certificate",
                               "issuer": "BSI", "accrediting_body": "UKAS", "certificate_number": "IS 765432",
                               "scope": "Hosting and support",
                               "issued_on": "2026-01-15", "expires_on": "2029-01-14"}],
    }
    return body | overrides


async def eligible_supplier(stack, **agreement) -> dict:
    """An active supplier with an agreement in force, once the catalogue knows of both."""
    supplier = await active_supplier(stack)
    await activated(stack, supplier, **agreement)
    await sellable(stack, supplier["id"], lambda categories: categories)
    return supplier


async def sellable(stack, supplier_id: str, until) -> list[str]:
    """The categories the catalogue lets the supplier sell in, once `until(categories)` holds."""
    headers = await stack.as_role("admin")

    async def fetch():
        response = await stack.client.get(f"/api/v1/eligibility/suppliers/{supplier_id}", headers=headers)
        if response.status_code == 200 and until(response.json()["categories"]):
            return response.json()["categories"] or ["none"]
        return None

    return await eventually(fetch)


async def drafted(stack, own: dict, **overrides) -> dict:
    response = await stack.client.post(URL, json=offering_body(**overrides), headers=own)
    assert response.status_code == 201, response.text
    return response.json()


async def act(stack, offering_id: str, action: str, headers: dict, reason: str | None = None):
    return await stack.client.post(f"{URL}/{offering_id}/{action}", headers=headers,
                                   json={"reason": reason} if reason else None)


async def published(stack, own: dict, level: str = "II", verify: bool = True, **overrides) -> dict:
    """An offering drafted, assessed at impact `level` (risk tier limited by default), submitted and published,
    each step for real (the stack needs the assurance service); its assurance records verified by an assessor
    while it is submitted, unless `verify` is false."""
    offering = await drafted(stack, own, **overrides)
    await assessed(stack, own, offering["id"], level)
    assert (await act(stack, offering["id"], "submit", own)).status_code == 200
    assessor = await stack.as_role("assessor")
    for record in offering["assurance_records"] if verify else []:
        verified = await review_record(stack, offering["id"], record["id"], assessor, "verified")
        assert verified.status_code == 200, verified.text
    response = await act(stack, offering["id"], "publish", assessor)
    assert response.status_code == 200, response.text
    return response.json()


async def review_record(stack, offering_id: str, record_id: str, headers: dict, verification: str,
                        note: str | None = None):
    """An assessor's finding on one of the offering's assurance records."""
    return await stack.client.post(f"{URL}/{offering_id}/assurance-records/{record_id}/review", headers=headers,
                                   json={"verification": verification} | ({"note": note} if note else {}))


async def status_becomes(stack, offering_id: str, status: str) -> dict:
    headers = await stack.as_role("admin")

    async def fetch():
        response = await stack.client.get(f"{URL}/{offering_id}", headers=headers)
        return response.json() if response.json()["status"] == status else None

    return await eventually(fetch)
