"""The offering life cycle: draft -> submitted -> published | rejected -> draft, published <-> suspended,
published -> withdrawn, anything not retired -> retired (final). Changes of a draft or rejected offering
are not transitions; they keep the status as it is."""

from servicekit.identity import Identity
from servicekit.lifecycle import SYSTEM, Lifecycle, transition

STATES = ("draft", "submitted", "published", "rejected", "suspended", "withdrawn", "retired")


def eligible(offering, actor: Identity | None, context: dict) -> str | None:
    """Publishing needs an active supplier with agreements in force covering every category."""
    missing = context.get("missing", [])
    return None if not missing else f"the supplier may not sell this offering: {'; '.join(missing)}"


def assessed(offering, actor: Identity | None, context: dict) -> str | None:
    """Publishing needs a current accepted assurance assessment of the offering."""
    missing = context.get("assurance")
    return None if not missing else f"publishing needs a current accepted assurance assessment: {missing}"


OFFERING_LIFECYCLE = Lifecycle("offering", [
    transition("submit", sources="draft", target="submitted", roles="supplier"),
    transition("publish", sources="submitted", target="published", roles="assessor", guards=(eligible, assessed)),
    transition("reject", sources="submitted", target="rejected", roles="assessor", reason_required=True),
    transition("redraft", sources="rejected", target="draft", roles="supplier"),
    transition("withdraw", sources="published", target="withdrawn", roles="supplier"),
    transition("suspend", sources="published", target="suspended", roles=("admin", SYSTEM), reason_required=True),
    transition("reinstate", sources="suspended", target="published", roles=("admin", SYSTEM), guards=(eligible,)),
    transition("retire", sources=tuple(s for s in STATES if s != "retired"), target="retired", roles="admin"),
])

# Actions only the offering's own supplier may take.
SUPPLIER_ACTIONS = frozenset({"submit", "redraft", "withdraw"})
# Actions whose guard needs the eligibility check.
NEEDS_ELIGIBILITY = frozenset({"publish", "reinstate"})
