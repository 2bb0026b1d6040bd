"""Explicit life cycles: one table of transitions per aggregate, each naming who may make it,
what must hold first, and whether a reason is required.

A transition the table does not allow from the current state is 409 naming the current state and
the actions allowed from it; a role that may not make it is 403; a failed guard is 409 saying why.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from servicekit.identity import Identity
from servicekit.problems import Problem, conflict, forbidden

# A guard returns None when the transition may go ahead, or the reason it may not.
Guard = Callable[[Any, Identity, dict], "str | None"]
SYSTEM = "system"


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    guards: tuple[Guard, ...] = ()
    reason_required: bool = False


def transition(action: str, *, sources: str | tuple[str, ...], target: str, roles: str | tuple[str, ...],
               guards: tuple[Guard, ...] = (), reason_required: bool = False) -> Transition:
    """One row of a transition table (`roles` may include "system" for scheduled changes)."""
    as_set = (lambda v: frozenset((v,) if isinstance(v, str) else v))
    return Transition(action, as_set(sources), target, as_set(roles), guards, reason_required)


@dataclass
class Lifecycle:
    """The transition table of one aggregate type."""

    aggregate: str
    transitions: list[Transition]
    by_action: dict[str, Transition] = field(init=False)

    def __post_init__(self) -> None:
        self.by_action = {t.action: t for t in self.transitions}

    @property
    def named(self) -> str:
        """The aggregate with its indefinite article, for messages ("an offering", "a supplier")."""
        return f"{'an' if self.aggregate[:1] in 'aeiou' else 'a'} {self.aggregate}"

    def allowed_from(self, state: str) -> list[str]:
        """Actions a caller may ask for from `state`, in table order (scheduled-only changes are not offered)."""
        return [t.action for t in self.transitions if state in t.sources and t.roles != {SYSTEM}]

    def check(self, action: str, entity: Any, actor: Identity | None, *, reason: str | None = None,
              context: dict | None = None) -> Transition:
        """The transition to apply, or the problem explaining why it may not happen (actor None = system)."""
        chosen = self.by_action[action]
        state = entity.status
        if state not in chosen.sources:
            raise conflict(
                f"cannot {action} {self.named} that is {state}; allowed from {state}: "
                f"{', '.join(self.allowed_from(state)) or 'nothing (final state)'}",
                current_state=state, allowed_actions=self.allowed_from(state))
        if actor is not None and actor.roles.isdisjoint(chosen.roles):
            raise forbidden(f"only {' or '.join(sorted(chosen.roles - {SYSTEM}))} may {action} {self.named}")
        if actor is None and SYSTEM not in chosen.roles:
            raise forbidden(f"{action} is not a scheduled change")
        if chosen.reason_required and not (reason and reason.strip()):
            raise Problem(422, f"a reason is required to {action} {self.named}", kind="validation-error",
                          errors=[{"field": "reason", "message": "required"}])
        for guard in chosen.guards:
            if (refusal := guard(entity, actor, context or {})) is not None:
                raise conflict(refusal, current_state=state)
        return chosen
