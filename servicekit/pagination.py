"""Stable cursor (keyset) pagination.

The cursor holds the sort values of the last row served, so rows inserted or changed elsewhere in
the list never shift a page: no duplicates, no gaps. The last ordering column must be unique.
"""

from __future__ import annotations

import base64
from datetime import date, datetime
from typing import Annotated, Any, Generic, TypeVar

import orjson
from fastapi import Query
from pydantic import BaseModel
from sqlalchemy import and_, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement, Select
from sqlalchemy.sql.elements import UnaryExpression
from sqlalchemy.sql import operators

from servicekit.problems import Problem

T = TypeVar("T")
LimitQuery = Annotated[int, Query(ge=1, le=200, description="Page size")]
CursorQuery = Annotated[str | None, Query(max_length=1000, description="next_cursor of the previous page")]


class Page(BaseModel, Generic[T]):
    """One page of a list; pass next_cursor back as `cursor` for the next one (null at the end)."""

    data: list[T]
    next_cursor: str | None = None


def _encode(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(values, default=str)).decode().rstrip("=")


def _decode(cursor: str, count: int) -> list[Any]:
    try:
        values = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, orjson.JSONDecodeError) as exc:
        raise Problem(400, "cursor is not one this list gave out", kind="invalid-cursor") from exc
    if not isinstance(values, list) or len(values) != count:
        raise Problem(400, "cursor does not belong to this ordering", kind="invalid-cursor")
    return values


def _column_and_direction(term) -> tuple[ColumnElement, bool]:
    if isinstance(term, UnaryExpression) and term.modifier in (operators.desc_op, operators.asc_op):
        return term.element, term.modifier is operators.desc_op
    return term, False


def _python_type(column: ColumnElement) -> type | None:
    column_type = getattr(column, "type", None)
    # A TypeDecorator (SQLModel's AutoString for every str field) says `object`; its impl knows.
    column_type = getattr(column_type, "impl", column_type)
    try:
        return column_type.python_type
    except (AttributeError, NotImplementedError):
        return None


def _coerce(column: ColumnElement, value: Any) -> Any:
    python_type = _python_type(column) if value is not None else None
    try:
        if python_type is datetime:
            return datetime.fromisoformat(value)
        if python_type is date:
            return date.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise Problem(400, "cursor is not one this list gave out", kind="invalid-cursor") from exc
    # A tampered cursor must not reach the database as a value of another type (a 500 there).
    wrong_scalar = python_type in (int, float, str, bool) and type(value) is not python_type and not (
        python_type is float and type(value) is int)
    if wrong_scalar or isinstance(value, (list, dict)):
        raise Problem(400, "cursor is not one this list gave out", kind="invalid-cursor")
    return value


def _after(columns: list[tuple[ColumnElement, bool]], values: list[Any]) -> ColumnElement:
    """Rows strictly after `values` (as the columns take them, or bound parameters) in the ordering, as
    (a > x) or (a = x and b > y) ..."""
    clauses = []
    for i, (column, descending) in enumerate(columns):
        beyond = column < values[i] if descending else column > values[i]
        equal_before = [c == v for (c, _), v in zip(columns[:i], values[:i])]
        clauses.append(and_(*equal_before, beyond))
    return or_(*clauses)


def _coerced(columns: list[tuple[ColumnElement, bool]], values: list[Any]) -> list[Any]:
    return [_coerce(column, value) for (column, _), value in zip(columns, values)]


async def paginate(session: AsyncSession, statement: Select, *, order: list, cursor: str | None,
                   limit: int) -> tuple[list, str | None]:
    """Run `statement` ordered by `order`, starting after `cursor`; returns rows and the next cursor."""
    columns = [_column_and_direction(term) for term in order]
    if cursor:
        statement = statement.where(_after(columns, _coerced(columns, _decode(cursor, len(columns)))))
    statement = statement.order_by(*order).limit(limit + 1)
    rows = list((await session.execute(statement)).scalars().all())
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    return rows, _encode([getattr(last, column.key) for column, _ in columns])


# For lists that order by computed values (a relevance score) and so page on their own.
def encode_cursor(values: list[Any]) -> str:
    """A cursor holding the sort values of the last row served."""
    return _encode(values)


def decode_cursor(cursor: str, count: int) -> list[Any]:
    """The `count` sort values a cursor holds; 400 when it is not one this service gave out."""
    return _decode(cursor, count)


def keyset_after(order: list, values: list[Any]) -> ColumnElement:
    """A condition keeping the rows strictly after `values` in `order`: values from `keyset_values`, or
    bound parameters (a statement built once, given a cursor's values at each execution)."""
    return _after([_column_and_direction(term) for term in order], values)


def keyset_values(order: list, values: list[Any]) -> list[Any]:
    """A cursor's sort values as the columns of `order` take them; 400 when one does not fit."""
    return _coerced([_column_and_direction(term) for term in order], values)
