"""Who may do and see what: the staff member as the application knows them, the role a page or
action needs, and which tickets a user may see. Visibility is defined once (`Scope`): `may_see`
applies it to one ticket, `scoped` to a query, and a test compares the two on every demo ticket."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, false, or_

from states.errors import PermissionDenied
from states.model import OPD_ROLES, SEES_ALL, Role
from tanggap.db import ReportRow, UserRow
from tanggap.uow import AbstractUnitOfWork


@dataclass(frozen=True)
class StaffUser:
    username: str
    role: Role
    opd: str | None
    full_name: str

    generation: int = 0  # the account's session generation when this was read

    @classmethod
    def of(cls, row: UserRow) -> StaffUser:
        return cls(row.username, Role(row.role), row.opd_code, row.full_name, row.session_generation or 0)


@dataclass(frozen=True)
class Scope:
    """Which tickets a user may see: the one definition that `may_see` applies to a ticket and the
    queues apply in SQL (`scoped`). Nothing, everything, or one OPD's tickets (for an
    officer: only their own and the OPD's unassigned ones)."""

    everything: bool = False
    opd: str | None = None
    officer: str | None = None


def scope_of(user: StaffUser) -> Scope:
    """A head sees the whole OPD's tickets; an officer their own and the OPD's unassigned ones."""
    if user.role in SEES_ALL:
        return Scope(everything=True)
    if user.role not in OPD_ROLES or user.opd is None:
        return Scope()
    return Scope(opd=user.opd, officer=user.username if user.role is Role.OPD_OFFICER else None)


def may_see(user: StaffUser, opd: str | None, officer: str | None) -> bool:
    scope = scope_of(user)
    if scope.everything:
        return True
    if scope.opd is None or opd != scope.opd:
        return False
    return scope.officer is None or officer in (None, scope.officer)


def staff_user(uow: AbstractUnitOfWork, username: str) -> StaffUser:
    return active_staff(uow.reference.user(username))


def active_staff(row: UserRow) -> StaffUser:
    """The staff member an account stands for; an account switched off signs in no more."""
    if not row.active:
        raise PermissionDenied(row.username, "sign in")
    return StaffUser.of(row)


def require(user: StaffUser, roles: frozenset[Role], action: str) -> None:
    if user.role not in roles:
        raise PermissionDenied(user.username, action)


def scoped(query: Select[Any], user: StaffUser) -> Select[Any]:
    """The user's Scope as a WHERE clause on reports: the same definition `may_see` reads."""
    scope = scope_of(user)
    if scope.everything:
        return query
    if scope.opd is None:
        return query.where(false())
    query = query.where(ReportRow.opd == scope.opd)
    if scope.officer is not None:
        query = query.where(or_(ReportRow.officer == scope.officer, ReportRow.officer.is_(None)))
    return query
