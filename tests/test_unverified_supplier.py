"""A supplier not yet verified works only on its own records: of every other supplier it sees what the public
sees and can act on nothing (README, "Who sees what")."""

from testsupport.catalogue_helpers import drafted, eligible_supplier, published
from testsupport.helpers import supplier_body


async def test_an_unverified_supplier_sees_and_acts_on_its_own_records_only(stack):
    other = await eligible_supplier(stack)
    other_own = await stack.as_supplier(other["credentials"])
    shown = await published(stack, other_own)
    hidden = await drafted(stack, other_own, name="Not yet public")

    registered = await stack.client.post("/api/v1/suppliers", json=supplier_body())
    assert registered.status_code == 201, registered.text
    me = registered.json()
    assert me["status"] == "pending_verification"
    mine = await stack.as_supplier(me["credentials"])

    # Its own records.
    assert [row["id"] for row in (await stack.client.get("/api/v1/suppliers", headers=mine)).json()["data"]] == [
        me["id"]]
    assert (await stack.client.get(f"/api/v1/suppliers/{me['id']}", headers=mine)).status_code == 200
    assert (await stack.client.get("/api/v1/agreements", headers=mine)).json()["data"] == []

    # Of another supplier, what anyone sees (a published offering), and nothing more.
    listing = (await stack.client.get("/api/v1/offerings", params={"supplier_id": other["id"]}, headers=mine)).json()
    assert [row["id"] for row in listing["data"]] == [shown["id"]]
    reads = {f"/api/v1/suppliers/{other['id']}": 404, f"/api/v1/suppliers/{other['id']}/history": 404,
             f"/api/v1/offerings/{hidden['id']}": 404, f"/api/v1/offerings/{shown['id']}/history": 403,
             f"/api/v1/eligibility/suppliers/{other['id']}": 403,
             f"/api/v1/accreditation/suppliers/{other['id']}": 403, "/api/v1/subscriptions": 403,
             "/api/v1/events": 403, "/api/v1/shortlists": 403, "/api/v1/registry/entries/x/history": 403}
    for path, status in reads.items():
        assert (await stack.client.get(path, headers=mine)).status_code == status, path

    # And it acts on none of another supplier's records.
    writes = [("patch", f"/api/v1/suppliers/{other['id']}", {"trading_name": "Taken over"}, 404),
              ("post", f"/api/v1/suppliers/{other['id']}/credentials/rotate", None, 404),
              ("post", f"/api/v1/offerings/{hidden['id']}/submit", None, 404),
              ("patch", f"/api/v1/offerings/{shown['id']}", {"name": "Taken over"}, 403),
              ("post", f"/api/v1/suppliers/{other['id']}/verify", None, 403)]
    for method, path, body, status in writes:
        response = await stack.client.request(method, path, json=body, headers=mine | {"If-Match": '"1"'})
        assert response.status_code == status, (path, response.text)
    assert (await stack.client.get(f"/api/v1/offerings/{shown['id']}")).json()["name"] == shown["name"]
