"""What search reads is written by the catalogue's own rules (catalogue.offering.search_rows), in Python, for
both databases: change a rule and both follow, on the next write and on a rebuild."""

from catalogue.offering import search_rows
from testsupport.catalogue_helpers import URL, eligible_supplier, published


async def found(stack, words: str) -> list[str]:
    response = await stack.client.get(URL, params={"q": words}, headers=await stack.as_role("buyer"))
    assert response.status_code == 200, response.text
    return [offering["id"] for offering in response.json()["data"]]


async def rebuild(stack) -> int:
    async with stack.servers["catalogue"].app.state.database.engine.begin() as connection:
        return await connection.run_sync(search_rows.rebuild)


async def test_a_rule_changed_in_python_is_what_both_databases_search(stack, monkeypatch):
    supplier = await eligible_supplier(stack)
    own = await stack.as_supplier(supplier["credentials"])
    rule = search_rows.searched_text
    # A rule that also indexes a word the offering's text does not hold.
    monkeypatch.setattr(search_rows, "searched_text",
                        lambda o: rule(o) | {"description": rule(o)["description"] + " zephyr"})
    offering = await published(stack, own)
    assert await found(stack, "zephyr") == [offering["id"]]

    monkeypatch.setattr(search_rows, "searched_text", rule)
    assert await found(stack, "zephyr") == [offering["id"]]  # rows stay as written until they are written again
    assert await rebuild(stack) >= 1
    assert await found(stack, "zephyr") == []


async def test_filter_values_and_records_follow_the_rules_on_a_rebuild(stack, monkeypatch):
    supplier = await eligible_supplier(stack)
    own = await stack.as_supplier(supplier["credentials"])
    offering = await published(stack, own)
    buyer = await stack.as_role("buyer")
    risk = {"risk_tier": offering["risk_tier"]}
    listed = await stack.client.get(URL, params=risk, headers=buyer)
    assert offering["id"] in [o["id"] for o in listed.json()["data"]]

    # A rule that leaves the risk tier out of the index: the filter, which the index answers, finds nothing.
    rule = search_rows.facts
    monkeypatch.setattr(search_rows, "facts", lambda o: [(kind, value) for kind, value in rule(o) if kind != "ri"])
    await rebuild(stack)
    listed = await stack.client.get(URL, params=risk | {"q": offering["name"].split()[0]}, headers=buyer)
    assert offering["id"] not in [o["id"] for o in listed.json()["data"]]
