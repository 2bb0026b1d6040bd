async def test_smoke(stack, training):
    supplier, own, accreditation = await training.provider()
    course = await training.published(own)
    assert course["status"] == "published" and course["accreditation_id"] == accreditation.id
    session = await training.session(course["id"], own)
    buyer = await stack.as_role("buyer")
    r = await stack.client.post(f"/api/v1/sessions/{session['id']}/registrations", headers=buyer,
                                json={"name": "A", "email": "a@x.govt.nz", "agency": "MBIE"})
    assert r.status_code == 201, r.text
    r = await stack.client.get("/api/v1/courses?free=true&q=masterclass", headers=buyer)
    assert r.status_code == 200, r.text
    assert course["id"] in [c["id"] for c in r.json()["data"]]
    await accreditation.announce("suspended")
    await training.status_becomes(course["id"], "suspended")
