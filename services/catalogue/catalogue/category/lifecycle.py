"""The category life cycle: active -> retired (final). Creation and changes of name and description
are not transitions; they keep the status as it is."""

from servicekit.lifecycle import Lifecycle, transition

CATEGORY_LIFECYCLE = Lifecycle("category", [
    transition("retire", sources="active", target="retired", roles="admin", reason_required=True),
])
