"""The agreement life cycle: offered -> signed -> active <-> suspended, -> expired | terminated."""

from servicekit.identity import Identity
from servicekit.lifecycle import SYSTEM, Lifecycle, transition


def owning_supplier(agreement, actor: Identity | None, context: dict) -> str | None:
    """Only the supplier the agreement belongs to can sign it."""
    if actor is None or actor.supplier_id != agreement.supplier_id:
        return "only the supplier this agreement belongs to can sign it"
    return None


def supplier_active(agreement, actor: Identity | None, context: dict) -> str | None:
    """A supplier that is not active cannot sign."""
    status = context["supplier_status"]
    return None if status == "active" else f"the supplier is {status}; only an active supplier can sign"


def supplier_signed(agreement, actor: Identity | None, context: dict) -> str | None:
    """Countersigning needs the supplier's signature first."""
    return None if agreement.supplier_signed_at else "the supplier has not signed this agreement"


AGREEMENT_LIFECYCLE = Lifecycle("agreement", [
    transition("sign", sources="offered", target="signed", roles="supplier",
               guards=(owning_supplier, supplier_active)),
    transition("countersign", sources="signed", target="active", roles="admin", guards=(supplier_signed,)),
    transition("vary", sources="active", target="active", roles="admin"),
    transition("suspend", sources="active", target="suspended", roles="admin", reason_required=True),
    transition("reinstate", sources="suspended", target="active", roles="admin"),
    transition("terminate", sources=("offered", "signed", "active", "suspended"), target="terminated",
               roles="admin", reason_required=True),
    transition("expire", sources=("active", "suspended"), target="expired", roles=SYSTEM),
])
