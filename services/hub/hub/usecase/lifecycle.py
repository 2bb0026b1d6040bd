"""The phases of a use case: idea -> design -> development -> pilot -> production, back to development
for rework (reason), and retired (reason) from any phase; retired is final."""

from servicekit.identity import Identity
from servicekit.lifecycle import Lifecycle, transition

EDITORS = ("buyer", "admin")
ACTIVE_PHASES = ("idea", "design", "development", "pilot", "production")
DONE = ("completed", "not_required")


def assessed(use_case, actor: Identity | None, context: dict) -> str | None:
    """Production needs the privacy and algorithm impact assessments completed (or not required)."""
    open_ = [kind for kind, status in use_case.impact_assessments.items() if status not in DONE]
    return None if not open_ else (f"a use case goes into production only with its impact assessments completed "
                                   f"or not required; still open: {', '.join(sorted(open_))}")


USE_CASE_LIFECYCLE = Lifecycle("use case", [
    transition("design", sources="idea", target="design", roles=EDITORS),
    transition("develop", sources="design", target="development", roles=EDITORS),
    transition("pilot", sources="development", target="pilot", roles=EDITORS),
    transition("launch", sources=("development", "pilot"), target="production", roles=EDITORS, guards=(assessed,)),
    transition("rework", sources=("pilot", "production"), target="development", roles=EDITORS,
               reason_required=True),
    transition("retire", sources=ACTIVE_PHASES, target="retired", roles=EDITORS, reason_required=True),
])
