"""The application life cycle: draft -> submitted -> under_assessment <-> information_requested ->
approved | declined. Changes of a draft, or of an application awaiting its answers, are not
transitions; they keep the status as it is."""

from typing import get_args

from events.accreditation import Criterion
from servicekit.identity import Identity
from servicekit.lifecycle import Lifecycle, transition

CRITERIA: tuple[str, ...] = get_args(Criterion)
EDITABLE = ("draft", "information_requested")
OPEN = ("draft", "submitted", "under_assessment", "information_requested")


def supplier_active(application, actor: Identity | None, context: dict) -> str | None:
    """Only a registered, active supplier may submit or be accredited."""
    status = context["supplier_status"]
    if status == "active":
        return None
    if status == "unknown":
        return f"supplier {application.supplier_id} is not known to the accreditation service yet; retry shortly"
    return f"supplier {application.supplier_id} is {status}; only an active supplier can be accredited"


def complete(application, actor: Identity | None, context: dict) -> str | None:
    """A submitted application names its trainers and offers evidence."""
    missing = [name for name in ("trainers", "evidence") if not getattr(application, name)]
    return None if not missing else f"the application cannot be submitted without {' and '.join(missing)}"


def every_criterion_rated(application, actor: Identity | None, context: dict) -> str | None:
    """An approval rates every criterion."""
    rated = {r["criterion"] for r in context.get("ratings", [])}
    missing = [c for c in CRITERIA if c not in rated]
    return None if not missing else f"an approval rates every criterion; not rated: {', '.join(missing)}"


def none_not_met(application, actor: Identity | None, context: dict) -> str | None:
    """An approval needs no criterion not_met."""
    failed = [r["criterion"] for r in context.get("ratings", []) if r["rating"] == "not_met"]
    return None if not failed else f"an approval needs no criterion not_met; not met: {', '.join(failed)}"


APPLICATION_LIFECYCLE = Lifecycle("application", [
    transition("submit", sources="draft", target="submitted", roles="supplier", guards=(supplier_active, complete)),
    transition("start-assessment", sources="submitted", target="under_assessment", roles="assessor"),
    transition("request-information", sources="under_assessment", target="information_requested", roles="assessor",
               reason_required=True),
    transition("respond", sources="information_requested", target="under_assessment", roles="supplier"),
    transition("approve", sources="under_assessment", target="approved", roles="assessor",
               guards=(every_criterion_rated, none_not_met, supplier_active)),
    transition("decline", sources="under_assessment", target="declined", roles="assessor", reason_required=True),
])

# Actions only the application's own supplier may take.
SUPPLIER_ACTIONS = frozenset({"submit", "respond"})
