"""A course's field lists: the request (CourseBase, shared by create and update), the table, the API model and
the event contract's snapshot. They stay apart on purpose; the differences are named here, so adding a field
to one and not the others fails."""

from __future__ import annotations

from events.training import CourseState
from training.course.models import Course, CourseBase, CourseCreate, CoursePublic, CourseUpdate

# Set or worked out by the training service, never sent by the provider.
KEPT_BY_THE_SERVICE = {"id", "provider_id", "provider_name", "accreditation_id", "free", "sessions", "status",
                       "status_cause", "status_reason", "version", "created_at", "updated_at"}
# Shown by the API but not carried by events: the provider's name, whether it is free, the reason text and the
# row's bookkeeping.
API_ONLY = {"provider_name", "free", "status_reason", "version", "created_at", "updated_at"}
# Events carry the sessions' contract type, the API their public model.
TYPED_APART = {"sessions"}
# Shown but not stored as such: nzqa is kept in two columns, the rest is worked out when asked.
NOT_COLUMNS = {"provider_name", "free", "nzqa", "sessions"}
# Stored for filtering and search on every database (Course.set_fields keeps them in step).
DERIVED_COLUMNS = {"nzqa_credits", "nzqa_level", "audience_tags", "search_text"}


def fields(model) -> list[str]:
    return list(model.model_fields)


def test_create_and_update_take_the_same_fields():
    assert fields(CourseCreate) == fields(CourseUpdate) == fields(CourseBase)
    assert all(not field.is_required() and field.default is None for field in CourseUpdate.model_fields.values())


def test_the_api_shows_what_a_provider_sends_and_what_the_service_keeps():
    sent = fields(CourseBase)
    assert [name for name in fields(CoursePublic) if name not in KEPT_BY_THE_SERVICE] == sent
    assert set(fields(CoursePublic)) == set(sent) | KEPT_BY_THE_SERVICE


def test_the_api_model_is_the_event_snapshot_and_its_extras():
    """Same names, same order and same types as the contract, plus the fields events leave out."""
    shared = [name for name in fields(CoursePublic) if name not in API_ONLY]
    assert shared == fields(CourseState)
    for name in set(shared) - TYPED_APART:
        assert CoursePublic.model_fields[name].annotation == CourseState.model_fields[name].annotation, name


def test_the_table_stores_what_the_api_shows():
    assert set(fields(Course)) == set(fields(CoursePublic)) - NOT_COLUMNS | DERIVED_COLUMNS
