"""The transition table: which actions it offers, and the problems it raises."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from servicekit.identity import Identity
from servicekit.lifecycle import SYSTEM, Lifecycle, transition
from servicekit.problems import Problem

TABLE = Lifecycle("offering", [
    transition("publish", sources="submitted", target="published", roles="assessor"),
    transition("suspend", sources="published", target="suspended", roles="admin", reason_required=True),
    transition("expire", sources="published", target="expired", roles=SYSTEM),
])


def caller(*roles: str) -> Identity:
    return Identity(subject="someone", roles=frozenset(roles))


def test_scheduled_only_changes_are_not_offered_to_callers():
    assert TABLE.allowed_from("published") == ["suspend"]


def test_a_change_from_the_wrong_state_names_what_is_allowed():
    with pytest.raises(Problem) as refused:
        TABLE.check("publish", SimpleNamespace(status="published"), caller("assessor"))
    assert refused.value.status == 409
    assert "cannot publish an offering that is published; allowed from published: suspend" in refused.value.detail


def test_the_wrong_role_and_a_missing_reason_are_refused():
    with pytest.raises(Problem) as wrong_role:
        TABLE.check("publish", SimpleNamespace(status="submitted"), caller("buyer"))
    assert wrong_role.value.status == 403 and "only assessor may publish an offering" in wrong_role.value.detail
    with pytest.raises(Problem) as no_reason:
        TABLE.check("suspend", SimpleNamespace(status="published"), caller("admin"), reason=" ")
    assert no_reason.value.status == 422


def test_people_cannot_run_scheduled_changes_but_the_scheduler_can():
    with pytest.raises(Problem) as refused:
        TABLE.check("expire", SimpleNamespace(status="published"), caller("admin"))
    assert refused.value.status == 403
    assert TABLE.check("expire", SimpleNamespace(status="published"), None).target == "expired"
