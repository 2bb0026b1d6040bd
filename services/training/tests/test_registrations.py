"""Registrations of interest through the gateway: never past capacity under concurrent requests, a
waitlist in order once full, a cancelled place going to the first in line, who may do what, and
bad input. Sessions: what a provider may schedule."""

import asyncio
from datetime import timedelta

PROBLEM = "application/problem+json"


def person(i: int, **overrides) -> dict:
    body = {"name": f"Staff member {i}", "email": f"staff{i}@agency.govt.nz", "agency": "Ministry of Testing"}
    return body | overrides


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    return response.json()


async def test_fifty_at_once_for_ten_places_ten_are_registered_and_forty_waitlisted_in_order(stack, training):
    _, own, _ = await training.provider()
    course = await training.published(own)
    session = await training.session(course["id"], own, capacity=10)
    buyer = await stack.as_role("buyer")
    url = f"/api/v1/sessions/{session['id']}/registrations"

    answers = await asyncio.gather(*(stack.client.post(url, json=person(i), headers=buyer) for i in range(50)))
    assert [a.status_code for a in answers] == [201] * 50, [a.text for a in answers if a.status_code != 201][:3]
    registrations = [a.json() for a in answers]
    registered = [r for r in registrations if r["status"] == "registered"]
    waitlisted = [r for r in registrations if r["status"] == "waitlisted"]
    assert len(registered) == 10 and len(waitlisted) == 40
    assert all(r["waitlist_position"] is None for r in registered)
    assert sorted(r["waitlist_position"] for r in waitlisted) == list(range(1, 41))
    counts = (await stack.client.get(f"/api/v1/sessions/{session['id']}", headers=buyer)).json()
    assert (counts["capacity"], counts["registered"], counts["waitlisted"], counts["places_left"]) == (10, 10, 40, 0)

    # A freed place goes to the first in line; everyone behind moves up.
    first_in_line = next(r for r in waitlisted if r["waitlist_position"] == 1)
    second_in_line = next(r for r in waitlisted if r["waitlist_position"] == 2)
    cancelled = await stack.client.post(f"{url}/{registered[0]['id']}/cancel", headers=buyer)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    problem(await stack.client.post(f"{url}/{registered[0]['id']}/cancel", headers=buyer), 409)
    promoted = (await stack.client.get(f"{url}/{first_in_line['id']}", headers=buyer)).json()
    assert promoted["status"] == "registered" and promoted["waitlist_position"] is None
    assert (await stack.client.get(f"{url}/{second_in_line['id']}", headers=buyer)).json()["waitlist_position"] == 1
    leaving = await stack.client.post(f"{url}/{second_in_line['id']}/cancel", headers=await stack.as_role("admin"))
    assert leaving.status_code == 200
    counts = (await stack.client.get(f"/api/v1/sessions/{session['id']}", headers=buyer)).json()
    assert (counts["registered"], counts["waitlisted"]) == (10, 38)

    # Cancellations and new registrations at once: the counters stay equal to the registrations themselves.
    still_registered = registered[1:6]
    back_of_the_line = [w for w in waitlisted if w["waitlist_position"] > 35]  # beyond reach of 5 promotions
    mixed = await asyncio.gather(
        *(stack.client.post(f"{url}/{r['id']}/cancel", headers=buyer) for r in still_registered),
        *(stack.client.post(f"{url}/{w['id']}/cancel", headers=buyer) for w in back_of_the_line),
        *(stack.client.post(url, json=person(100 + i), headers=buyer) for i in range(10)))
    assert {a.status_code for a in mixed} <= {200, 201}, [a.text for a in mixed if a.status_code >= 300][:3]
    listed = (await stack.client.get(url, params={"limit": 200}, headers=own)).json()["data"]
    by_status = {status: [r for r in listed if r["status"] == status] for status in ("registered", "waitlisted")}
    counts = (await stack.client.get(f"/api/v1/sessions/{session['id']}", headers=buyer)).json()
    assert counts["registered"] == len(by_status["registered"]) == 10
    assert counts["waitlisted"] == len(by_status["waitlisted"]) == 38 - 5 - 5 + 10  # promoted, left, joined
    assert sorted(r["waitlist_position"] for r in by_status["waitlisted"]) == list(range(1, 39))

    # Cancelled, the person may register again: at the back of the line.
    again = await stack.client.post(url, json={k: registered[0][k] for k in ("name", "email", "agency")},
                                    headers=buyer)
    assert again.status_code == 201 and again.json()["waitlist_position"] == 39
    mine = (await stack.client.get("/api/v1/sessions/registrations", params={"limit": 200}, headers=buyer)).json()
    assert len([r for r in mine["data"] if r["session_id"] == session["id"]]) == 50 + 10 + 1


