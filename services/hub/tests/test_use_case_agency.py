"""A buyer registers use cases for its own agency only: the agency comes from its token (the gateway's
client registry binds each buyer's client to one), never from what the buyer writes."""

from gateway.auth import DEV_BUYER_AGENCY
from services.hub.tests.flows import USE_CASES, use_case_body

PROBLEM = "application/problem+json"


async def test_use_cases_take_their_agency_from_the_buyers_token(stack):
    body = use_case_body()
    del body["agency"]
    justice = await stack.as_new_client("buyer", "Ministry of Justice")

    own = await stack.client.post(USE_CASES, json=body, headers=justice)
    assert own.status_code == 201, own.text
    assert own.json()["agency"] == "Ministry of Justice"
    named = await stack.client.post(USE_CASES, json=body | {"agency": "ministry of justice"}, headers=justice)
    assert named.status_code == 201 and named.json()["agency"] == "Ministry of Justice"

    # Another agency's name is refused, whether at registration or by a later change.
    other = await stack.client.post(USE_CASES, json=body | {"agency": DEV_BUYER_AGENCY}, headers=justice)
    assert other.status_code == 403 and other.headers["content-type"] == PROBLEM
    assert "Ministry of Justice" in other.json()["detail"]
    moved = await stack.client.patch(f"{USE_CASES}/{own.json()['id']}", json={"agency": DEV_BUYER_AGENCY},
                                     headers=justice | {"If-Match": own.headers["etag"]})
    assert moved.status_code == 403 and moved.headers["content-type"] == PROBLEM
    unchanged = (await stack.client.get(f"{USE_CASES}/{own.json()['id']}")).json()
    assert unchanged["agency"] == "Ministry of Justice" and unchanged["version"] == 1

    # The development buyer acts for its own agency, and so cannot register for the Ministry of Justice.
    dev_buyer = await stack.as_role("buyer")
    assert (await stack.client.post(USE_CASES, json=body, headers=dev_buyer)).json()["agency"] == DEV_BUYER_AGENCY
    refused = await stack.client.post(USE_CASES, json=body | {"agency": "Ministry of Justice"}, headers=dev_buyer)
    assert refused.status_code == 403

    # An admin registers for any agency, and must say which.
    admin = await stack.as_role("admin")
    unnamed = await stack.client.post(USE_CASES, json=body, headers=admin)
    assert unnamed.status_code == 422 and "agency" in unnamed.text
    assert (await stack.client.post(USE_CASES, json=body | {"agency": "Te Puni Kōkiri"}, headers=admin)).json()[
        "agency"] == "Te Puni Kōkiri"
