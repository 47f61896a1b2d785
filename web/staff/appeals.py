"""Objections (keberatan): an officer's own breaches, filing an objection, supervisors deciding, and HR
closing a month."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import LazyString, lazy_gettext
from flask_babel import gettext as _

from sla.appeals import ObjectionReason, Outcome, Standing
from states.errors import DomainError, InvalidInput
from states.model import Role
from tanggap.appeals import queries
from tanggap.appeals.commands import CloseMonth, DecideObjection, EvidenceFile, FileObjection
from tanggap.appeals.errors import (
    AlreadyDecided,
    MonthNotClosable,
    ObjectionPending,
    ObjectionWindowClosed,
)
from tanggap.appeals.months import ClosedMonth, seal_closed
from tanggap.commands import Command
from tanggap.enforcement.closed_months import MonthClosed
from tanggap.payroll.seal import SealError
from web.deps import tanggap
from web.staff.common import mapped, me, month_text, refused, roles_only, run, signed_in, wita
from web.staff.hr import breach_reason

bp = Blueprint("appeals", __name__)
bp.before_request(signed_in)

REASON_LABELS: dict[str, LazyString] = {
    ObjectionReason.CITIZEN_UNREACHABLE: lazy_gettext("Warga tidak dapat dihubungi"),
    ObjectionReason.NOT_OUR_REPORT: lazy_gettext("Laporan bukan wewenang kami"),
    ObjectionReason.SYSTEM_OUTAGE: lazy_gettext("Gangguan sistem"),
    ObjectionReason.WRONG_HOLDER: lazy_gettext("Pemegang tiket salah"),
    ObjectionReason.HOLIDAY_MISSING: lazy_gettext("Hari libur belum tercatat di kalender"),
    ObjectionReason.OTHER: lazy_gettext("Lainnya"),
}
STANDING_LABELS: dict[str, LazyString] = {
    Standing.OPEN: lazy_gettext("masih dapat diajukan keberatan"),
    Standing.UNDER_OBJECTION: lazy_gettext("dalam keberatan"),
    Standing.WAIVED: lazy_gettext("dibebaskan"),
    Standing.FINAL: lazy_gettext("final"),
}
OUTCOME_LABELS: dict[str, LazyString] = {
    Outcome.ACCEPTED: lazy_gettext("diterima"),
    Outcome.REFUSED: lazy_gettext("ditolak"),
}
OBJECTORS = (Role.OPD_OFFICER, Role.OPD_HEAD)
DECIDERS = (Role.SUPERVISOR, Role.ADMIN)


@bp.get("/saya/pelanggaran")
@roles_only(*OBJECTORS)
@mapped
def mine() -> ResponseReturnValue:
    app = tanggap()
    breaches = queries.my_breaches(app.reader(), me(), app.clock.now(), app.policy.objection_window_days)
    reasons = {b.breach_id: breach_reason(b.clock, b.due_at) if b.clock else "" for b in breaches}
    return render_template("staff/my_breaches.html", breaches=breaches, reasons=reasons,
                           window_days=app.policy.objection_window_days)


@bp.post("/pelanggaran/<int:breach_id>/keberatan")
@roles_only(*OBJECTORS)
def file(breach_id: int) -> ResponseReturnValue:
    form, back = request.form, url_for("hr.breach", breach_id=breach_id)
    evidence = tuple(EvidenceFile(f.filename or "bukti", f.read()) for f in request.files.getlist("evidence")
                     if f and f.filename)
    cmd = FileObjection(breach_id, me().username, form.get("reason", ""), form.get("text", ""), evidence)
    return done_or_explained(cmd, _("Keberatan diajukan. Supervisor akan memutuskannya."), back)


@bp.get("/keberatan")
@roles_only(*DECIDERS, Role.HR)
@mapped
def index() -> ResponseReturnValue:
    return render_template("staff/objections.html", objections=queries.objections(tanggap().reader(), me()))


@bp.post("/keberatan/<int:objection_id>/putuskan")
@roles_only(*DECIDERS)
def decide(objection_id: int) -> ResponseReturnValue:
    form = request.form
    accept = {"accept": True, "refuse": False}.get(form.get("outcome", ""))
    back = _local(form.get("back", "")) or url_for(".index")
    if accept is None:
        return _refused(InvalidInput("outcome", "choose accept or refuse"), back)
    cmd = DecideObjection(objection_id, me().username, accept, form.get("reason", ""))
    message = _("Keberatan diterima; pelanggaran dibebaskan.") if accept else _("Keberatan ditolak.")
    return done_or_explained(cmd, message, back)


def _local(path: str) -> str | None:
    """A path on this site to go back to; anything else (another host) is ignored."""
    return path if path.startswith("/") and not path.startswith("//") and "\\" not in path else None


@bp.get("/keberatan/bukti/<int:evidence_id>")
@mapped
def evidence(evidence_id: int) -> ResponseReturnValue:
    name, content_type, data = queries.evidence_file(tanggap().reader(), me(), evidence_id)
    response = Response(data, mimetype=content_type)
    response.headers["Content-Disposition"] = f'inline; filename="{_safe(name)}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.post("/bulan/<month>/tutup")
@roles_only(Role.HR, Role.ADMIN)
def close(month: str) -> ResponseReturnValue:
    app = tanggap()
    cmd = CloseMonth(month, me().username, app.settings.data_dir / "exports")
    back = url_for("hr.allowance", month=month)
    try:
        closed: ClosedMonth = run(cmd)
    except DomainError as err:
        return _refused(err, back)
    flash(_("Bulan %(month)s ditutup; potongannya kini final.", month=month_text(month)))
    try:
        sealed = seal_closed(app.uow(), closed, app.settings.seal_key, app.clock.now())
    except (DomainError, SealError) as err:
        flash(_("Bulan ini ditutup tetapi belum disegel: %(problem)s", problem=str(err)))
        return redirect(back, 303)
    if sealed is None:
        flash(_("Bulan ini belum disegel: kunci segel (TANGGAP_SEAL_KEY) tidak dipasang di server ini."))
    else:
        flash(_("Segel bulan ini: %(fingerprint)s", fingerprint=sealed.fingerprint))
    return redirect(back, 303)


def done_or_explained(cmd: Command, message: str, back: str) -> ResponseReturnValue:
    """Run a form's command, then back to `back` with `message`; a refusal explained in words."""
    try:
        run(cmd)
    except DomainError as err:
        return _refused(err, back)
    flash(message)
    return redirect(back, 303)


