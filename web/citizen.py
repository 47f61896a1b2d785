"""The citizen's form at /lapor and the status page at /lapor/<id>, in Bahasa Indonesia by default
and in English with the switch.

They use the same service layer as the Open311 API. The status page shows anyone the status;
confirming, disputing and rating need the secret `kunci` from the tracking link. The secret never
travels in a URL the server sees: the link carries it in the fragment (`/lapor/12#kunci=...`),
which browsers do not send, and the page's script posts it in a form body; so it reaches no
access log, proxy log or Referer."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, flash, make_response, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import LazyString, lazy_gettext
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from states.errors import DomainError, GuardRejected, InvalidInput, InvalidTransition, NotFound, PermissionDenied
from tanggap import intake as i
from tanggap.infrastructure.storage import KEY, prepare_photo
from web.deps import intake, tanggap
from web.open311 import public_url_for

bp = Blueprint("citizen", __name__, url_prefix="/lapor")

DONT_KNOW = "tidak-tahu"  # the citizen's explicit "I don't know the category"
KEY_FIELD = "kunci"  # the citizen's secret, in a form body or a link's fragment, never in a query string
PAGE_TOKEN = "lapor_token"  # issued with the form, kept in the session: the form's idempotency key derives from it
KEPT_PHOTO = "lapor_foto"  # the original key of a photo sent with a refused form, and its file name
FIELD_MESSAGES: dict[str, LazyString] = {
    "service_code": lazy_gettext("Pilih kategori dari daftar, atau pilih “Tidak tahu”."),
    "description": lazy_gettext("Ceritakan masalahnya: wajib bila kategori tidak diketahui, paling banyak 4.000 karakter."),  # noqa: E501
    "lat": lazy_gettext("Lokasi dari perangkat tidak terbaca. Coba lagi, atau tulis alamatnya."),
    "long": lazy_gettext("Lokasi dari perangkat tidak terbaca. Coba lagi, atau tulis alamatnya."),
    "lat/long": lazy_gettext("Lokasi GPS di luar wilayah Kota Kupang. Tekan “Hapus lokasi GPS”, lalu tulis alamatnya."),
    "location": lazy_gettext("Bagikan lokasi Anda, atau tulis alamat kejadian."),
    "address_string": lazy_gettext("Alamat terlalu panjang (paling banyak 400 karakter)."),
    "media": lazy_gettext("Foto tidak dapat diterima. Kirim foto JPEG, PNG atau WebP yang utuh, paling besar 10 MB."),
    "phone": lazy_gettext("Nomor telepon terlalu panjang."),
    "first_name": lazy_gettext("Nama terlalu panjang."),
}
ACTION_MESSAGES: dict[type[DomainError], LazyString] = {
    GuardRejected: lazy_gettext("Tindakan ini tidak dapat dilakukan: masa sanggah sudah lewat atau data belum lengkap."),  # noqa: E501
    InvalidTransition: lazy_gettext("Tindakan ini tidak dapat dilakukan pada status laporan saat ini."),
    PermissionDenied: lazy_gettext("Tautan pelacakan tidak valid. Gunakan tautan yang Anda terima saat melapor."),
    NotFound: lazy_gettext("Laporan tidak ditemukan."),
}
CITIZEN_ERRORS: dict[int, LazyString] = {
    404: lazy_gettext("Halaman tidak ditemukan. Periksa alamatnya, atau buat laporan dari formulir."),
    405: lazy_gettext("Halaman ini tidak dapat dibuka dengan cara ini. Buka formulir laporan dari awal."),
    413: lazy_gettext("Foto terlalu besar. Kirim foto paling besar 10 MB."),
    429: lazy_gettext("Terlalu banyak laporan dari perangkat ini. Tunggu sebentar, lalu coba lagi."),
    500: lazy_gettext("Terjadi kesalahan di server; laporan Anda belum tersimpan. Coba lagi sebentar lagi."),
}


@bp.after_request
def security_headers(response: Response) -> Response:
    # The tracking link carries the citizen's secret: never send it on in a Referer.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data: blob:; script-src 'self'; style-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
    return response


@bp.get("")
def form() -> str:
    return _form_page({}, [])


def _form_page(values: dict[str, Any], errors: list[str]) -> str:
    services = i.list_services(tanggap().reader())
    return render_template("lapor.html", services=services, values=values, errors=errors, nonce=_page_token(),
                           kept_photo=session.get(KEPT_PHOTO, {}).get("name"))


def _page_token() -> str:
    """One token per browser session, rendered into every copy of the form: a page the back
    button brings back, or the browser refills, sends the same token as the first one did."""
    if PAGE_TOKEN not in session:
        session[PAGE_TOKEN] = secrets.token_urlsafe(16)
    return str(session[PAGE_TOKEN])


@bp.post("")
def submit() -> ResponseReturnValue:
    form = request.form
    upload = request.files.get("foto")
    photo = upload.read() if upload is not None and upload.filename else None
    name = upload.filename if upload else None
    if form.get("hapus_lokasi"):  # "Hapus lokasi GPS" on a browser without the page's script
        _keep_photo(photo, name, [])
        return _form_page({k: v for k, v in form.items() if k not in ("lat", "long")}, [])
    kategori = form.get("kategori", "")
    cmd = i.SubmitServiceRequest(
        service_code=None if kategori in ("", DONT_KNOW) else kategori,
        description=form.get("deskripsi", ""),
        lat=form.get("lat") or None,
        long=form.get("long") or None,
        address=form.get("alamat"),
        contact={"first_name": form.get("nama", ""), "phone": form.get("telepon", "")},
        photo=photo or _kept_photo(),
        idempotency_key=_submission_key(form),
        source=i.Source.WEB,
    )
    try:
        if not kategori:  # a choice is required, "Tidak tahu" included: no report falls into a category unseen
            raise i.InvalidRequest([InvalidInput("service_code", "choose a category"), *intake().problems(cmd)])
        submission = intake().submit(cmd)
    except i.InvalidRequest as err:
        _keep_photo(photo, name, err.problems)
        return _form_page(dict(form), _messages(err.problems)), 400
    session.pop(KEPT_PHOTO, None)
    return redirect(_secret_link(submission.report_id, submission.token, new=True), 303)


def _secret_link(report_id: int, key: str | None, new: bool = False) -> str:
    """The status page, the secret in the fragment; a replayed form gets the page without one."""
    page = url_for(".status", report_id=report_id, baru=1 if new else None)
    return f"{page}#{urlencode({KEY_FIELD: key})}" if key else page


def _submission_key(form: MultiDict[str, str]) -> str:
    """The idempotency key: the session's page token and what was typed. Sent again after the back
    button, the same report comes back; a different report from the same phone gets its own key."""
    # No token at all (a form posted from elsewhere): a key of its own, so that nothing is merged.
    token = session.get(PAGE_TOKEN) or form.get("kunci_kirim") or secrets.token_urlsafe(16)
    typed = [form.get(name, "").strip() for name in ("kategori", "deskripsi", "lat", "long", "alamat", "nama",
                                                     "telepon")]
    return "lapor-" + hashlib.sha256("\x1f".join([token, *typed]).encode()).hexdigest()[:48]


def _kept_photo() -> bytes | None:
    kept = session.get(KEPT_PHOTO)
    return intake().photos.original(kept["key"]) if kept else None


def _keep_photo(photo: bytes | None, name: str | None, problems: list[InvalidInput]) -> bool:
    """A photo sent with a form refused for another reason is stored, so that the citizen need not
    choose it again. False when the photo itself is unusable: it is dropped and the page says so.
    Keys are content addresses: a form never sent again leaves an unreferenced file, never a wrong link."""
    if photo is None:
        return True
    session.pop(KEPT_PHOTO, None)
    if any(p.field == "media" for p in problems):
        return False
    service = intake()
    try:
        prepared = prepare_photo(photo, service.rules.max_photo_bytes, service.rules.max_photo_pixels)
    except InvalidInput:
        return False
    session[KEPT_PHOTO] = {"key": service.photos.put(prepared).original_key, "name": name or "foto"}
    return True


def _messages(problems: list[InvalidInput]) -> list[str]:
    found = [str(FIELD_MESSAGES[p.field]) if p.field in FIELD_MESSAGES
             else _("Isian %(field)s tidak valid.", field=p.field) for p in problems]
    return list(dict.fromkeys(found))


@bp.get("/cari")
def find() -> ResponseReturnValue:
    number = request.args.get("nomor", "").strip().lstrip("#")
    if not number.isdigit():
        flash(_("Tulis nomor laporan, misalnya 1234."))
        return redirect(url_for(".form"), 303)
    return redirect(url_for(".status", report_id=int(number)), 303)


@bp.get("/<int:report_id>")
def status(report_id: int) -> ResponseReturnValue:
    """The public status. A link of the old kind, the secret in the query string, is moved into
    the fragment at once, so that the address bar and history stop carrying it there."""
    if request.args.get(KEY_FIELD):
        return redirect(_secret_link(report_id, request.args[KEY_FIELD]), 303)
    return _status_page(report_id, None)


@bp.post("/<int:report_id>")
def unlock(report_id: int) -> ResponseReturnValue:
    """The status page for whoever holds the secret, sent in the form body."""
    return _status_page(report_id, _key() or None)


def _secret_link_to_keep(report_id: int, key: str) -> str:
    return public_url_for(".status", report_id=report_id) + f"#{urlencode({KEY_FIELD: key})}"


def _status_page(report_id: int, key: str | None) -> ResponseReturnValue:
    app = tanggap()
    try:
        view = i.citizen_status(app.reader(), report_id, key, app.clock.now(), app.policy)
    except NotFound:
        return render_template("tidak_ditemukan.html", report_id=report_id), 404
    proof = view.proof_photo if view.proof_photo and KEY.match(view.proof_photo) else None
    link = _secret_link_to_keep(report_id, key) if view.authorised and key else None
    page = render_template("status.html", view=view, report_id=report_id, kunci=key if view.authorised else "",
                           proof=proof, new=request.values.get("baru") == "1", state_names=i.STATE_LABELS,
                           close_names=i.CLOSE_LABELS, secret_link=link, wrong_key=bool(key) and not view.authorised)
    response = make_response(page)
    response.headers["Cache-Control"] = "no-store"  # a page that may carry the secret is never cached
    return response


@bp.post("/<int:report_id>/konfirmasi")
def confirm(report_id: int) -> ResponseReturnValue:
    return _act(report_id, i.ConfirmFix(report_id, _key()), _("Terima kasih, laporan ditutup sebagai selesai."))


@bp.post("/<int:report_id>/sanggah")
def dispute(report_id: int) -> ResponseReturnValue:
    reason = request.form.get("alasan", "").strip()
    if not reason:
        flash(_("Tuliskan alasan sanggahan Anda."))
        return _back(report_id)
    cmd = i.DisputeFix(report_id, _key(), reason=reason)
    return _act(report_id, cmd, _("Sanggahan diterima; laporan dibuka kembali dan diteruskan ke OPD."))


@bp.post("/<int:report_id>/nilai")
def rate(report_id: int) -> ResponseReturnValue:
    stars = request.form.get("bintang", "")
    cmd = i.RateResponse(report_id, _key(), stars=int(stars) if stars.isdigit() else 0,
                         comment=request.form.get("komentar", ""))
    return _act(report_id, cmd, _("Terima kasih atas penilaian Anda."))


def _key() -> str:
    return request.form.get(KEY_FIELD, "")


def _act(report_id: int, cmd: i.CitizenCommand, done: str) -> ResponseReturnValue:
    try:
        tanggap().handle(cmd)
        flash(done)
    except InvalidInput as err:
        flash(_("Pilih 1 sampai 5 bintang.") if err.field == "stars" else _("Isian %(field)s tidak valid.",
                                                                             field=err.field))
    except DomainError as err:
        flash(next((str(m) for kind, m in ACTION_MESSAGES.items() if isinstance(err, kind)), _("Tindakan gagal.")))
    return _back(report_id)


def _back(report_id: int) -> ResponseReturnValue:
    """The status page again, answered to the POST itself: a redirect would have to carry the
    secret in its Location, or lose it."""
    return _status_page(report_id, _key() or None)


def error_page(err: HTTPException) -> ResponseReturnValue:
    """An error on the citizen's pages, in their layout and words, with the way back to the form."""
    code = err.code or 500
    message = CITIZEN_ERRORS.get(code, CITIZEN_ERRORS[500])
    response = make_response(render_template("galat.html", message=message, code=code), code)
    if "Retry-After" in err.get_response().headers:
        response.headers["Retry-After"] = err.get_response().headers["Retry-After"]
    return response


@bp.errorhandler(CSRFError)
def expired_form(err: CSRFError) -> tuple[str, int]:
    return render_template("kedaluwarsa.html"), 400
