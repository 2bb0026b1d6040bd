"""The registry as a pure function of the events: what enters, changes and leaves it, and that shuffled,
duplicated streams leave the same registry as in-order delivery (property test)."""

import random
import uuid

from hypothesis import given, settings
from hypothesis import strategies as st

from hub.registry.projection import Registry
from services.hub.tests import feed

SUPPLIER, OFFERING = str(uuid.uuid4()), str(uuid.uuid4())


def fold(events) -> dict:
    registry = Registry()
    for event in events:
        registry.apply(event)
    return registry.entries()


def test_an_offering_enters_when_published_and_leaves_when_withdrawn_keeping_its_history():
    draft = feed.offering(OFFERING, SUPPLIER, 1, status="draft")
    assert fold([draft]) == {}

    published = feed.offering(OFFERING, SUPPLIER, 2, status="published", at=feed.START.replace(month=2))
    entry = fold([draft, published])[f"offering:{OFFERING}"]
    assert entry["listed"] and entry["source_version"] == 2 and entry["link"] == f"/api/v1/offerings/{OFFERING}"
    assert entry["first_listed_at"] == published.occurred_at and entry["category"] == "ai.translation"

    withdrawn = feed.offering(OFFERING, SUPPLIER, 3, status="withdrawn", at=feed.START.replace(month=3))
    left = fold([draft, published, withdrawn])[f"offering:{OFFERING}"]
    assert not left["listed"] and left["status"] == "withdrawn" and left["first_listed_at"] == published.occurred_at


def test_each_kind_enters_only_while_live():
    supplier_id = str(uuid.uuid4())
    cases = [
        (feed.accreditation, "renewal_due", True), (feed.accreditation, "suspended", False),
        (feed.course, "published", True), (feed.course, "draft", False),
        (feed.agreement, "active", True), (feed.agreement, "signed", False),
    ]
    for build, status, live in cases:
        source_id = str(uuid.uuid4())
        entries = fold([build(source_id, supplier_id, 1, status=status)])
        assert bool(entries) == live, (build.__name__, status)
    marketplace = feed.agreement(str(uuid.uuid4()), supplier_id, 1, status="active", type_="marketplace")
    assert fold([marketplace]) == {}


def test_entries_carry_the_supplier_name_whichever_arrives_first():
    course_id = str(uuid.uuid4())
    events = [feed.supplier(SUPPLIER, 1, name="Pounamu"), feed.course(course_id, SUPPLIER, 1)]
    assert fold(events) == fold(events[::-1])
    assert fold(events)[f"course:{course_id}"]["supplier_name"] == "Pounamu"


def test_a_stale_or_repeated_event_changes_nothing():
    published = feed.offering(OFFERING, SUPPLIER, 2, status="published")
    suspended = feed.offering(OFFERING, SUPPLIER, 3, status="suspended")
    assert fold([published, suspended, published, suspended]) == fold([published, suspended])
    assert not fold([suspended, published])[f"offering:{OFFERING}"]["listed"]


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), data=st.data())
def test_shuffled_and_duplicated_streams_give_the_registry_of_in_order_delivery(seed, data):
    in_order = feed.history(random.Random(seed), suppliers=2, sources=8)
    duplicates = data.draw(st.lists(st.sampled_from(in_order), max_size=len(in_order)))
    shuffled = data.draw(st.permutations(in_order + duplicates))
    assert fold(shuffled) == fold(in_order)
