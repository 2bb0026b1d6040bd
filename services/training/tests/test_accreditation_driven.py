"""Courses follow their provider's accreditations by themselves, driven by the events on
accreditation.accreditation.v1: suspended and back, withdrawn when the accreditation is revoked,
expires or is surrendered, moved to another accreditation that still covers them; stale events dropped."""

from sqlalchemy import func, select

from events.training import COURSE_TOPIC
from servicekit.tables import InboxRecord
from servicekit.testing import eventually
from testsupport.kafka_tools import header, read_topic
from training.supplier.models import AccreditationProjection


async def test_suspension_suspends_published_courses_reinstatement_brings_them_back_revocation_withdraws(
        stack, training):
    supplier, own, accreditation = await training.provider()
    executive = await training.published(own)
    practitioner = await training.published(own, name="Applied AI for practitioners", price_nzd=1450,
                                            training_area="practitioner_ai_skills", audiences=["practitioner"])
    draft = await training.draft(own, name="Still a draft")
    withdrawn = await training.published(own, name="Withdrawn by its provider")
    assert (await training.act(withdrawn["id"], "withdraw", own)).status_code == 200

    await accreditation.announce("suspended")
    for course in (executive, practitioner):
        suspended = await training.status_becomes(course["id"], "suspended")
        assert suspended["status_cause"] == "accreditation"
        assert suspended["status_reason"] == f"accreditation {accreditation.id} is suspended"
    buyer = await stack.as_role("buyer")
    listed = (await stack.client.get("/api/v1/courses", params={"provider_id": supplier["id"]}, headers=buyer)).json()
    assert listed["data"] == []  # hidden from buyers while suspended
    refused = (await training.act(draft["id"], "publish", own)).json()
    assert refused["status"] == 409 and f"{accreditation.id} is suspended" in refused["detail"]
    withdrawing_is_still_the_providers_call = await training.act(practitioner["id"], "withdraw", own)
    assert withdrawing_is_still_the_providers_call.status_code == 200

    await accreditation.announce("reinstated")
    back = await training.status_becomes(executive["id"], "published")
    assert back["status_cause"] is None and back["status_reason"] is None
    assert back["accreditation_id"] == accreditation.id
    for course_id, status in ((practitioner["id"], "withdrawn"), (draft["id"], "draft"),
                              (withdrawn["id"], "withdrawn")):
        assert (await training.course(course_id))["status"] == status  # only what the suspension moved comes back

    await accreditation.announce("revoked")
    gone = await training.status_becomes(executive["id"], "withdrawn")
    assert gone["status_cause"] == "accreditation"
    assert gone["status_reason"] == f"accreditation {accreditation.id} is revoked"
    assert (await training.course(draft["id"]))["status"] == "draft"

    history = (await stack.client.get(f"/api/v1/courses/{executive['id']}/history", headers=own)).json()["data"]
    assert [(h["action"], h["to_state"], h["actor"]) for h in history[2:]] == [
        ("suspend", "suspended", "system"), ("reinstate", "published", "system"), ("withdraw", "withdrawn", "system")]
    records = await read_topic(stack.bootstrap_servers, COURSE_TOPIC.name, until=lambda rs: len(
        [r for r in rs if r.key == executive["id"].encode()]) >= 5)
    assert [header(r, "ce_type") for r in records if r.key == executive["id"].encode()] == [
        "nz.govt.marketplace.course.created.v1", "nz.govt.marketplace.course.published.v1",
        "nz.govt.marketplace.course.suspended.v1", "nz.govt.marketplace.course.reinstated.v1",
        "nz.govt.marketplace.course.withdrawn.v1"]


async def test_expiry_and_surrender_withdraw_courses_and_renewal_brings_suspended_ones_back(stack, training):
    _, own, expiring = await training.provider()
    course = await training.published(own)
    await expiring.announce("renewal_due")
    await expiring.announce("suspended")
    await training.status_becomes(course["id"], "suspended")
    await expiring.announce("renewed")  # a renewal puts it in force again
    await training.status_becomes(course["id"], "published")
    await expiring.announce("expired")
    expired = await training.status_becomes(course["id"], "withdrawn")
    assert expired["status_reason"] == f"accreditation {expiring.id} is expired"

    _, own, surrendered = await training.provider()
    suspended_first = await training.published(own)
    published = await training.published(own, name="Second course")
    await surrendered.announce("suspended")
    await training.status_becomes(suspended_first["id"], "suspended")
    await training.status_becomes(published["id"], "suspended")
    await surrendered.announce("surrendered")
    for course_id in (suspended_first["id"], published["id"]):
        assert (await training.status_becomes(course_id, "withdrawn"))["status_cause"] == "accreditation"


async def test_a_course_moves_to_another_accreditation_that_still_covers_it(stack, training):
    supplier, own, first = await training.provider(areas=["executive_ai_leadership"])
    course = await training.published(own)
    assert course["accreditation_id"] == first.id
    second = await training.accredit(supplier["id"], ["executive_ai_leadership", "responsible_ai_assurance"])
    # The two accreditations are keyed apart, so their events may arrive in either order: revoke the first
    # only once the service knows the second (else the course is rightly withdrawn, and that is final).
    database = stack.servers["training"].app.state.database

    async def second_known():
        async with database.transaction() as session:
            return await session.get(AccreditationProjection, second.id) is not None

    await eventually(second_known)
    await first.announce("revoked")

    async def moved():
        found = await training.course(course["id"])
        return found if found["accreditation_id"] == second.id else None

    moved_course = await eventually(moved)
    assert moved_course["status"] == "published" and moved_course["version"] == course["version"] + 1
    await second.announce("suspended")
    await training.status_becomes(course["id"], "suspended")


async def test_stale_and_repeated_accreditation_events_change_nothing(stack, training):
    _, own, accreditation = await training.provider()
    course = await training.published(own)
    await accreditation.announce("suspended")  # version 2
    await training.status_becomes(course["id"], "suspended")
    await accreditation.announce("reinstated", version=1)  # older than what the service has seen
    await accreditation.announce("reinstated", version=2)  # a second event of the same version

    database = stack.servers["training"].app.state.database

    async def all_received():
        async with database.transaction() as session:
            return await session.scalar(select(func.count()).select_from(InboxRecord).where(
                InboxRecord.subject == accreditation.id)) == 4

    await eventually(all_received)
    assert (await training.course(course["id"]))["status"] == "suspended"

    # Past its expiry date an accreditation stops counting, even before its `expired` event arrives.
    await accreditation.announce("reinstated")
    await training.status_becomes(course["id"], "published")
    draft = await training.draft(own, name="Too late")
    stack.clock.advance(days=3 * 365 + 1)
    refused = (await training.act(draft["id"], "publish", own)).json()
    assert refused["status"] == 409 and "past its expiry date" in refused["detail"]
