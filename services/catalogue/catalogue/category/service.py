"""Rules of the category taxonomy. Every change writes the row, its audit entry and its event."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from catalogue.category import repository
from catalogue.category.lifecycle import CATEGORY_LIFECYCLE
from catalogue.category.models import (Category, CategoryCreate, CategoryNode, CategoryPublic, CategoryTree,
                                       CategoryUpdate, category_state)
from events.catalogue import CategoryCreated, CategoryEvent, CategoryRetired, CategoryUpdated
from servicekit.changes import ChangeRecorder, apply_changes, refuse_removals
from servicekit.identity import Identity
from servicekit.problems import conflict, not_found, validation_problem

AGGREGATE = "category"
AXES = ("solution", "engagement")


CHANGES = ChangeRecorder(AGGREGATE, snapshot=lambda category: {"category": category_state(category)},
                         key=lambda category: category.code)


async def get(session: AsyncSession, code: str) -> Category:
    """The category, or 404."""
    category = await repository.get(session, code)
    if category is None:
        raise not_found("category", code)
    return category


async def tree(session: AsyncSession, *, status: str | None, axis: str | None) -> CategoryTree:
    """The taxonomy as a tree, solution axis first, each level by code."""
    rows = await repository.list_all(session, status=status, axis=axis)
    nodes = {row.code: CategoryNode(**CategoryPublic.model_validate(row, from_attributes=True).model_dump())
             for row in rows}
    top: list[CategoryNode] = []
    for row in rows:
        if row.parent in nodes:
            nodes[row.parent].children.append(nodes[row.code])
        else:
            top.append(nodes[row.code])
    top.sort(key=lambda node: (AXES.index(node.axis), node.code))
    return CategoryTree(data=top, count=len(nodes))


async def create(session: AsyncSession, *, category_in: CategoryCreate, actor: Identity | str,
                 now: datetime, action: str = "create") -> Category:
    """Add a category: its code unused (409), its parent existing, active (409) and on the same axis."""
    if await repository.get(session, category_in.code):
        raise conflict(f"a category with code {category_in.code} already exists", code=category_in.code)
    if category_in.parent is not None:
        parent = await repository.get(session, category_in.parent)
        if parent is None:
            raise validation_problem([{"field": "parent", "message": f"no category has the code {category_in.parent}"}])
        if parent.status != "active":
            raise conflict(f"the parent {parent.code} is {parent.status}; a new category needs an active parent",
                           parent=parent.code, parent_status=parent.status)
        if parent.axis != category_in.axis:
            raise validation_problem([{"field": "axis", "message": f"must be {parent.axis}, the axis of the parent "
                                                                   f"{parent.code}"}])
    category = Category(**category_in.model_dump(), status="active", version=1, created_at=now, updated_at=now)
    session.add(category)
    # Flushed now so a category created at the same moment by another request collides here (409).
    await session.flush()
    CHANGES.record(session, category, CategoryCreated, action=action,
            actor=actor if isinstance(actor, str) else actor.subject, at=now, from_state=None)
    return category


async def update(session: AsyncSession, *, category: Category, changes_in: CategoryUpdate, actor: Identity,
                 now: datetime) -> Category:
    """Change the name or description; a request that changes nothing leaves the version as it is."""
    requested = changes_in.model_dump(exclude_unset=True)
    refuse_removals(requested)
    if not (changed := apply_changes(category, requested, now)):
        return category
    CHANGES.record(session, category, CategoryUpdated, action="update", actor=actor.subject, at=now,
                   from_state=category.status, changes=changed)
    return category


async def retire(session: AsyncSession, *, category: Category, actor: Identity, reason: str | None,
                 now: datetime) -> Category:
    """Retire a category that has no active children (409 naming them); its offerings are kept."""
    move = CATEGORY_LIFECYCLE.check("retire", category, actor, reason=reason)
    if children := await repository.active_children(session, category.code):
        raise conflict(f"{category.code} has active children; retire them first: {', '.join(children)}",
                       current_state=category.status, active_children=children)
    from_state = category.status
    category.status = move.target
    category.version += 1
    category.updated_at = now
    CHANGES.record(session, category, CategoryRetired, action="retire", actor=actor.subject, at=now,
            from_state=from_state, reason=reason)
    return category
