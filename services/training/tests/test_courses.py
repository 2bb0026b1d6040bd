"""Courses through the gateway: the transition table per role (with forbidden ones), ownership and who
sees drafts, changes with If-Match, history, the events on training.course.v1, and bad input."""

from events.training import COURSE_TOPIC
from servicekit.testing import eventually
from testsupport.kafka_tools import header, read_topic

URL = "/api/v1/courses"
PROBLEM = "application/problem+json"


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    return response.json()


async def test_a_provider_drafts_publishes_and_withdraws_its_course_and_no_other_role_may(stack, training):
    supplier, own, accreditation = await training.provider()
    _, other, _ = await training.provider()
    roles = {role: await stack.as_role(role) for role in ("admin", "assessor", "buyer", "partner")}

    for role, headers in roles.items():  # only a supplier drafts, and never anonymously
        assert problem(await stack.client.post(URL, json={}, headers=headers), 403)["detail"]
    problem(await stack.client.post(URL, json={}), 401)
    course = await training.draft(own)
    assert course["status"] == "draft" and course["provider_id"] == supplier["id"] and course["version"] == 1
    assert course["free"] is True and course["sessions"] == [] and course["accreditation_id"] is None

    for role, headers in roles.items():  # a draft is not theirs to publish
        forbidden = await training.act(course["id"], "publish", headers)
        assert forbidden.status_code == (403 if role in ("admin", "assessor") else 404), forbidden.text
    problem(await training.act(course["id"], "publish", other), 404)  # another provider does not see the draft

    published = await training.published(own, name="Published one")
    assert published["status"] == "published" and published["accreditation_id"] == accreditation.id
    assert published["version"] == 2 and published["status_cause"] is None
    for headers in (*roles.values(), other):
        assert (await training.act(published["id"], "withdraw", headers)).status_code == 403
    refused = problem(await training.act(published["id"], "publish", own), 409)
    assert refused["current_state"] == "published" and refused["allowed_actions"] == ["withdraw"]
    problem(await training.act(published["id"], "suspend", roles["admin"]), 422)  # only the service suspends

    withdrawn = await training.act(published["id"], "withdraw", own, reason="replaced by a new edition")
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["status"] == "withdrawn" and withdrawn.json()["status_cause"] == "provider"
    assert withdrawn.json()["status_reason"] == "replaced by a new edition"
    final = problem(await training.act(published["id"], "publish", own), 409)
    assert final["allowed_actions"] == [] and "final state" in final["detail"]
    # A draft may be withdrawn too (never published).
    assert (await training.act(course["id"], "withdraw", own)).json()["status"] == "withdrawn"


async def test_publishing_needs_an_accreditation_in_force_covering_the_training_area(stack, training):
    supplier, own, _ = await training.provider(areas=None)
    course = await training.draft(own)
    refused = problem(await training.act(course["id"], "publish", own), 409)
    assert "holds no accreditation" in refused["detail"] and refused["current_state"] == "draft"

    practitioner_only = await training.accredit(supplier["id"], ["practitioner_ai_skills"])

    async def names_the_area():
        response = await training.act(course["id"], "publish", own)
        return response.json() if "accredited for: practitioner_ai_skills" in response.text else None

    refused = await eventually(names_the_area)
    assert refused["status"] == 409
    assert "covers the training area executive_ai_leadership" in refused["detail"]

    published = await training.published(own, training_area="practitioner_ai_skills", audiences=["practitioner"])
    await practitioner_only.announce("suspended")
    await training.status_becomes(published["id"], "suspended")  # the suspension has reached the service
    practitioner = await training.draft(own, training_area="practitioner_ai_skills", audiences=["practitioner"])
    refused = problem(await training.act(practitioner["id"], "publish", own), 409)
    assert f"{practitioner_only.id} is suspended" in refused["detail"]

    await practitioner_only.announce("reinstated")
    await training.status_becomes(published["id"], "published")
    assert (await training.act(practitioner["id"], "publish", own)).json()["status"] == "published"
    assert (await training.course(course["id"], own))["status"] == "draft"  # refusals changed nothing