async def test_who_may_register_see_and_cancel_and_bad_registrations(stack, training):
    _, own, accreditation = await training.provider()
    _, other, _ = await training.provider()
    course = await training.published(own)
    session = await training.session(course["id"], own, capacity=2)
    url = f"/api/v1/sessions/{session['id']}/registrations"
    buyer = await stack.as_role("buyer")

    for role in ("admin", "assessor", "partner"):
        problem(await stack.client.post(url, json=person(1), headers=await stack.as_role(role)), 403)
    problem(await stack.client.post(url, json=person(1), headers=own), 403)
    problem(await stack.client.post(url, json=person(1)), 401)
    registration = (await stack.client.post(url, json=person(1), headers=buyer)).json()
    assert registration["status"] == "registered" and registration["registered_by"] == "buyer"
    duplicate = await stack.client.post(url, json=person(1, email="STAFF1@agency.govt.nz"), headers=buyer)
    assert "already registered" in problem(duplicate, 409)["detail"]

    assert len((await stack.client.get(url, headers=own)).json()["data"]) == 1  # the provider sees who registered
    assert len((await stack.client.get(url, headers=buyer)).json()["data"]) == 1
    problem(await stack.client.get(url, headers=other), 403)
    problem(await stack.client.get(f"{url}/{registration['id']}", headers=other), 403)
    problem(await stack.client.get("/api/v1/sessions/registrations", headers=own), 403)
    problem(await stack.client.post(f"{url}/{registration['id']}/cancel", headers=own), 403)
    problem(await stack.client.get(f"{url}/no-such-registration", headers=buyer), 404)

    # Bad registrations are problems and take no place.
    for body in (person(1, email="not-an-email"), person(1, name=""), {"name": "A", "email": "a@b.nz"},
                 person(1, agency="x" * 201), person(1, colour="blue"), person(1, note=""),
                 person(1, agency="nul \x00 inside")):
        problem(await stack.client.post(url, json=body, headers=buyer), 422)
    problem(await stack.client.post(url, content=b"[", headers=buyer | {"content-type": "application/json"}), 422)
    problem(await stack.client.post("/api/v1/sessions/no-such-session/registrations", json=person(1),
                                    headers=buyer), 404)
    problem(await stack.client.get("/api/v1/sessions/registrations", params={"cursor": "x"}, headers=buyer), 400)
    counts = (await stack.client.get(f"/api/v1/sessions/{session['id']}", headers=buyer)).json()
    assert (counts["registered"], counts["waitlisted"]) == (1, 0)
    keyed = buyer | {"Idempotency-Key": "registration-3"}
    first = await stack.client.post(url, json=person(3), headers=keyed)
    again = await stack.client.post(url, json=person(3), headers=keyed)
    assert first.status_code == again.status_code == 201 and first.json()["id"] == again.json()["id"]
    counts = (await stack.client.get(f"/api/v1/sessions/{session['id']}", headers=buyer)).json()
    assert (counts["registered"], counts["waitlisted"], counts["places_left"]) == (2, 0, 0)

    await accreditation.announce("suspended")
    await training.status_becomes(course["id"], "suspended")
    closed = problem(await stack.client.post(url, json=person(2), headers=buyer), 409)
    assert "only for published courses" in closed["detail"]
    await accreditation.announce("reinstated")
    await training.status_becomes(course["id"], "published")
    stack.clock.advance(days=31)
    started = problem(await stack.client.post(url, json=person(2), headers=buyer), 409)
    assert "already started" in started["detail"]


async def test_sessions_are_scheduled_by_the_provider_with_valid_times_and_places(stack, training):
    _, own, _ = await training.provider()
    _, other, _ = await training.provider()
    course = await training.draft(own)
    url = f"/api/v1/courses/{course['id']}/sessions"
    start = stack.clock.now() + timedelta(days=10)
    good = {"starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=3)).isoformat(), "online": True,
            "capacity": 25}

    bad = {"ends_at": good | {"ends_at": start.isoformat()},
           "location": good | {"online": False},
           "capacity": good | {"capacity": 0},
           "starts_at": good | {"starts_at": (stack.clock.now() - timedelta(days=1)).isoformat()},
           "naive": good | {"starts_at": "2030-01-01T09:00:00"},
           "unknown": good | {"room": "B"}}
    for case, body in bad.items():
        assert problem(await stack.client.post(url, json=body, headers=own), 422)["errors"], case
    problem(await stack.client.post(url, json=good, headers=other), 404)  # another provider's draft is invisible
    problem(await stack.client.post(url, json=good, headers=await stack.as_role("admin")), 403)
    problem(await stack.client.post("/api/v1/courses/no-such-course/sessions", json=good, headers=own), 404)
    created = await stack.client.post(url, json=good, headers=own)
    assert created.status_code == 201, created.text
    session = created.json()
    assert (session["online"], session["location"], session["capacity"], session["places_left"]) == (True, None, 25, 25)
    assert created.headers["location"] == f"/api/v1/sessions/{session['id']}"
    listed = (await stack.client.get(url, headers=own)).json()["data"]
    assert [s["id"] for s in listed] == [session["id"]]
    problem(await stack.client.get(f"/api/v1/sessions/{session['id']}", headers=await stack.as_role("buyer")), 404)
    problem(await stack.client.post(f"/api/v1/sessions/{session['id']}/registrations", json=person(1),
                                    headers=await stack.as_role("buyer")), 404)  # a draft's session is not open
    problem(await stack.client.get("/api/v1/sessions/no-such-session", headers=own), 404)

    assert (await training.act(course["id"], "withdraw", own)).status_code == 200
    problem(await stack.client.post(url, json=good, headers=own), 409)
