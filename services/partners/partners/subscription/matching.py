"""Which events a subscription wants: its types (exact or prefix) and its CloudEvents Subscriptions filters.

Filters follow the CloudEvents Subscriptions API dialects: `exact`, `prefix` and `suffix` take one
attribute and its value; `all` and `any` take a list of filters; `not` takes one. Here they apply to the
attributes `type`, `source` and `subject`. A subscription's filter list matches when every filter does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from events.envelope import TYPE_PREFIX
from partners.visibility import deliverable_types

ATTRIBUTES = ("type", "source", "subject")
STRING_DIALECTS = ("exact", "prefix", "suffix")
LIST_DIALECTS = ("all", "any")
MAX_DEPTH = 5


class BadInput(ValueError):
    """Input naming a field and what is wrong with it (the route answers 422)."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class EventFacts:
    """The attributes of an event that types and filters look at."""

    type: str
    source: str
    subject: str


def normalise_types(types: list[str], *, field: str = "types") -> list[str]:
    """Full type names and prefixes (`offering.*` -> `nz.govt.marketplace.offering.*`), each checked to name at
    least one type partners may receive."""
    known = deliverable_types()
    normalised: list[str] = []
    for index, pattern in enumerate(types):
        full = pattern if pattern.startswith(TYPE_PREFIX) or pattern == "*" else TYPE_PREFIX + pattern
        if full.endswith("*"):
            if not any(t.startswith(full[:-1]) for t in known):
                raise BadInput(f"{field}.{index}", f"{pattern!r} matches no event type partners may receive")
        elif full not in known:
            raise BadInput(f"{field}.{index}", f"{pattern!r} is not an event type partners may receive")
        if full not in normalised:
            normalised.append(full)
    return normalised


def type_matches(types: list[str], event_type: str) -> bool:
    return any(event_type.startswith(p[:-1]) if p.endswith("*") else event_type == p for p in types)


def check_filters(filters: list[Any], *, field: str = "filters") -> list[dict[str, Any]]:
    """The filters as given, once each is well formed; raises BadInput naming the first malformed one."""
    for index, expression in enumerate(filters):
        _check(expression, f"{field}.{index}", 1)
    return filters


def _check(expression: Any, path: str, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise BadInput(path, f"filters nest at most {MAX_DEPTH} deep")
    if not isinstance(expression, dict) or len(expression) != 1:
        raise BadInput(path, "a filter is an object with exactly one dialect: exact, prefix, suffix, all, any or not")
    (dialect, argument), = expression.items()
    here = f"{path}.{dialect}"
    if dialect in STRING_DIALECTS:
        if not isinstance(argument, dict) or len(argument) != 1:
            raise BadInput(here, "takes an object with exactly one attribute and its value")
        (attribute, value), = argument.items()
        if attribute not in ATTRIBUTES:
            raise BadInput(f"{here}.{attribute}", f"filters apply to {', '.join(ATTRIBUTES)}")
        if not isinstance(value, str) or not value or len(value) > 500:
            raise BadInput(f"{here}.{attribute}", "must be a non-empty string of at most 500 characters")
    elif dialect in LIST_DIALECTS:
        if not isinstance(argument, list) or not argument:
            raise BadInput(here, "takes a non-empty list of filters")
        for index, inner in enumerate(argument):
            _check(inner, f"{here}.{index}", depth + 1)
    elif dialect == "not":
        _check(argument, here, depth + 1)
    else:
        raise BadInput(path, f"unknown dialect {dialect!r}: use exact, prefix, suffix, all, any or not")


def filters_match(filters: list[dict[str, Any]], facts: EventFacts) -> bool:
    return all(_matches(expression, facts) for expression in filters)


def _matches(expression: dict[str, Any], facts: EventFacts) -> bool:
    (dialect, argument), = expression.items()
    if dialect == "all":
        return all(_matches(inner, facts) for inner in argument)
    if dialect == "any":
        return any(_matches(inner, facts) for inner in argument)
    if dialect == "not":
        return not _matches(argument, facts)
    (attribute, value), = argument.items()
    actual = getattr(facts, attribute)
    if dialect == "exact":
        return actual == value
    if dialect == "prefix":
        return actual.startswith(value)
    return actual.endswith(value)


def wants(types: list[str], filters: list[dict[str, Any]], facts: EventFacts) -> bool:
    """Whether a subscription with these types and filters receives this event."""
    return type_matches(types, facts.type) and filters_match(filters, facts)
