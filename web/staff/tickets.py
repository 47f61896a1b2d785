"""OPD queues and the ticket page with its actions. Every action goes through ActOnTicket, which
checks the ticket is within the user's reach before the lifecycle checks the rest."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from states.errors import DomainError
from tanggap import commands as c
from tanggap.infrastructure.storage import content_type, prepare_photo
from tanggap.staff import handlers as staff
from tanggap.staff.queries import queue as queue_views
from tanggap.staff.queries import ticket as ticket_views
from web.deps import intake, tanggap
from web.staff.common import mapped, me, refused, run, signed_in

bp = Blueprint("tickets", __name__)


bp.before_request(signed_in)


@bp.get("/queue")
@mapped
def queue() -> ResponseReturnValue:
    args = request.args
    f = queue_views.QueueFilter(
        state=args.get("state", "assigned") or None, category=args.get("category") or None,
        officer=args.get("officer") or None, opd=args.get("opd") or None,
        page=int(args["page"]) if args.get("page", "").isdigit() else 1,
    )
    app = tanggap()
    view = queue_views.queue(app.reader(), me(), f, app.clock.now())
    return render_template("staff/queue.html", q=view, now=app.clock.now())


@bp.get("/tickets/<int:report_id>")
@mapped
def ticket(report_id: int) -> ResponseReturnValue:
    app = tanggap()
    view = ticket_views.ticket(app.reader(), me(), report_id, app.clock.now(), app.policy)
    tiles = app.settings.map if app.settings.map.tiles else None
    return render_template("staff/ticket.html", t=view, now=app.clock.now(), tiles=tiles)


def _version() -> int | None:
    raw = request.form.get("version", "")
    return int(raw) if raw.isdigit() else None


def _act(report_id: int, action: c.ReportCommand, done: str) -> ResponseReturnValue:
    back = url_for(".ticket", report_id=report_id)
    try:
        run(staff.ActOnTicket(action))
    except DomainError as err:
        return refused(err, back)
    flash(done)
    return redirect(back, 303)


def _base(report_id: int) -> tuple[int, str, str | None, int | None]:
    """What every ticket command carries: the ticket, who acts, a note, and the version seen."""
    return report_id, me().username, request.form.get("note") or None, _version()


@bp.post("/tickets/<int:report_id>/take")
def take(report_id: int) -> ResponseReturnValue:
    back = url_for(".ticket", report_id=report_id)
    try:
        run(staff.TakeTicket(report_id, me().username, _version()))
    except DomainError as err:
        return refused(err, back)
    flash(_("Laporan Anda ambil."))
    return redirect(back, 303)


@bp.post("/tickets/<int:report_id>/reassign")
def reassign(report_id: int) -> ResponseReturnValue:
    form = request.form
    cmd = c.ReassignReport(*_base(report_id), officer=form.get("officer") or None,
                           opd=form.get("opd") or None, reason=form.get("reason") or None)
    return _act(report_id, cmd, _("Penanggung jawab laporan diubah."))


@bp.post("/tickets/<int:report_id>/respond")
def respond(report_id: int) -> ResponseReturnValue:
    try:
        proof = _proof_photo(report_id, request.files.get("proof"))
    except DomainError as err:
        return refused(err, url_for(".ticket", report_id=report_id))
    cmd = c.RespondReport(*_base(report_id), response=request.form.get("response", ""),
                          proof_photo=proof)
    return _act(report_id, cmd, _("Tanggapan terkirim."))


def _proof_photo(report_id: int, upload: FileStorage | None) -> str | None:
    """Store the proof-of-fix photo once the person is known to be allowed to respond on this
    ticket: nobody else writes files to disk. Keys are content addresses, so an action refused
    later (a stale version) leaves at most an unreferenced file behind, never a wrong link."""
    if upload is None or not upload.filename:
        return None
    app = tanggap()
    ticket_views.check_may_offer(app.reader(), me().username, report_id, "respond", app.clock.now(), app.policy)
    service = intake()
    prepared = prepare_photo(upload.read(), service.rules.max_photo_bytes, service.rules.max_photo_pixels)
    return service.photos.put(prepared).public_key


@bp.post("/tickets/<int:report_id>/return")
def return_(report_id: int) -> ResponseReturnValue:
    cmd = c.ReturnReport(*_base(report_id), reason=request.form.get("reason", ""))
    return _act(report_id, cmd, _("Laporan dikembalikan: bukan wewenang."))


@bp.post("/tickets/<int:report_id>/request_info")
def request_info(report_id: int) -> ResponseReturnValue:
    cmd = c.RequestInformation(*_base(report_id), question=request.form.get("question", ""))
    return _act(report_id, cmd, _("Permintaan informasi dikirim; waktu SLA dihentikan sementara."))


@bp.post("/tickets/<int:report_id>/provide_info")
def provide_info(report_id: int) -> ResponseReturnValue:
    cmd = c.ProvideInformation(*_base(report_id), answer=request.form.get("answer", ""))
    return _act(report_id, cmd, _("Jawaban warga dicatat; waktu SLA berjalan lagi."))


@bp.post("/tickets/<int:report_id>/classify")
def classify(report_id: int) -> ResponseReturnValue:
    cmd = c.ClassifyReport(*_base(report_id), category=request.form.get("category", ""))
    return _act(report_id, cmd, _("Kategori disimpan."))


@bp.post("/tickets/<int:report_id>/assign")
def assign(report_id: int) -> ResponseReturnValue:
    form = request.form
    cmd = c.AssignReport(*_base(report_id), opd=form.get("opd") or None,
                         officer=form.get("officer") or None)
    return _act(report_id, cmd, _("Laporan diteruskan ke OPD."))


@bp.post("/tickets/<int:report_id>/reject")
def reject(report_id: int) -> ResponseReturnValue:
    form = request.form
    original = form.get("duplicate_of", "").strip().lstrip("#")
    cmd = c.RejectReport(*_base(report_id), kind=form.get("kind", ""),
                         duplicate_of=int(original) if original.isdigit() else None,
                         reason=form.get("reason") or None)
    return _act(report_id, cmd, _("Laporan ditolak."))


@bp.post("/tickets/<int:report_id>/close")
def close(report_id: int) -> ResponseReturnValue:
    return _act(report_id, c.CloseReport(*_base(report_id)), _("Laporan ditutup."))


@bp.post("/tickets/<int:report_id>/reopen")
def reopen(report_id: int) -> ResponseReturnValue:
    cmd = c.ReopenReport(*_base(report_id), reason=request.form.get("reason", ""))
    return _act(report_id, cmd, _("Laporan dibuka kembali."))


@bp.get("/tickets/<int:report_id>/photo")
@mapped
def photo(report_id: int) -> ResponseReturnValue:
    """The ticket's photo for staff who may see the ticket, also once it is redacted from public view."""
    key = ticket_views.ticket_photo(tanggap().reader(), me(), report_id)
    data = intake().photos.public(key)
    if data is None:
        abort(404)
    return Response(data, mimetype=content_type(key))


@bp.post("/tickets/<int:report_id>/redact")
def redact(report_id: int) -> ResponseReturnValue:
    """Withdraw the citizen's text or photo from the public API and pages, with a reason."""
    form = request.form
    back = url_for(".ticket", report_id=report_id)
    try:
        run(staff.RedactReport(report_id, me().username, form.get("part", ""), form.get("reason", ""), _version()))
    except DomainError as err:
        return refused(err, back)
    flash(_("Disunting: bagian ini tidak lagi tampil untuk publik."))
    return redirect(back, 303)


@bp.post("/tickets/<int:report_id>/duplicates/<int:link_id>")
def duplicate(report_id: int, link_id: int) -> ResponseReturnValue:
    confirm = request.form.get("decision") == "confirm"
    back = url_for(".ticket", report_id=report_id)
    try:
        run(staff.DecideDuplicate(me().username, link_id, confirm, _version()))
    except DomainError as err:
        return refused(err, back)
    flash(_("Duplikat dikonfirmasi.") if confirm else _("Bukan duplikat: tanda dihapus."))
    return redirect(back, 303)
