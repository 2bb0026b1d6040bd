"""The course life cycle: draft -> published (provider, with an accreditation in force covering the
course's training area); published -> suspended -> published as the accreditation is suspended and
reinstated (the service itself); draft, published or suspended -> withdrawn (the provider, or the
service when the accreditation ends). Withdrawn is final. Changes of fields and new sessions are not
transitions; they keep the status as it is."""

from servicekit.identity import Identity
from servicekit.lifecycle import SYSTEM, Lifecycle, transition

STATES = ("draft", "published", "suspended", "withdrawn")


def accredited(course, actor: Identity | None, context: dict) -> str | None:
    """Publishing (and coming back) needs an accreditation in force covering the training area."""
    missing = context.get("missing")
    return None if not missing else f"the provider may not publish this course: {missing}"


COURSE_LIFECYCLE = Lifecycle("course", [
    transition("publish", sources="draft", target="published", roles="supplier", guards=(accredited,)),
    transition("suspend", sources="published", target="suspended", roles=SYSTEM),
    transition("reinstate", sources="suspended", target="published", roles=SYSTEM, guards=(accredited,)),
    transition("withdraw", sources=("draft", "published", "suspended"), target="withdrawn",
               roles=("supplier", SYSTEM)),
])

# Actions a provider takes over HTTP, on its own courses only.
PROVIDER_ACTIONS = frozenset({"publish", "withdraw"})
# Actions whose guard needs the accreditation check.
NEEDS_ACCREDITATION = frozenset({"publish", "reinstate"})
