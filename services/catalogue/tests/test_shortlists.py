"""Shortlists through the gateway: a buyer saves, reads, changes and exports one; nobody else sees it;
items stay, marked by status, when their offering leaves the marketplace; bad input is a problem."""

import csv
import io

import httpx

from servicekit.identity import Identity
from servicekit.testing import identity_headers
from testsupport.catalogue_helpers import act, drafted, eligible_supplier, published

SHORTLISTS = "/api/v1/shortlists"


async def test_a_buyer_keeps_a_shortlist_and_exports_it(stack):
    supplier = await eligible_supplier(stack)
    own = await stack.as_supplier(supplier["credentials"])
    korero = await published(stack, own)
    docs = await published(stack, own, name="=HYPERLINK(\"http://evil.example\")", categories=["ai.document-processing"])
    buyer, admin = await stack.as_role("buyer"), await stack.as_role("admin")

    response = await stack.client.post(SHORTLISTS, headers={**buyer, "Idempotency-Key": "list-1"}, json={
        "name": "Translation for the ministry", "items": [{"offering_id": korero["id"], "notes": "Strong on te reo"}]})
    assert response.status_code == 201, response.text
    shortlist = response.json()
    assert response.headers["etag"] == '"1"' and response.headers["location"].endswith(shortlist["id"])
    assert [(i["offering_id"], i["notes"], i["offering"]["available"]) for i in shortlist["items"]] == [
        (korero["id"], "Strong on te reo", True)]
    again = await stack.client.post(SHORTLISTS, headers={**buyer, "Idempotency-Key": "list-1"}, json={
        "name": "Translation for the ministry", "items": [{"offering_id": korero["id"], "notes": "Strong on te reo"}]})
    assert again.json()["id"] == shortlist["id"]
    url = f"{SHORTLISTS}/{shortlist['id']}"

    stack.clock.advance(seconds=1)
    added = await stack.client.put(f"{url}/items/{docs['id']}", json={"notes": "-2+3 cheaper"}, headers=buyer)
    assert added.status_code == 201, added.text
    changed = await stack.client.put(f"{url}/items/{korero['id']}", json={"notes": "@ask about pricing"},
                                     headers=buyer)
    assert changed.status_code == 200 and changed.headers["etag"] == '"3"'
    renamed = await stack.client.patch(url, json={"name": "Ministry shortlist"}, headers={**buyer, "If-Match": '"3"'})
    assert renamed.status_code == 200 and renamed.json()["name"] == "Ministry shortlist"
    stale = await stack.client.patch(url, json={"name": "Old"}, headers={**buyer, "If-Match": '"3"'})
    assert stale.status_code == 412
    assert (await stack.client.patch(url, json={"name": "Old"}, headers=buyer)).status_code == 428

    # The offering leaves the marketplace: the item stays, marked by its status.
    assert (await act(stack, docs["id"], "suspend", admin, "complaint")).status_code == 200
    kept = (await stack.client.get(url, headers=buyer)).json()
    assert [(i["offering"]["status"], i["offering"]["available"]) for i in kept["items"]] == [
        ("published", True), ("suspended", False)]

    exported = await stack.client.get(f"{url}/export.csv", headers=buyer)
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [r["offering_id"] for r in rows] == [korero["id"], docs["id"]]
    assert rows[0]["name"] == "Kōrero Translate" and rows[0]["notes"] == "'@ask about pricing"
    assert rows[0]["certifications_held"] == "iso_iec_27001" and rows[0]["supplier"] == "Kauri AI"
    assert rows[0]["price_min_nzd"] == "20.00" and rows[0]["te_reo_maori_support"] == "yes"
    # Cells a spreadsheet would run as formulas are made text.
    assert rows[1]["name"].startswith("'=HYPERLINK") and rows[1]["notes"] == "'-2+3 cheaper"
    assert rows[1]["status"] == "suspended"

    listed = (await stack.client.get(SHORTLISTS, headers=buyer)).json()
    assert [s["id"] for s in listed["data"]] == [shortlist["id"]]
    assert (await stack.client.delete(f"{url}/items/{docs['id']}", headers=buyer)).status_code == 204
    assert (await stack.client.delete(f"{url}/items/{docs['id']}", headers=buyer)).status_code == 404
    assert [i["offering_id"] for i in (await stack.client.get(url, headers=buyer)).json()["items"]] == [korero["id"]]
    assert (await stack.client.delete(url, headers=buyer)).status_code == 204
    assert (await stack.client.get(url, headers=buyer)).status_code == 404


async def test_only_its_buyer_sees_a_shortlist_and_bad_input_is_refused(stack):
    supplier = await eligible_supplier(stack)
    own = await stack.as_supplier(supplier["credentials"])
    live = await published(stack, own)
    draft = await drafted(stack, own, name="Not yet")
    buyer = await stack.as_role("buyer")
    created = await stack.client.post(SHORTLISTS, json={"name": "Mine", "items": []}, headers=buyer)
    assert created.status_code == 201
    url = f"{SHORTLISTS}/{created.json()['id']}"

    # Another buyer: the development gateway has one buyer client, so the identity it would vouch for a
    # second one is signed here and sent to the catalogue directly.
    another = identity_headers(Identity("another-agency", frozenset({"buyer"})), "catalogue")
    async with httpx.AsyncClient(base_url=stack.servers["catalogue"].url) as direct:
        for path in (url, f"{url}/export.csv"):
            assert (await direct.get(path, headers=another)).status_code == 404
        assert (await direct.put(f"{url}/items/{live['id']}", json={}, headers=another)).status_code == 404
        assert (await direct.delete(url, headers=another)).status_code == 404
        assert (await direct.get(SHORTLISTS, headers=another)).json()["data"] == []
    for headers, status in ((await stack.as_role("admin"), 403), (own, 403), ({}, 401)):
        answer = await stack.client.get(url, headers=headers)
        assert answer.status_code == status, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")

    async def problem(method: str, path: str, **kwargs) -> tuple[int, list[str]]:
        answer = await stack.client.request(method, path, headers=buyer, **kwargs)
        assert answer.headers["content-type"].startswith("application/problem+json"), answer.text
        return answer.status_code, [e["field"] for e in answer.json().get("errors", [])]

    assert await problem("POST", SHORTLISTS, json={"name": ""}) == (422, ["name"])
    assert await problem("POST", SHORTLISTS, json={"name": "x", "items": [{"offering_id": draft["id"]}]}) == (
        422, ["items.0.offering_id"])
    assert await problem("POST", SHORTLISTS, json={"name": "x", "items": [{"offering_id": live["id"]}] * 2}) == (
        422, ["items"])
    assert await problem("POST", SHORTLISTS, json={"name": "x", "colour": "red"}) == (422, ["colour"])
    assert (await problem("PUT", f"{url}/items/no-such-offering", json={}))[0] == 404
    assert (await problem("PUT", f"{url}/items/{draft['id']}", json={}))[0] == 404  # a buyer cannot see a draft
    assert (await problem("PUT", f"{url}/items/{live['id']}", json={"notes": "x" * 2001}))[0] == 422
    assert (await problem("GET", f"{SHORTLISTS}/no-such-list"))[0] == 404
    assert (await problem("GET", f"{SHORTLISTS}/no-such-list/export.csv"))[0] == 404
    assert (await problem("GET", SHORTLISTS, params={"cursor": "garbage"}))[0] == 400
    admin = await stack.as_role("admin")
    assert (await act(stack, live["id"], "suspend", admin, "checked")).status_code == 200
    assert (await problem("PUT", f"{url}/items/{live['id']}", json={}))[0] == 409
