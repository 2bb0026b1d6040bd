"""The accreditation life cycle: granted active for three years; active -> renewal_due ninety days
before expiry; renew (from active or renewal_due) starts a new period; suspended (show cause, or
the supplier's own suspension) -> active | revoked; surrendered by the provider; expired when the
date passes. The scheduler ("system") flags and expires; the service itself suspends and
reinstates for the supplier's status.

Reinstating returns to `active`, or to `renewal_due` when the renewal date passed while suspended
(`settled_status`), so a renewal is flagged once per period.
"""

from datetime import date

from servicekit.identity import Identity
from servicekit.lifecycle import SYSTEM, Lifecycle, transition

IN_FORCE = ("active", "renewal_due")
NOT_ENDED = ("active", "renewal_due", "suspended")
OPERATORS = ("assessor", "admin")
SHOW_CAUSE = "show_cause"
SUPPLIER = "supplier"


def supplier_active(accreditation, actor: Identity | None, context: dict) -> str | None:
    """Renewing or reinstating needs the supplier active."""
    status = context["supplier_status"]
    return None if status == "active" else f"supplier {accreditation.supplier_id} is {status}, not active"


def system_lifts_only_supplier_suspensions(accreditation, actor: Identity | None, context: dict) -> str | None:
    """A show-cause suspension is lifted only by a person, never by the supplier's reinstatement."""
    if actor is None and accreditation.suspended_reason != SUPPLIER:
        return "a show-cause suspension is lifted by an assessor or admin"
    return None


ACCREDITATION_LIFECYCLE = Lifecycle("accreditation", [
    transition("flag-renewal", sources="active", target="renewal_due", roles=SYSTEM),
    transition("renew", sources=IN_FORCE, target="active", roles=OPERATORS, guards=(supplier_active,)),
    transition("suspend", sources=IN_FORCE, target="suspended", roles=(*OPERATORS, SYSTEM), reason_required=True),
    transition("reinstate", sources="suspended", target="active", roles=(*OPERATORS, SYSTEM),
               guards=(system_lifts_only_supplier_suspensions, supplier_active)),
    transition("revoke", sources=NOT_ENDED, target="revoked", roles=OPERATORS, reason_required=True),
    transition("surrender", sources=NOT_ENDED, target="surrendered", roles="supplier"),
    transition("expire", sources=NOT_ENDED, target="expired", roles=SYSTEM),
])

# Actions only the accreditation's own supplier may take.
SUPPLIER_ACTIONS = frozenset({"surrender"})


def settled_status(target: str, accreditation, today: date) -> str:
    """The status a transition lands on: an accreditation back in force past its renewal date is renewal_due."""
    if target == "active" and today >= accreditation.renewal_due_on:
        return "renewal_due"
    return target
