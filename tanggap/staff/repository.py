"""Staff rows behind a port: sign-in counters and attempts, session generations, duplicate
decisions, response templates, payroll API tokens and undelivered e-mails. Only this module
writes their SQL."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from sqlalchemy import and_, case, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from tanggap.db import DuplicateLinkRow, InboxRow, UserRow
from tanggap.intake.tables import ApiKeyRow
from tanggap.pipeline.notifications import undelivered
from tanggap.staff.tables import ApiTokenRow, LoginAttemptRow, LoginThrottleRow, ResponseTemplateRow

Revocable = TypeVar("Revocable", ApiTokenRow, ApiKeyRow)


class AbstractStaffRepository(Protocol):
    def charge(self, username: str, address: str, limit: int, window: timedelta, backoff: timedelta,
               now: datetime) -> bool: ...
    def forgive(self, username: str, addresses: list[str], now: datetime) -> None: ...
    def record_attempt(self, username: str, address: str, ok: bool, now: datetime) -> None: ...
    def end_sessions(self, username: str) -> None: ...
    def duplicate_link(self, link_id: int) -> DuplicateLinkRow | None: ...
    def template(self, template_id: int) -> ResponseTemplateRow | None: ...
    def save_template(self, row: ResponseTemplateRow) -> int: ...
    def token_named(self, name: str) -> bool: ...
    def add_token(self, row: ApiTokenRow) -> None: ...
    def revocable(self, model: type[Revocable], row_id: int) -> Revocable | None: ...
    def undelivered_email(self, inbox_id: int, now: datetime) -> InboxRow | None: ...


class SqlAlchemyStaffRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def charge(self, username: str, address: str, limit: int, window: timedelta, backoff: timedelta,
               now: datetime) -> bool:
        """Count one failure in advance and say whether the attempt may go ahead: a fresh window,
        room under the limit, or the back-off elapsed. One conditional UPDATE: the row lock
        (PostgreSQL) or the write lock (SQLite) makes counting and deciding a single step."""
        self._ensure_counter(username, address, now)
        t = LoginThrottleRow
        fresh = t.window_start <= now - window
        result = self._session.execute(
            update(t)
            .where(t.username == username, t.address == address, or_(fresh, t.failures < limit, t.next_at <= now))
            .values(failures=case((fresh, 1), else_=t.failures + 1),
                    window_start=case((fresh, now), else_=t.window_start),
                    next_at=case((and_(~fresh, t.failures + 1 >= limit), now + backoff), else_=t.next_at))
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    def _ensure_counter(self, username: str, address: str, now: datetime) -> None:
        insert = pg_insert if self._session.get_bind().dialect.name == "postgresql" else sqlite_insert
        values = {"username": username, "address": address, "failures": 0, "window_start": now, "next_at": now}
        self._session.execute(insert(LoginThrottleRow).values(**values).on_conflict_do_nothing())

    def forgive(self, username: str, addresses: list[str], now: datetime) -> None:
        t = LoginThrottleRow
        self._session.execute(
            update(t).where(t.username == username, t.address.in_(addresses))
            .values(failures=0, window_start=now, next_at=now).execution_options(synchronize_session=False)
        )

    def record_attempt(self, username: str, address: str, ok: bool, now: datetime) -> None:
        self._session.add(LoginAttemptRow(username=username, address=address, ok=ok, at=now))

    def end_sessions(self, username: str) -> None:
        """Every session cookie issued to this account so far stops working. Changes already made
        to the account in this transaction are written first."""
        self._session.flush()
        self._session.execute(
            update(UserRow).where(UserRow.username == username)
            .values(session_generation=UserRow.session_generation + 1).execution_options(synchronize_session=False)
        )

    def duplicate_link(self, link_id: int) -> DuplicateLinkRow | None:
        return self._session.get(DuplicateLinkRow, link_id)

    def template(self, template_id: int) -> ResponseTemplateRow | None:
        return self._session.get(ResponseTemplateRow, template_id)

    def save_template(self, row: ResponseTemplateRow) -> int:
        self._session.add(row)
        self._session.flush()
        return row.id

    def token_named(self, name: str) -> bool:
        return self._session.scalar(select(ApiTokenRow.id).where(ApiTokenRow.name == name)) is not None

    def add_token(self, row: ApiTokenRow) -> None:
        self._session.add(row)

    def revocable(self, model: type[Revocable], row_id: int) -> Revocable | None:
        return self._session.get(model, row_id)

    def undelivered_email(self, inbox_id: int, now: datetime) -> InboxRow | None:
        return self._session.scalar(select(InboxRow).where(InboxRow.id == inbox_id, undelivered(now)))
