"""The citizen's form at /lapor and the status page at /lapor/<id>, in Bahasa Indonesia.

They use the same service layer as the Open311 API. The status page shows anyone the status;
confirming, disputing and rating need the secret `kunci` from the tracking link."""

from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError

from states.errors import DomainError, GuardRejected, InvalidInput, InvalidTransition, NotFound, PermissionDenied
from tanggap import intake as i
from tanggap.storage import KEY
from web.deps import intake, tanggap

bp = Blueprint("citizen", __name__, url_prefix="/lapor")

FIELD_MESSAGES = {
    "service_code": "Pilih kategori dari daftar, atau pilih \u201cTidak tahu\u201d.",
    "description": "Ceritakan masalahnya: wajib diisi bila kategori tidak dipilih, paling banyak 4.000 karakter.",
    "lat": "Lokasi dari perangkat tidak terbaca. Coba lagi, atau tulis alamatnya.",
    "long": "Lokasi dari perangkat tidak terbaca. Coba lagi, atau tulis alamatnya.",
    "lat/long": "Lokasi berada di luar wilayah Kota Kupang. Periksa lokasi Anda, atau tulis alamatnya.",
    "location": "Bagikan lokasi Anda, atau tulis alamat kejadian.",
    "address_string": "Alamat terlalu panjang (paling banyak 400 karakter).",
    "media": "Foto tidak dapat diterima. Kirim foto JPEG, PNG atau WebP yang utuh, paling besar 10 MB.",
    "phone": "Nomor telepon terlalu panjang.",
    "first_name": "Nama terlalu panjang.",
}
ACTION_MESSAGES: dict[type[DomainError], str] = {
    GuardRejected: "Tindakan ini tidak dapat dilakukan: masa sanggah sudah lewat atau data belum lengkap.",
    InvalidTransition: "Tindakan ini tidak dapat dilakukan pada status laporan saat ini.",
    PermissionDenied: "Tautan pelacakan tidak valid. Gunakan tautan yang Anda terima saat melapor.",
    NotFound: "Laporan tidak ditemukan.",
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
    services = i.list_services(tanggap().uow())
    return render_template("lapor.html", services=services, values=values, errors=errors,
                           nonce=values.get("kunci_kirim") or secrets.token_urlsafe(16))


@bp.post("")
def submit() -> ResponseReturnValue:
    form = request.form
    upload = request.files.get("foto")
    cmd = i.SubmitServiceRequest(
        service_code=form.get("kategori") or None,
        description=form.get("deskripsi", ""),
        lat=form.get("lat"),
        long=form.get("long"),
        address=form.get("alamat"),
        contact={"first_name": form.get("nama", ""), "phone": form.get("telepon", "")},
        photo=upload.read() if upload is not None and upload.filename else None,
        idempotency_key=form.get("kunci_kirim"),
        source=i.Source.WEB,
    )
    try:
        submission = intake().submit(cmd)
    except i.InvalidRequest as err:
        return _form_page(dict(form), _messages(err.problems)), 400
    return redirect(url_for(".status", report_id=submission.report_id, kunci=submission.token, baru=1), 303)


def _messages(problems: list[InvalidInput]) -> list[str]:
    found = [FIELD_MESSAGES.get(p.field, f"Isian {p.field} tidak valid.") for p in problems]
    return list(dict.fromkeys(found))


@bp.get("/cari")
def find() -> ResponseReturnValue:
    number = request.args.get("nomor", "").strip().lstrip("#")
    if not number.isdigit():
        flash("Tulis nomor laporan, misalnya 1234.")
        return redirect(url_for(".form"), 303)
    return redirect(url_for(".status", report_id=int(number)), 303)


@bp.get("/<int:report_id>")
def status(report_id: int) -> tuple[str, int] | str:
    app = tanggap()
    try:
        view = i.citizen_status(app.uow(), report_id, request.args.get("kunci"), app.clock.now(), app.policy)
    except NotFound:
        return render_template("tidak_ditemukan.html", report_id=report_id), 404
    proof = view.proof_photo if view.proof_photo and KEY.match(view.proof_photo) else None
    return render_template("status.html", view=view, report_id=report_id, kunci=request.args.get("kunci", ""),
                           proof=proof, labels=i.STATE_LABELS, new=request.args.get("baru") == "1")


@bp.post("/<int:report_id>/konfirmasi")
def confirm(report_id: int) -> ResponseReturnValue:
    return _act(report_id, i.ConfirmFix(report_id, _key()), "Terima kasih, laporan ditutup sebagai selesai.")


@bp.post("/<int:report_id>/sanggah")
def dispute(report_id: int) -> ResponseReturnValue:
    reason = request.form.get("alasan", "").strip()
    if not reason:
        flash("Tuliskan alasan sanggahan Anda.")
        return _back(report_id)
    cmd = i.DisputeFix(report_id, _key(), reason=reason)
    return _act(report_id, cmd, "Sanggahan diterima; laporan dibuka kembali dan diteruskan ke OPD.")


@bp.post("/<int:report_id>/nilai")
def rate(report_id: int) -> ResponseReturnValue:
    stars = request.form.get("bintang", "")
    cmd = i.RateResponse(report_id, _key(), stars=int(stars) if stars.isdigit() else 0,
                         comment=request.form.get("komentar", ""))
    return _act(report_id, cmd, "Terima kasih atas penilaian Anda.")


def _key() -> str:
    return request.form.get("kunci", "")


def _act(report_id: int, cmd: i.CitizenCommand, done: str) -> ResponseReturnValue:
    try:
        intake().handle(cmd)
        flash(done)
    except InvalidInput as err:
        flash("Pilih 1 sampai 5 bintang." if err.field == "stars" else f"Isian {err.field} tidak valid.")
    except DomainError as err:
        flash(next((m for kind, m in ACTION_MESSAGES.items() if isinstance(err, kind)), "Tindakan gagal."))
    return _back(report_id)


def _back(report_id: int) -> ResponseReturnValue:
    return redirect(url_for(".status", report_id=report_id, kunci=_key() or None), 303)


@bp.errorhandler(CSRFError)
def expired_form(err: CSRFError) -> tuple[str, int]:
    return render_template("kedaluwarsa.html"), 400
