"""HR: the breach log with explanations, allowance cuts, CSV/XLSX downloads and the ledger check;
and the read-only payroll API behind an admin-issued bearer token."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import LazyString, lazy_gettext
from flask_babel import gettext as _

from sla.allowance import Cut, Reason
from sla.clocks import ClockState, Outcome
from sla.ledger import Break, Verdict
from sla.rules import Metric
from states.errors import DomainError, InvalidInput
from states.model import Role
from tanggap import display
from tanggap.appeals.months import month_closing, stored_files
from tanggap.payroll import service as hr_service
from tanggap.payroll.seal import seal_path, shown_fingerprint
from tanggap.staff.queries import admin as admin_views
from tanggap.staff.queries import breaches as breach_views
from tanggap.staff.queries import common as common_views
from tanggap.wita import in_wita
from web.deps import tanggap
from web.staff.common import duration, mapped, me, page_lang, refused, roles_only, signed_in, wita, work_hours

bp = Blueprint("hr", __name__, url_prefix="/hr")
api = Blueprint("payroll", __name__, url_prefix="/api/payroll")
READERS = (Role.HR, Role.SUPERVISOR, Role.ADMIN)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


bp.before_request(signed_in)


def _month() -> str:
    default = in_wita(tanggap().clock.now()).strftime("%Y-%m")
    return request.args.get("month") or default


def _lines() -> list[hr_service.BreachLine]:
    args = request.args
    waived = {"ya": True, "tidak": False}.get(args.get("waived", ""))
    return hr_service.breach_log(tanggap().reader(), _month(), args.get("opd") or None, args.get("officer") or None,
                                 args.get("metric") or None, waived)


@bp.errorhandler(DomainError)
def bad_query(err: DomainError) -> ResponseReturnValue:
    """A page or download asked with a bad month or filter: 400, the problem named, nothing read."""
    response = current_app.make_response(refused(err, request.path))
    if isinstance(err, InvalidInput):
        response.status_code = 400
    return response


@bp.get("/breaches")
@roles_only(*READERS)
def breaches() -> ResponseReturnValue:
    lines = _lines()
    verdict = hr_service.verify_ledger(tanggap().reader())
    opds = common_views.names(tanggap().reader())[1]
    return render_template("staff/breaches.html", lines=lines, month=_month(), args=request.args, verdict=verdict,
                           ledger=ledger_line(verdict), opds=opds)


LEDGER_TABLES = {"sla_breaches": lazy_gettext("pelanggaran"), "sla_fulfilments": lazy_gettext("pemenuhan"),
                 "sla_waivers": lazy_gettext("pembebasan"), "objections": lazy_gettext("keberatan"),
                 "objection_decisions": lazy_gettext("keputusan keberatan")}
BREAKS = {
    Break.MISSING: lazy_gettext("ada baris yang dihapus atau nomornya diubah"),
    Break.RELINKED: lazy_gettext("tautannya ke baris sebelumnya tidak cocok: baris sebelumnya diganti"),
    Break.ALTERED: lazy_gettext("isinya tidak cocok dengan hash-nya: baris ini diubah"),
}


def ledger_line(verdict: Verdict) -> str:
    """What `tanggap ledger verify` says, in the page's language."""
    if verdict.intact:
        return str(_("Buku besar: utuh, %(n)s baris diperiksa.", n=verdict.checked))
    bad = verdict.first_bad
    assert bad is not None and verdict.broken is not None
    return str(_("Buku besar: RUSAK di baris %(seq)s (%(table)s #%(id)s): %(problem)s.", seq=bad.seq,
                 table=LEDGER_TABLES.get(bad.table, bad.table), id=bad.row_id, problem=BREAKS[verdict.broken]))


@bp.get("/breaches.csv")
@roles_only(*READERS)
def breaches_csv() -> ResponseReturnValue:
    return _download(hr_service.export_breaches(_lines(), "csv"), "text/csv; charset=utf-8", "csv")


@bp.get("/breaches.xlsx")
@roles_only(*READERS)
def breaches_xlsx() -> ResponseReturnValue:
    return _download(hr_service.export_breaches(_lines(), "xlsx"), XLSX, "xlsx")


