"""Queries over registrations of interest."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.pagination import paginate
from training.registration.models import Registration

ORDER = [Registration.created_at, Registration.id]


async def get(session: AsyncSession, registration_id: str) -> Registration | None:
    return await session.get(Registration, registration_id)


async def live_for(session: AsyncSession, session_id: str, email: str) -> Registration | None:
    """The person's registration for the session that is not cancelled, if any."""
    statement = select(Registration).where(Registration.session_id == session_id, Registration.email == email,
                                           Registration.status != "cancelled")
    return (await session.execute(statement)).scalars().first()


async def waitlist_position(session: AsyncSession, registration: Registration) -> int | None:
    """1 for the next in line; None unless waitlisted."""
    if registration.status != "waitlisted":
        return None
    return await session.scalar(select(func.count()).where(
        Registration.session_id == registration.session_id, Registration.status == "waitlisted",
        Registration.waitlist_seq <= registration.waitlist_seq))


async def first_waitlisted(session: AsyncSession, session_id: str) -> Registration | None:
    statement = (select(Registration).where(Registration.session_id == session_id, Registration.status == "waitlisted")
                 .order_by(Registration.waitlist_seq).limit(1))
    return (await session.execute(statement)).scalars().first()


async def change_status(session: AsyncSession, registration: Registration, *, to: str, now) -> bool:
    """Move the registration from the status it was read with to `to`, unless a concurrent change came first."""
    result = await session.execute(
        update(Registration).where(Registration.id == registration.id, Registration.status == registration.status)
        .values(status=to, updated_at=now).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        return False
    await session.refresh(registration)
    return True


async def page(session: AsyncSession, *, session_id: str | None = None, registered_by: str | None = None,
               cursor: str | None, limit: int) -> tuple[list[Registration], str | None]:
    """Registrations of a session and/or of one buyer, oldest first."""
    statement = select(Registration)
    if session_id:
        statement = statement.where(Registration.session_id == session_id)
    if registered_by:
        statement = statement.where(Registration.registered_by == registered_by)
    return await paginate(session, statement, order=ORDER, cursor=cursor, limit=limit)
