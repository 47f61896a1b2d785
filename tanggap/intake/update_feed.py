"""The service request updates feed (mySociety's extension to GeoReport v2): each event of a
report that a citizen should see, oldest first, for apps such as FixMyStreet that poll it and
show the city's answers to their citizens.

FixMyStreet keeps an update once per report and `update_id`, forever, and drops any whose
`updated_datetime` falls outside the window it asked for, comparing whole seconds. So an update's
id is its event's id (immutable, never 0), and the window is applied to the timestamp exactly as
it is written out: whole seconds."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from states.errors import InvalidInput
from tanggap.db import EventRow, OpdRow
from tanggap.display import local_iso
from tanggap.intake.errors import InvalidRequest
from tanggap.intake.queries import CLOSE_LABELS, QUERY_SPAN, _when, rejection_text
from tanggap.intake.validation import _collect
from tanggap.reader import AbstractReader

DEFAULT_SPAN = timedelta(hours=24)
MAX_UPDATES = 10_000
SECOND = timedelta(seconds=1)

# Our events as the extension's statuses. A return to the dispatch unit is INVESTIGATING, not the
# extension's INTERNAL_REFERRAL: FixMyStreet counts that as a closed state, and the report is
# still open here. A reopen is OPEN, which reopens a fixed or closed report in FixMyStreet
# (REOPEN it would keep as a comment and change nothing).
STATUS_FOR_TRIGGER = {
    "assign": "IN_PROGRESS",
    "request_info": "INVESTIGATING",
    "respond": "FIXED",
    "close": "CLOSED",
    "return": "INVESTIGATING",
    "reopen": "OPEN",
}
STATUS_FOR_REJECTION = {
    "duplicate": "DUPLICATE",
    "outside_authority": "NOT_COUNCILS_RESPONSIBILITY",
    "spam": "NO_FURTHER_ACTION",
}
FEED_TRIGGERS = (*STATUS_FOR_TRIGGER, "reject")


@dataclass(frozen=True)
class UpdateQuery:
    start: datetime
    end: datetime


@dataclass(frozen=True)
class UpdateView:
    """One update; `media_key` (the public proof photo) becomes `media_url` at the edge."""

    update_id: str
    service_request_id: str
    status: str
    updated_datetime: str
    description: str
    media_key: str | None
    external_status_code: str


def parse_update_query(params: Mapping[str, str], now: datetime) -> UpdateQuery:
    """start_date and end_date together (W3C date and times) or neither (the last 24 hours),
    at most 90 days apart. An empty api_key, as FixMyStreet sends it, is no problem: none is needed."""
    problems: list[InvalidInput] = []
    start = _collect(problems, lambda: _when("start_date", params.get("start_date")))
    end = _collect(problems, lambda: _when("end_date", params.get("end_date")))
    if not problems:
        _collect(problems, lambda: _check_span(start, end))
    if problems:
        raise InvalidRequest(problems)
    return UpdateQuery(start, end) if start and end else UpdateQuery(now - DEFAULT_SPAN, now)


def _check_span(start: datetime | None, end: datetime | None) -> None:
    if (start is None) != (end is None):
        raise InvalidInput("start_date/end_date", "give both, or neither for the last 24 hours")
    if start is None or end is None:
        return
    if end < start:
        raise InvalidInput("end_date", "is before start_date")
    if end - start > QUERY_SPAN:
        raise InvalidInput("start_date/end_date", f"may span at most {QUERY_SPAN.days} days")


def find_updates(reader: AbstractReader, query: UpdateQuery) -> list[UpdateView]:
    lower, upper = _whole_seconds(query.start, query.end)
    stmt = (
        select(EventRow.id, EventRow.report_id, EventRow.trigger, EventRow.to_state, EventRow.at, EventRow.data)
        .where(EventRow.at >= lower, EventRow.at < upper, EventRow.trigger.in_(FEED_TRIGGERS))
        .order_by(EventRow.at, EventRow.id)
        .limit(MAX_UPDATES + 1)
    )
    with reader as s:
        rows = list(s.execute(stmt))
        opds = {code: name for code, name in s.execute(select(OpdRow.code, OpdRow.name))}
    if len(rows) > MAX_UPDATES:
        raise InvalidRequest([InvalidInput(
            "start_date/end_date", f"hold more than {MAX_UPDATES:,} updates; ask for a shorter window")])
    return [_update(row, opds) for row in rows]


def _whole_seconds(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """[lower, upper): the instants whose whole-second timestamp lies within [start, end]."""
    first = start.replace(microsecond=0)
    lower = first if first == start else first + SECOND
    return lower, end.replace(microsecond=0) + SECOND


def _update(row: Any, opds: Mapping[str, str]) -> UpdateView:
    data: dict[str, Any] = row.data or {}
    status = (STATUS_FOR_REJECTION.get(data.get("reject_kind") or "", "NO_FURTHER_ACTION")
              if row.trigger == "reject" else STATUS_FOR_TRIGGER[row.trigger])
    return UpdateView(
        update_id=str(row.id),
        service_request_id=str(row.report_id),
        status=status,
        updated_datetime=local_iso(row.at) or "",
        description=_description(row.trigger, data, opds),
        media_key=data.get("proof_photo") if row.trigger == "respond" else None,
        external_status_code=row.to_state,
    )


def _description(trigger: str, data: Mapping[str, Any], opds: Mapping[str, str]) -> str:
    """What the citizen reads, in Bahasa Indonesia; never empty, or FixMyStreet hides the update."""
    if trigger == "assign":
        return f"Laporan diteruskan ke {opds.get(data.get('opd') or '', 'OPD')} dan sedang ditangani."
    if trigger == "request_info":
        return f"Petugas meminta informasi tambahan: {data.get('question') or '-'}"
    if trigger == "respond":
        return str(data.get("response") or "Laporan sudah ditanggapi.")
    if trigger == "close":
        return f"Laporan selesai: {CLOSE_LABELS.get(data.get('close_reason') or '', 'ditutup')}."
    if trigger == "reject":
        return f"Laporan ditolak: {rejection_text(data.get('reject_kind'), data.get('duplicate_of'))}"
    if trigger == "return":
        return "Laporan dikembalikan ke Command Center untuk diteruskan ke OPD yang berwenang."
    return f"Laporan dibuka kembali: {data.get('reason') or '-'}"