def _download(data: bytes, mimetype: str, ext: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{hr_service.export_name(_month(), ext)}"'
    return response


@bp.get("/breaches/<int:breach_id>")
@mapped
def breach(breach_id: int) -> ResponseReturnValue:
    app = tanggap()
    view = breach_views.breach_detail(app.reader(), me(), breach_id, app.clock.now(), app.policy.objection_window_days)
    reason = breach_reason(view["clock"], view["breach"].due_at) if view["clock"] else None
    return render_template("staff/breach.html", b=view, reason=reason)


CUT_REASONS: dict[str, LazyString] = {
    Reason.PER_BREACH: lazy_gettext("%(n)s pelanggaran x %(each)s = %(raw)s"),
    Reason.TIER: lazy_gettext("tepat waktu %(rate)s (batas tingkat %(floor)s): potongan %(cut)s"),
    Reason.NOTHING_DUE: lazy_gettext("tidak ada tiket yang jatuh tempo bulan ini"),
}


def cut_reason(cut: Cut) -> str:
    """How the cut was reached, in the page's language."""
    why, lang = cut.why, page_lang()
    words = {"n": why.breaches, "each": display.amount(why.percent_each, lang) + "%",
             "raw": display.amount(why.raw, lang) + "%", "rate": display.percent(why.rate, lang, 1),
             "floor": display.percent(why.floor, lang), "cut": display.amount(why.cut, lang) + "%"}
    text = str(CUT_REASONS[why.reason] % words)
    if why.cap is not None:
        text += str(_(", dibatasi %(cap)s", cap=display.amount(why.cap, lang) + "%"))
    return text


# What ended a clock that was late, as the explanation names it.
ENDED: dict[str, LazyString] = {
    Metric.DISPATCH: lazy_gettext("Laporan diteruskan ke OPD"),
    Metric.RESPONSE: lazy_gettext("Tanggapan dikirim"),
    Metric.RESOLUTION: lazy_gettext("Laporan selesai"),
    Outcome.TRANSFERRED: lazy_gettext("Laporan dialihkan ke OPD lain"),
    Outcome.RETURNED: lazy_gettext("Laporan dikembalikan (bukan wewenang)"),
    Outcome.REJECTED: lazy_gettext("Laporan ditolak"),
}


REASONS: dict[str, LazyString] = {
    ClockState.RUNNING: lazy_gettext("Batas waktu %(due)s sudah lewat %(late)s (%(work)s dalam jam kerja) dan belum selesai."),  # noqa: E501
    ClockState.PAUSED: lazy_gettext("Batas waktu %(due)s sudah lewat %(late)s saat jam dijeda menunggu jawaban warga."),
    "in_working_time": lazy_gettext("Batas waktu %(due)s. %(ended)s %(end)s: %(late)s setelah batas waktu, %(work)s di antaranya jam kerja."),  # noqa: E501
    "outside_working_time": lazy_gettext("Batas waktu %(due)s. %(ended)s %(end)s, di luar jam kerja: terlambat %(late)s walau tidak ada jam kerja yang lewat."),  # noqa: E501
}


def breach_reason(clock: dict[str, Any], due: datetime) -> str:
    """Why this counts as a breach, in words: when the deadline was, when the clock ended (or that
    it has not), and how late that is in calendar time and in working time."""
    words = {"due": wita(due, with_day=True), "late": duration(clock["calendar_late_hours"]),
             "work": work_hours(clock["overdue_hours"])}
    if clock["state"] != ClockState.STOPPED:
        return str(REASONS[clock["state"]] % words)
    ended = ENDED[clock["metric"] if clock["outcome"] == Outcome.FULFILLED else clock["outcome"]]
    words |= {"ended": str(ended), "end": wita(clock["ended_at"], with_day=True)}
    return str(REASONS["in_working_time" if clock["overdue_hours"] > 0 else "outside_working_time"] % words)


@bp.get("/allowance")
@roles_only(*READERS)
def allowance() -> ResponseReturnValue:
    app, month = tanggap(), _month()
    # A bad month is refused by the blueprint's handler: 400, the problem named.
    report = hr_service.allowance(app.uow(), month, app.clock.now(), app.policy.objection_window_days)
    closing = month_closing(app.uow(), month, app.clock.now(), app.policy.objection_window_days)
    seal = shown_fingerprint(seal_path(app.settings.data_dir / "exports" / month, month)) if closing.closed_by else None
    return render_template("staff/allowance.html", a=report, month=month, cut_reason=cut_reason, closing=closing,
                           seal=seal)


@bp.get("/allowance/<month>/<name>")
@roles_only(*READERS)
def closed_file(month: str, name: str) -> ResponseReturnValue:
    """A closed month's kept file, byte for byte as it was when the month closed."""
    with tanggap().uow() as uow:
        data = stored_files(uow, month).get(name)
    kind = CLOSED_TYPES.get(Path(name).suffix)
    if data is None or kind is None:
        abort(404)
    response = Response(data, mimetype=kind)
    # The breach log keeps the name every export has (pelanggaran-sla-YYYY-MM.csv); the allowance
    # file is named after its month here.
    shown = name if name.startswith("pelanggaran-sla-") else f"{month}-{name}"
    response.headers["Content-Disposition"] = f'attachment; filename="{shown}"'
    return response


CLOSED_TYPES = {".json": "application/json", ".csv": "text/csv; charset=utf-8", ".xlsx": XLSX}


# --- the payroll API -----------------------------------------------------------------------


@api.before_request
def bearer() -> None:
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header.startswith("Bearer ") else ""
    if not token or admin_views.token_scope(tanggap().reader(), token) != "payroll":
        abort(Response('{"error": "a valid bearer token is required"}', 401, mimetype="application/json",
                       headers={"WWW-Authenticate": 'Bearer realm="payroll"'}))


@api.get("/breaches")
def api_breaches() -> ResponseReturnValue:
    try:
        lines = _lines()
    except DomainError as err:
        return jsonify(error=str(err)), 400
    return jsonify(month=_month(), breaches=[_line_json(line) for line in lines])


def _line_json(line: hr_service.BreachLine) -> dict[str, Any]:
    return {key: value.isoformat() if hasattr(value, "isoformat") else value for key, value in asdict(line).items()}


@api.get("/allowance")
def api_allowance() -> ResponseReturnValue:
    app = tanggap()
    try:
        report = hr_service.allowance(app.uow(), _month(), app.clock.now(), app.policy.objection_window_days)
    except DomainError as err:
        return jsonify(error=str(err)), 400
    return jsonify(month=report.month, policy=report.policy, officers=[_cut_json(c) for c in report.officers],
                   opds=[_cut_json(c) for c in report.opds], appeals=[asdict(a) for a in report.appeals])


def _cut_json(cut: Cut) -> dict[str, Any]:
    return {**asdict(cut), "explanation": cut.explanation}