def _refused(err: DomainError, back: str) -> ResponseReturnValue:
    details = refusal_details(err)
    if details is None:
        return refused(err, back)
    return render_template("staff/pesan.html", message=_("Tindakan ini tidak dapat dilakukan."), details=details,
                           back=back), 409 if isinstance(err, MonthNotClosable | MonthClosed) else 422


def refusal_details(err: DomainError) -> list[str] | None:
    """The appeals' refusals in the page's language, naming the breach, objection, month or time."""
    if isinstance(err, ObjectionWindowClosed):
        return [_("Masa keberatan untuk pelanggaran #%(id)s sudah berakhir pada %(end)s.", id=err.breach_id,
                  end=wita(err.ended_at, with_day=True))]
    if isinstance(err, ObjectionPending):
        return [_("Pelanggaran #%(id)s sudah punya keberatan #%(objection)s yang menunggu keputusan supervisor.",
                  id=err.breach_id, objection=err.objection_id)]
    if isinstance(err, AlreadyDecided):
        return [_("Keberatan #%(id)s sudah diputuskan oleh %(who)s.", id=err.objection_id, who=err.by)]
    if isinstance(err, MonthClosed):
        return [_("Bulan %(month)s sudah ditutup oleh %(who)s pada %(at)s; potongannya sudah final.",
                  month=month_text(err.month), who=err.closed_by, at=wita(err.closed_at, with_day=True))]
    if isinstance(err, MonthNotClosable):
        return month_blockers(err)
    if isinstance(err, InvalidInput) and err.field in FIELD_WORDS:
        return [str(FIELD_WORDS[err.field])]
    return None


FIELD_WORDS: dict[str, LazyString] = {
    "reason": lazy_gettext("Pilih alasan keberatan, atau tuliskan alasan keputusan."),
    "text": lazy_gettext("Tuliskan apa yang terjadi."),
    "evidence": lazy_gettext("Bukti harus berupa foto (JPEG, PNG, WebP) atau PDF, paling besar 10 MB, paling banyak 5 berkas."),  # noqa: E501
    "outcome": lazy_gettext("Pilih terima atau tolak."),
    "breach_id": lazy_gettext("Pelanggaran ini sudah dibebaskan."),
    "objection_id": lazy_gettext("Pelanggaran ini sudah dibebaskan; tolak keberatannya."),
    "month": lazy_gettext("Tulis bulan seperti 2026-10."),
}


def month_blockers(err: MonthNotClosable) -> list[str]:
    b, lines = err.blockers, []
    if b.month_ends_at:
        lines.append(_("Bulan %(month)s belum berakhir (berakhir %(end)s).", month=month_text(err.month),
                       end=wita(b.month_ends_at, with_day=True)))
    for objection, breach in b.pending:
        lines.append(_("Pelanggaran #%(breach)s masih dalam keberatan (keberatan #%(objection)s menunggu keputusan).",
                       breach=breach, objection=objection))
    if b.open_breaches:
        lines.append(_("Masa keberatan masih berjalan untuk pelanggaran %(ids)s sampai %(end)s.",
                       ids=", ".join(f"#{i}" for i in b.open_breaches), end=wita(b.open_until, with_day=True)))
    return lines


def _safe(name: str) -> str:
    return "".join(ch for ch in name if ch.isalnum() or ch in "._- ")[:100] or "bukti"