async def test_drafts_are_seen_only_by_their_provider_and_staff(stack, training):
    _, own, _ = await training.provider()
    _, other, _ = await training.provider()
    draft = await training.draft(own, name="Unpublished draft")
    published = await training.published(own, name="Public course")
    url = f"{URL}/{draft['id']}"

    for role in ("buyer", "partner"):
        problem(await stack.client.get(url, headers=await stack.as_role(role)), 404)
    problem(await stack.client.get(url), 404)
    problem(await stack.client.get(url, headers=other), 404)
    problem(await stack.client.get(f"{url}/sessions", headers=other), 404)
    problem(await stack.client.get(f"{url}/history", headers=other), 404)
    for headers in (own, await stack.as_role("admin"), await stack.as_role("assessor")):
        assert (await stack.client.get(url, headers=headers)).status_code == 200
    assert (await stack.client.get(f"{URL}/{published['id']}")).status_code == 200  # public once published

    async def listed(headers) -> set[str]:
        response = await stack.client.get(URL, params={"limit": 200}, headers=headers)
        assert response.status_code == 200, response.text
        return {c["id"] for c in response.json()["data"]}

    assert published["id"] in await listed(await stack.as_role("buyer"))
    assert draft["id"] not in await listed(await stack.as_role("buyer"))
    assert draft["id"] not in await listed(other)
    assert {draft["id"], published["id"]} <= await listed(own)
    assert draft["id"] in await listed(await stack.as_role("assessor"))
    problem(await stack.client.get(f"{URL}/no-such-course", headers=own), 404)


async def test_changes_need_if_match_and_leave_history_and_events(stack, training):
    supplier, own, _ = await training.provider()
    _, other, _ = await training.provider()
    course = await training.draft(own)
    url = f"{URL}/{course['id']}"
    read = await stack.client.get(url, headers=own)
    assert read.headers["etag"] == '"1"'

    problem(await stack.client.patch(url, json={"price_nzd": 450}, headers=own), 428)
    problem(await stack.client.patch(url, json={"price_nzd": 450}, headers=own | {"If-Match": '"7"'}), 412)
    problem(await stack.client.patch(url, json={"price_nzd": 450}, headers=other | {"If-Match": '"1"'}), 404)
    problem(await stack.client.patch(url, json={"price_nzd": 450}, headers=await stack.as_role("admin")
                                     | {"If-Match": '"1"'}), 403)
    problem(await stack.client.patch(url, json={"name": None}, headers=own | {"If-Match": '"1"'}), 422)
    changed = await stack.client.patch(url, headers=own | {"If-Match": '"1"'}, json={
        "price_nzd": 450, "nzqa": {"credits": 5, "level": 6}, "training_area": "practitioner_ai_skills"})
    assert changed.status_code == 200, changed.text
    assert changed.headers["etag"] == '"2"'
    assert changed.json()["free"] is False and changed.json()["nzqa"] == {"credits": 5, "level": 6}
    same = await stack.client.patch(url, json={"price_nzd": 450}, headers=own | {"If-Match": '"2"'})
    assert same.json()["version"] == 2  # nothing changed, no new version

    published = await training.published_draft(course["id"], own)
    assert published["version"] == 3
    area = await stack.client.patch(url, json={"training_area": "executive_ai_leadership"},
                                    headers=own | {"If-Match": '"3"'})
    assert "training area of a published course" in problem(area, 409)["detail"]
    dropped = await stack.client.patch(url, json={"nzqa": None, "name": "Applied AI for practitioners"},
                                       headers=own | {"If-Match": '"3"'})
    assert dropped.status_code == 200 and dropped.json()["nzqa"] is None and dropped.json()["version"] == 4
    session = await training.session(course["id"], own)
    assert (await training.course(course["id"]))["version"] == 5
    assert (await training.act(course["id"], "withdraw", own)).status_code == 200
    problem(await stack.client.patch(url, json={"price_nzd": 1}, headers=own | {"If-Match": '"6"'}), 409)

    history = (await stack.client.get(f"{url}/history", headers=own)).json()["data"]
    assert [(h["version"], h["action"], h["to_state"]) for h in history] == [
        (1, "create", "draft"), (2, "update", "draft"), (3, "publish", "published"), (4, "update", "published"),
        (5, "schedule_session", "published"), (6, "withdraw", "withdrawn")]
    assert history[1]["changes"]["price_nzd"] == {"from": 0.0, "to": 450.0}
    assert history[2]["actor"] == supplier["credentials"]["client_id"]

    records = await read_topic(stack.bootstrap_servers, COURSE_TOPIC.name, until=lambda rs: len(
        [r for r in rs if r.key == course["id"].encode()]) >= 6)
    mine = [r for r in records if r.key == course["id"].encode()]
    assert [header(r, "ce_type").split(".")[4] for r in mine] == [
        "created", "updated", "published", "updated", "updated", "withdrawn"]
    assert {header(r, "ce_source") for r in mine} == {"/services/training"}
    last = mine[-1].value.decode()
    assert '"status":"withdrawn"' in last and '"status_cause":"provider"' in last and session["id"] in last


