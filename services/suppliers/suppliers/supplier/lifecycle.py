"""The supplier life cycle: pending_verification -> active <-> suspended, -> deregistered (final)."""

from servicekit.lifecycle import Lifecycle, transition

SUPPLIER_LIFECYCLE = Lifecycle("supplier", [
    transition("verify", sources="pending_verification", target="active", roles="admin"),
    transition("suspend", sources="active", target="suspended", roles="admin", reason_required=True),
    transition("reinstate", sources="suspended", target="active", roles="admin"),
    transition("deregister", sources=("pending_verification", "active", "suspended"), target="deregistered",
               roles="admin"),
])
