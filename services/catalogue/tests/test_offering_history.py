"""An offering's history holds draft changes and rejection reasons: only its supplier and staff read it."""

from testsupport.assurance_helpers import assessed
from testsupport.catalogue_helpers import URL, act, drafted, eligible_supplier
from testsupport.helpers import active_supplier


async def test_history_of_a_published_offering_is_for_its_supplier_and_staff(stack):
    supplier = await eligible_supplier(stack)
    own = await stack.as_supplier(supplier["credentials"])
    assessor = await stack.as_role("assessor")
    offering = await drafted(stack, own)
    await act(stack, offering["id"], "submit", own)
    assert (await act(stack, offering["id"], "reject", assessor, reason="the summary oversells")).status_code == 200
    await act(stack, offering["id"], "redraft", own)
    await assessed(stack, own, offering["id"])
    await act(stack, offering["id"], "submit", own)
    assert (await act(stack, offering["id"], "publish", assessor)).json()["status"] == "published"
    history = f"{URL}/{offering['id']}/history"

    for headers in (own, assessor, await stack.as_role("admin")):
        readable = await stack.client.get(history, headers=headers)
        assert readable.status_code == 200 and "the summary oversells" in [h["reason"] for h in readable.json()["data"]]
    competitor = await stack.as_supplier((await active_supplier(stack))["credentials"])
    for headers in (await stack.as_role("buyer"), await stack.as_role("partner"), competitor):
        refused = await stack.client.get(history, headers=headers)
        assert refused.status_code == 403, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        # The offering itself stays public.
        assert (await stack.client.get(f"{URL}/{offering['id']}", headers=headers)).status_code == 200