async def test_bad_course_input_is_a_problem_never_a_500(stack, training):
    _, own, _ = await training.provider(areas=None)
    course_body = training.body
    bad_bodies = {
        "name": course_body(name=""),
        "audiences": course_body(audiences=[]),
        "training_area": course_body(training_area="astrology"),
        "price_nzd": course_body(price_nzd=-1),
        "workload_hours": course_body(workload_hours=0),
        "nzqa.credits": course_body(nzqa={"credits": 0, "level": 4}),
        "nzqa.level": course_body(nzqa={"credits": 5, "level": 11}),
        "language": course_body(language="fr"),
        "course_code": course_body(course_code="has spaces"),
        "colour": course_body(colour="blue"),
        "prerequisites": course_body(prerequisites=["nul \x00 inside"]),  # PostgreSQL cannot store one
    }
    for field, body in bad_bodies.items():
        refused = problem(await stack.client.post(URL, json=body, headers=own), 422)
        assert any(e["field"].startswith(field) for e in refused["errors"]), (field, refused)
    repeated = problem(await stack.client.post(URL, json=course_body(audiences=["practitioner"] * 2), headers=own), 422)
    assert "must not repeat" in repeated["detail"]
    problem(await stack.client.post(URL, content=b"{not json", headers=own | {"content-type": "application/json"}),
            422)
    course = await training.draft(own)
    problem(await stack.client.post(f"{URL}/{course['id']}/promote", headers=own), 422)
    problem(await stack.client.post(f"{URL}/{course['id']}/withdraw", json={"reason": "x" * 2001}, headers=own), 422)
    problem(await stack.client.post(f"{URL}/{course['id']}/withdraw", json={"reason": "\x00"}, headers=own), 422)
    problem(await stack.client.get(URL, params={"q": "a\x00b"}), 400)
    problem(await stack.client.get(f"{URL}/a%00b"), 400)
    problem(await stack.client.get(f"{URL}/{course['id']}/history", params={"cursor": "garbage"}, headers=own), 400)
    assert (await training.course(course["id"]))["version"] == 1  # nothing was written

    replay = {"Idempotency-Key": "course-1"} | own
    first = await stack.client.post(URL, json=course_body(name="Once"), headers=replay)
    again = await stack.client.post(URL, json=course_body(name="Once"), headers=replay)
    assert first.status_code == again.status_code == 201 and first.json()["id"] == again.json()["id"]
