"""The Open311 read side: request queries and what clients and citizens see of each request."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from states.errors import InvalidInput, NotFound
from states.model import ReportState
from tanggap.db import CategoryRow, OpdRow, ReportRow
from tanggap.display import local_iso
from tanggap.intake.common import _parse_datetime
from tanggap.intake.deadlines import expected_datetimes
from tanggap.intake.errors import InvalidRequest
from tanggap.intake.tables import PhotoRow
from tanggap.intake.validation import _collect, _nul_problems
from tanggap.reader import AbstractReader

PAGE_SIZE = 1000
QUERY_SPAN = timedelta(days=90)
# Open311 requires a service code on every request; a web report filed as "tidak tahu" has
# none until the dispatch unit classifies it.
UNCATEGORISED = ("belum-dikategorikan", "Belum dikategorikan")
OPEN_STATES = frozenset(s.value for s in ReportState) - {ReportState.CLOSED.value, ReportState.REJECTED.value}


STATE_LABELS = {
    "submitted": "Diterima",
    "classified": "Diverifikasi",
    "assigned": "Sedang ditangani",
    "responded": "Sudah ditanggapi",
    "closed": "Selesai",
    "rejected": "Ditolak",
}
EVENT_LABELS = {
    "submit": "Laporan diterima",
    "classify": "Diverifikasi dan dikategorikan",
    "assign": "Diteruskan ke OPD",
    "take": "Petugas OPD mulai menangani laporan",
    "hand_over": "Diserahkan ke petugas lain di OPD yang sama",
    "transfer": "Dialihkan ke OPD lain",
    "return": "Dikembalikan ke Command Center",
    "respond": "Ditanggapi oleh OPD",
    "close": "Selesai",
    "reject": "Ditolak",
    "reopen": "Dibuka kembali",
    "request_info": "OPD meminta informasi tambahan",
    "provide_info": "Informasi tambahan diberikan",
    "comment": "Komentar pelapor",
    "redact": "Sebagian isi laporan disunting petugas",
}
CLOSE_LABELS = {
    "citizen_confirmed": "dikonfirmasi oleh pelapor",
    "quiet_period": "ditutup otomatis karena tidak ada sanggahan",
    "dispatcher": "ditutup oleh Command Center",
}
REJECT_LABELS = {
    "spam": "laporan tidak dapat diproses",
    "duplicate": "sama dengan laporan lain",
    "outside_authority": "di luar kewenangan Pemerintah Kota",
}


@dataclass(frozen=True)
class RequestView:
    """One report as an Open311 service request; `media_key` becomes `media_url` at the edge."""

    service_request_id: str
    status: str
    status_notes: str
    service_name: str
    service_code: str
    description: str
    agency_responsible: str | None
    service_notice: str | None
    requested_datetime: str | None
    updated_datetime: str | None
    expected_datetime: str | None
    address: str | None
    address_id: str | None
    lat: float | None
    long: float | None
    media_key: str | None
    state: str


@dataclass(frozen=True)
class RequestQuery:
    ids: tuple[int, ...] = ()
    service_codes: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None
    statuses: tuple[str, ...] = ()
    page: int = 1
    page_size: int = PAGE_SIZE
    extensions: bool = False


def parse_request_query(params: Mapping[str, str], now: datetime) -> RequestQuery:
    """The spec's filters and defaults: ids override everything; otherwise at most 90 days
    (the most recent 90 by default) and at most 1,000 requests a page."""
    problems = _nul_problems({"service_code": params.get("service_code")})
    ids = _collect(problems, lambda: _ids(params.get("service_request_id", ""))) or ()
    statuses = _collect(problems, lambda: _statuses(params.get("status", ""))) or ()
    span = _collect(problems, lambda: _span(params.get("start_date"), params.get("end_date"), now))
    page = _collect(problems, lambda: _positive("page", params.get("page"), 1, 10**6)) or 1
    size = _collect(problems, lambda: _positive("page_size", params.get("page_size"), PAGE_SIZE, PAGE_SIZE))
    extensions = _collect(problems, lambda: parse_extensions(params))
    if problems:
        raise InvalidRequest(problems)
    codes = tuple(s.strip() for s in params.get("service_code", "").split(",") if s.strip())
    start, end = span if span else (None, None)
    return RequestQuery(ids, codes, start, end, statuses, page, size or PAGE_SIZE, bool(extensions))


def parse_extensions(params: Mapping[str, str]) -> bool:
    """`extensions=true` asks for each request's attribute answers and the app's extra data."""
    raw = params.get("extensions", "").strip().lower()
    if raw not in ("", "true", "false"):
        raise InvalidInput("extensions", f"{raw[:40]!r} is not true or false")
    return raw == "true"


def _ids(raw: str) -> tuple[int, ...]:
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    bad = [p for p in parts if not p.isdigit() or len(p) > 18]
    if bad:
        raise InvalidInput("service_request_id", f"{bad[0][:40]!r} is not a request id")
    if len(parts) > PAGE_SIZE:
        raise InvalidInput("service_request_id", f"at most {PAGE_SIZE} ids at once")
    return tuple(int(p) for p in parts)


def _statuses(raw: str) -> tuple[str, ...]:
    parts = tuple(p.strip().lower() for p in raw.split(",") if p.strip())
    bad = [p for p in parts if p not in ("open", "closed")]
    if bad:
        raise InvalidInput("status", f"{bad[0][:40]!r} is not open or closed")
    return parts


def _span(start_raw: str | None, end_raw: str | None, now: datetime) -> tuple[datetime, datetime]:
    start, end = _when("start_date", start_raw), _when("end_date", end_raw)
    end = end or (start + QUERY_SPAN if start else now)
    start = start or end - QUERY_SPAN
    if end < start:
        raise InvalidInput("end_date", "is before start_date")
    if end - start > QUERY_SPAN:
        raise InvalidInput("start_date/end_date", "may span at most 90 days")
    return start, end


def _when(name: str, raw: str | None) -> datetime | None:
    if raw is None or not raw.strip():
        return None
    parsed = _parse_datetime(raw)
    if parsed is None:
        raise InvalidInput(name, f"{raw.strip()[:40]!r} is not a W3C date and time, e.g. 2026-10-01T00:00:00+08:00")
    return parsed


def _positive(name: str, raw: str | None, default: int, limit: int) -> int:
    if raw is None or not raw.strip():
        return default
    if not raw.strip().isdigit() or not 1 <= int(raw) <= limit:
        raise InvalidInput(name, f"must be a whole number from 1 to {limit}")
    return int(raw)


REQUEST_COLUMNS = (
    ReportRow.id,
    ReportRow.state,
    ReportRow.category,
    ReportRow.description,
    ReportRow.lat,
    ReportRow.lon,
    ReportRow.address,
    ReportRow.response,
    ReportRow.close_reason,
    ReportRow.reject_kind,
    ReportRow.duplicate_of,
    ReportRow.submitted_at,
    ReportRow.updated_at,
    ReportRow.reporter["address_id"].as_string().label("address_id"),
    ReportRow.description_redacted,
    ReportRow.photo_redacted,
)
REDACTED = "[Isi laporan ini disunting petugas.]"  # what the public reads instead of a redacted text


def find_requests(reader: AbstractReader, query: RequestQuery, include_rejected: bool = False) -> list[RequestView]:
    """The public read side. Rejected reports (spam, outside the city's authority, duplicates)
    are left out: their text and exact position are nobody's business but the citizen's."""
    stmt = _request_select().order_by(ReportRow.submitted_at.desc(), ReportRow.id.desc())
    if not include_rejected:
        stmt = stmt.where(ReportRow.state != ReportState.REJECTED.value)
    if query.ids:
        stmt = stmt.where(ReportRow.id.in_(query.ids))
    else:
        stmt = _filtered(stmt, query).offset((query.page - 1) * query.page_size).limit(query.page_size)
    with reader as s:
        return _views(s, list(s.execute(stmt)))


def get_request(reader: AbstractReader, report_id: int, include_rejected: bool = False) -> RequestView:
    views = find_requests(reader, RequestQuery(ids=(report_id,)), include_rejected)
    if not views:
        raise NotFound("service request", report_id)
    return views[0]


def _request_select() -> Any:
    opd = OpdRow.__table__.alias("agency")
    return (
        select(*REQUEST_COLUMNS, CategoryRow.name, opd.c.name)
        .outerjoin(CategoryRow, CategoryRow.code == ReportRow.category)
        .outerjoin(opd, opd.c.code == func.coalesce(ReportRow.opd, CategoryRow.opd_code))
    )


def _filtered(stmt: Any, query: RequestQuery) -> Any:
    if query.service_codes:
        stmt = stmt.where(ReportRow.category.in_(query.service_codes))
    if query.start is not None and query.end is not None:
        stmt = stmt.where(ReportRow.submitted_at >= query.start, ReportRow.submitted_at <= query.end)
    if query.statuses and set(query.statuses) != {"open", "closed"}:
        is_open = ReportRow.state.in_(OPEN_STATES)
        stmt = stmt.where(is_open if "open" in query.statuses else ~is_open)
    return stmt


def _views(session: Session, rows: list[Any]) -> list[RequestView]:
    ids = [row.id for row in rows]
    photos = _first_photos(session, ids)
    expected = expected_datetimes(session, ids)
    return [_request_view(row, photos.get(row.id), expected.get(row.id)) for row in rows]


def _first_photos(session: Session, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    query = (
        select(PhotoRow.report_id, PhotoRow.public_key)
        .where(PhotoRow.report_id.in_(ids), PhotoRow.kind == "report")
        .order_by(PhotoRow.id.desc())
    )
    # Newest first, so each report's oldest photo is written last and wins.
    return {report_id: key for report_id, key in session.execute(query)}


def _request_view(row: Any, media_key: str | None, expected: datetime | None) -> RequestView:
    category_name, agency = row[-2], row[-1]
    return RequestView(
        service_request_id=str(row.id),
        status="open" if row.state in OPEN_STATES else "closed",
        status_notes=status_notes(row, agency, category_name),
        service_name=category_name if row.category else UNCATEGORISED[1],
        service_code=row.category or UNCATEGORISED[0],
        description=REDACTED if row.description_redacted else row.description,
        agency_responsible=agency,
        service_notice=None,
        requested_datetime=local_iso(row.submitted_at),
        updated_datetime=local_iso(row.updated_at),
        expected_datetime=local_iso(expected) if row.state in OPEN_STATES else None,
        address=row.address,
        address_id=row.address_id,
        lat=row.lat,
        long=row.lon,
        media_key=None if row.photo_redacted else media_key,
        state=row.state,
    )


def status_notes(row: Any, agency: str | None, category_name: str | None) -> str:
    """The detailed state in Bahasa Indonesia, with the OPD's response when there is one."""
    label = STATE_LABELS.get(row.state, row.state)
    detail = {
        "submitted": "menunggu verifikasi petugas Command Center.",
        "classified": f"kategori {category_name or '-'}, menunggu diteruskan ke OPD.",
        "assigned": f"sedang ditangani oleh {agency or 'OPD'}.",
        "responded": f"tanggapan {agency or 'OPD'}: {row.response or '-'}",
        "closed": f"{CLOSE_LABELS.get(row.close_reason or '', 'ditutup')}. Tanggapan {agency or 'OPD'}: "
        f"{row.response or '-'}",
        "rejected": rejection_text(row.reject_kind, row.duplicate_of),
    }.get(row.state, "")
    return f"{label}: {detail}".strip()


def rejection_text(reject_kind: str | None, duplicate_of: int | None) -> str:
    kind = REJECT_LABELS.get(reject_kind or "", "tidak dapat diproses")
    return f"{kind} (#{duplicate_of})." if reject_kind == "duplicate" else f"{kind}."


def photo_withdrawn(reader: AbstractReader, key: str) -> bool:
    """Is this public photo the citizen's photo of a report whose photo staff redacted? Then
    /media no longer serves it, even to someone who kept its address."""
    fetched = select(PhotoRow.report_id).where(PhotoRow.public_key == key, PhotoRow.kind == "report")
    query = select(ReportRow.id).where(ReportRow.photo_redacted, or_(ReportRow.photo == key, ReportRow.id.in_(fetched)))
    with reader as s:
        return s.scalar(query.limit(1)) is not None
