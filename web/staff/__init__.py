"""The staff web UI: blueprints per audience, sign-in, translations and security headers."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, Response, current_app, render_template, request, session
from flask.typing import ResponseReturnValue
from flask_babel import Babel, LazyString, lazy_gettext
from flask_login import LoginManager
from werkzeug.exceptions import HTTPException

from cv.location import PhotoFlag
from cv.quality import QualityFlag
from sla.clocks import ClockState, Outcome
from sla.rules import Metric
from states.errors import NotFound, PermissionDenied
from tanggap import display
from tanggap.config import MapSettings
from tanggap.staff.queries import common as common_views
from web.deps import TANGGAP, tanggap
from web.staff import appeals, auth, common, dashboard, hr, supervisor, tickets, triage
from web.staff.common import LoggedIn

SOURCE = Path(__file__).resolve().parents[1] / "translations"
CSP = ("default-src 'self'; img-src {images}; script-src 'self'; "
       "style-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


# How pages show times, durations, figures and names (web.staff.common), as Jinja filters.
FILTERS = ("wita", "duration", "work_hours", "countdown_text", "figure", "percent", "calendar_words", "rule_target",
           "category_name", "opd_name", "role_label", "system_note", "rule_version", "day_text", "config_value",
           "weekday", "month_text", "actor", "amount")


def content_security_policy(maps: MapSettings) -> str:
    """Images from this site only, plus the map's tile host when map tiles are configured."""
    return CSP.format(images="'self' data: blob:" + (f" {maps.tile_source}" if maps.tiles else ""))


def init_app(app: Flask) -> None:
    app.config["STAFF_CSP"] = content_security_policy(app.extensions[TANGGAP].settings.map)
    _login(app)
    _babel(app)
    app.after_request(security_headers)
    app.before_request(auth.idle_timeout)
    for name in FILTERS:
        app.jinja_env.filters[name] = getattr(common, name)
    app.jinja_env.globals["page_lang"] = common.page_lang
    app.context_processor(lambda: {"duration_words": display.duration_vocabulary(common.page_lang())})
    app.jinja_env.filters["state_label"] = state_label
    app.jinja_env.filters["sla_label"] = sla_label
    app.jinja_env.filters["flag_label"] = flag_label
    for name, table in (("event_label", event_label), ("priority_label", priority_label),
                        ("duplicate_label", duplicate_label), ("unit_label", unit_label)):
        app.jinja_env.filters[name] = table
    for label, words in (("objection_reason", appeals.REASON_LABELS), ("standing_label", appeals.STANDING_LABELS),
                         ("outcome_label", appeals.OUTCOME_LABELS)):
        app.jinja_env.filters[label] = _labels(words)
    app.jinja_env.globals["objection_reasons"] = list(appeals.REASON_LABELS)
    for blueprint in (auth.bp, tickets.bp, triage.bp, supervisor.bp, hr.bp, dashboard.bp, hr.api, appeals.bp):
        app.register_blueprint(blueprint)


STATE_LABELS = {
    "submitted": lazy_gettext("Baru"),
    "classified": lazy_gettext("Terklasifikasi"),
    "assigned": lazy_gettext("Ditugaskan"),
    "responded": lazy_gettext("Ditanggapi"),
    "closed": lazy_gettext("Selesai"),
    "rejected": lazy_gettext("Ditolak"),
}


def _labels(table: Mapping[str, LazyString]) -> Callable[[str], str]:
    """A Jinja filter: a machine value as staff read it, in the page's language (unknown values as they are)."""
    return lambda value: str(table.get(value, value))


# The SLA's machine values as staff read them. Exports and the payroll API keep the values.
SLA_LABELS: dict[str, LazyString] = {
    **{metric: lazy_gettext(display.METRIC_NAMES[metric]) for metric in Metric},
    ClockState.RUNNING: lazy_gettext("berjalan"),
    ClockState.PAUSED: lazy_gettext("dijeda"),
    ClockState.STOPPED: lazy_gettext("berhenti"),
    Outcome.FULFILLED: lazy_gettext("terpenuhi"),
    Outcome.TRANSFERRED: lazy_gettext("dialihkan ke OPD lain"),
    Outcome.RETURNED: lazy_gettext("dikembalikan, bukan wewenang"),
    Outcome.REJECTED: lazy_gettext("laporan ditolak"),
}


FLAG_LABELS: dict[str, LazyString] = {
    QualityFlag.BLURRY: lazy_gettext("foto buram"),
    QualityFlag.TOO_DARK: lazy_gettext("foto terlalu gelap"),
    QualityFlag.OVEREXPOSED: lazy_gettext("foto terlalu terang"),
    PhotoFlag.LOCATION_MISMATCH: lazy_gettext("lokasi foto tidak cocok"),
    PhotoFlag.OLD_PHOTO: lazy_gettext("foto lama"),
    "unreadable_photo": lazy_gettext("foto tidak terbaca"),
    "possible_duplicate": lazy_gettext("kemungkinan duplikat"),
    "tagger_unsure": lazy_gettext("mesin ragu"),
    "category_disputed": lazy_gettext("kategori diragukan"),
}


