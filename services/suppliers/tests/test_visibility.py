"""Who reads what of suppliers and agreements: contacts and agreements are for staff and the supplier itself."""

from testsupport.helpers import active_supplier, offered


async def test_contacts_are_only_for_staff_and_the_supplier_itself(stack):
    supplier = await active_supplier(stack)
    url = f"/api/v1/suppliers/{supplier['id']}"
    assert supplier["contacts"], "the registration answer shows the registrant its contacts"
    readers = {"admin": await stack.as_role("admin"), "assessor": await stack.as_role("assessor"),
               "itself": await stack.as_supplier(supplier["credentials"])}
    for who, headers in readers.items():
        one = (await stack.client.get(url, headers=headers)).json()
        assert one["contacts"] == supplier["contacts"], who
    for role in ("buyer", "partner"):
        headers = await stack.as_role(role)
        one = await stack.client.get(url, headers=headers)
        assert one.status_code == 200 and one.json()["contacts"] is None, role
        listed = (await stack.client.get("/api/v1/suppliers", headers=headers,
                                         params={"q": supplier["legal_name"]})).json()["data"]
        assert listed and all(s["contacts"] is None for s in listed), role


async def test_agreements_are_not_for_buyers_or_partners(stack):
    supplier = await active_supplier(stack)
    agreement = await offered(stack, supplier)
    url = f"/api/v1/agreements/{agreement['id']}"
    for role in ("buyer", "partner"):
        headers = await stack.as_role(role)
        for path in ("/api/v1/agreements", url, f"{url}/history"):
            response = await stack.client.get(path, headers=headers)
            assert response.status_code == 403, (role, path)
            assert response.headers["content-type"] == "application/problem+json"
    for headers in (await stack.as_role("assessor"), await stack.as_supplier(supplier["credentials"])):
        assert (await stack.client.get(url, headers=headers)).status_code == 200
