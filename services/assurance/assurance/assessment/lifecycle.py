"""The assessment life cycle: draft -> submitted -> accepted | returned -> submitted; accepted -> renewal_due
(a new questionnaire version) and -> lapsed (twelve months on) or superseded (a later one accepted). Changes of
the answers of a draft or returned assessment are not transitions; they keep the status as it is."""

from servicekit.identity import Identity
from servicekit.lifecycle import SYSTEM, Lifecycle, transition

EDITABLE = ("draft", "returned")
OWNERS = ("supplier", "buyer")


def answered(assessment, actor: Identity | None, context: dict) -> str | None:
    """A submitted assessment answers every question of its questionnaire."""
    missing = assessment.score["unanswered"]
    return None if not missing else f"every question needs an answer before submission; unanswered: {', '.join(missing)}"


ASSESSMENT_LIFECYCLE = Lifecycle("assessment", [
    transition("submit", sources=EDITABLE, target="submitted", roles=OWNERS, guards=(answered,)),
    transition("accept", sources="submitted", target="accepted", roles="assessor"),
    transition("return", sources="submitted", target="returned", roles="assessor"),
    transition("flag-renewal", sources="accepted", target="renewal_due", roles=SYSTEM),
    transition("lapse", sources=("accepted", "renewal_due"), target="lapsed", roles=SYSTEM),
    transition("supersede", sources=("accepted", "renewal_due"), target="superseded", roles=SYSTEM),
])