# What happened to a report, as its timeline reads; a reassignment is told apart by its step.
EVENT_LABELS: dict[str, LazyString] = {
    "submit": lazy_gettext("Laporan masuk"),
    "classify": lazy_gettext("Diklasifikasikan"),
    "assign": lazy_gettext("Diteruskan ke OPD"),
    "take": lazy_gettext("Diambil petugas"),
    "hand_over": lazy_gettext("Diserahkan ke petugas lain"),
    "transfer": lazy_gettext("Dialihkan ke OPD lain"),
    "reassign": lazy_gettext("Dialihkan"),
    "return": lazy_gettext("Dikembalikan: bukan wewenang"),
    "respond": lazy_gettext("Ditanggapi"),
    "close": lazy_gettext("Ditutup"),
    "reject": lazy_gettext("Ditolak"),
    "reopen": lazy_gettext("Dibuka kembali"),
    "request_info": lazy_gettext("Informasi diminta dari warga"),
    "provide_info": lazy_gettext("Jawaban warga dicatat"),
    "redact": lazy_gettext("Disunting dari tampilan publik"),
}


PRIORITY_LABELS: dict[str, LazyString] = {"normal": lazy_gettext("biasa"), "urgent": lazy_gettext("mendesak")}
DUPLICATE_LABELS: dict[str, LazyString] = {
    "pending": lazy_gettext("menunggu keputusan"),
    "confirmed": lazy_gettext("dikonfirmasi duplikat"),
    "dismissed": lazy_gettext("bukan duplikat"),
}
TARGET_UNIT_LABELS: dict[str, LazyString] = {
    "working_hours": lazy_gettext("jam kerja"),
    "working_days": lazy_gettext("hari kerja"),
}

state_label = _labels(STATE_LABELS)  # lifecycle states
event_label = _labels(EVENT_LABELS)  # timeline steps
priority_label = _labels(PRIORITY_LABELS)
duplicate_label = _labels(DUPLICATE_LABELS)  # a possible duplicate's status
unit_label = _labels(TARGET_UNIT_LABELS)  # an SLA rule's target unit
sla_label = _labels(SLA_LABELS)  # SLA metrics, clock states and clock outcomes
flag_label = _labels(FLAG_LABELS)  # photo-quality, location and triage flags


ERROR_PAGES: dict[int, tuple[LazyString, LazyString]] = {
    403: (lazy_gettext("Halaman ini bukan untuk peran Anda"),
          lazy_gettext("Halaman atau laporan ini hanya dapat dibuka petugas lain. Kembali ke halaman Anda.")),
    404: (lazy_gettext("Halaman tidak ditemukan"),
          lazy_gettext("Alamat ini tidak ada, atau laporan yang dicari tidak ada.")),
    405: (lazy_gettext("Halaman tidak dapat dibuka dengan cara ini"),
          lazy_gettext("Buka halaman ini dari menu, jangan dari tautan lama.")),
    413: (lazy_gettext("Berkas terlalu besar"), lazy_gettext("Kirim foto yang lebih kecil, paling besar 10 MB.")),
    429: (lazy_gettext("Terlalu banyak permintaan"), lazy_gettext("Tunggu sebentar, lalu coba lagi.")),
    500: (lazy_gettext("Terjadi kesalahan di server"),
          lazy_gettext("Tidak ada yang diubah. Coba lagi; bila terulang, hubungi admin.")),
}


def error_page(err: HTTPException) -> ResponseReturnValue:
    """A staff error in the staff layout, in the page's language, with a way back."""
    code = err.code or 500
    title, advice = ERROR_PAGES.get(code, ERROR_PAGES[500])
    page = render_template("staff/galat.html", code=code, title=title, advice=advice)
    response = current_app.make_response((page, code))
    for header in ("Retry-After", "Allow"):
        if header in err.get_response().headers:
            response.headers[header] = err.get_response().headers[header]
    return response


def _login(app: Flask) -> None:
    manager = LoginManager(app)
    manager.login_view = "auth.login_form"
    manager.login_message = lazy_gettext("Silakan masuk terlebih dahulu.")
    manager.session_protection = "strong"
    manager.user_loader(_load_user)


def _load_user(username: str) -> LoggedIn | None:
    try:
        user = common_views.user(tanggap().reader(), username)
    except (NotFound, PermissionDenied):
        return None
    if not auth.still_valid(user):
        session.clear()  # an old generation or past the absolute limit: sign in again
        return None
    return LoggedIn(user)


def _babel(app: Flask) -> None:
    """Bahasa Indonesia is the source language; the English catalogue is compiled at start."""
    target = app.extensions[TANGGAP].settings.data_dir / "translations"
    compile_catalogues(SOURCE, target)
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "id")
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(target)
    Babel(app, locale_selector=_locale)


def compile_catalogues(source: Path, target: Path) -> None:
    for po in source.glob("*/LC_MESSAGES/messages.po"):
        mo = target / po.relative_to(source).with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        mo.parent.mkdir(parents=True, exist_ok=True)
        with po.open("rb") as src:
            catalogue = read_po(src)
        with mo.open("wb") as out:
            write_mo(out, catalogue)


def _locale() -> str:
    return str(session.get("lang", "id"))


def security_headers(response: Response) -> Response:
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if response.mimetype == "text/html":
        response.headers.setdefault("Content-Security-Policy", current_app.config["STAFF_CSP"])
    if request.blueprint in {"auth", "tickets", "triage", "supervisor", "hr", "dashboard", "payroll", "appeals"}:
        response.headers["Cache-Control"] = "no-store"
    return response
