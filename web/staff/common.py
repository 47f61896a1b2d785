"""What every staff blueprint shares: the signed-in user, role checks and mapping domain errors."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from flask import abort, current_app, flash, g, redirect, render_template
from flask.typing import ResponseReturnValue
from flask_babel import LazyString, get_locale, lazy_gettext
from flask_babel import gettext as _
from flask_login import UserMixin, current_user
from markupsafe import Markup

from states import lifecycle as lc
from states.errors import (
    ConcurrencyConflict,
    DomainError,
    GuardRejected,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PermissionDenied,
)
from states.model import Role
from tanggap import commands as c
from tanggap import display
from tanggap.access import StaffUser
from tanggap.staff.queries import common as common_views
from web.deps import tanggap

log = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")
PERMISSION_PROBLEMS = frozenset(lc.GUARD_PROBLEMS[g] for g in (
    lc.has_permitted_role, lc.is_holding_opd, lc.is_holding_opd_or_dispatch))


class LoggedIn(UserMixin):  # type: ignore[misc]
    def __init__(self, staff: StaffUser) -> None:
        self.staff = staff

    def get_id(self) -> str:
        return self.staff.username


def me() -> StaffUser:
    staff: StaffUser = current_user.staff
    return staff


def roles_only(*roles: Role) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """A page only these roles may open; the read model and service check again."""

    def decorate(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            if me().role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorate


def mapped(view: Callable[P, ResponseReturnValue]) -> Callable[P, ResponseReturnValue]:
    """NotFound is a 404 and PermissionDenied a 403, wherever they come from."""

    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> ResponseReturnValue:
        try:
            return view(*args, **kwargs)
        except NotFound:
            abort(404)
        except PermissionDenied:
            abort(403)

    return wrapper


def run(cmd: c.Command) -> Any:
    return tanggap().handle(cmd)


def done(cmd: c.Command, message: str, back: str) -> ResponseReturnValue:
    """Run a form's command, then back to `back` with `message`, or explain the refusal."""
    try:
        run(cmd)
    except DomainError as err:
        return refused(err, back)
    flash(message)
    return redirect(back, 303)


def refused(err: DomainError, back: str) -> ResponseReturnValue:
    """A page explaining why an action did not happen, in the page's language; nothing was changed.
    The technical wording (English) goes to the log, not to the person."""
    if isinstance(err, NotFound):
        abort(404)
    if isinstance(err, PermissionDenied) or (
        isinstance(err, GuardRejected) and PERMISSION_PROBLEMS & set(err.problems)
    ):
        abort(403)
    log.info("refused: %s", err)
    status, message = _explained(err)
    return render_template("staff/pesan.html", message=message, details=_details(err), back=back), status


def _explained(err: DomainError) -> tuple[int, str]:
    if isinstance(err, ConcurrencyConflict):
        return 409, _("Orang lain sudah lebih dulu mengubah laporan ini. Muat ulang halaman, lalu coba lagi.")
    if isinstance(err, InvalidTransition):
        return 409, _("Tindakan ini tidak dapat dilakukan pada status laporan saat ini.")
    if isinstance(err, GuardRejected | InvalidInput):
        return 422, _("Data belum lengkap atau tidak valid.")
    return 400, _("Tindakan gagal.")


# What a form's field is called on the page, for a refusal that names it.
FIELD_LABELS: dict[str, LazyString] = {
    "name": lazy_gettext("Nama"),
    "reason": lazy_gettext("Alasan"),
    "response": lazy_gettext("Tanggapan"),
    "category": lazy_gettext("Kategori"),
    "officer": lazy_gettext("Petugas"),
    "opd": lazy_gettext("OPD"),
    "kind": lazy_gettext("Alasan penolakan"),
    "target_amount": lazy_gettext("Target"),
    "target": lazy_gettext("Target"),
    "rule_id": lazy_gettext("Aturan yang diubah"),
    "effective_from": lazy_gettext("Berlaku mulai"),
    "metric/target_unit": lazy_gettext("Ukuran dan satuan"),
    "month": lazy_gettext("Bulan"),
    "question": lazy_gettext("Pertanyaan untuk warga"),
    "answer": lazy_gettext("Jawaban warga"),
    "token": lazy_gettext("Token"),
    "key": lazy_gettext("Kunci API"),
    "part": lazy_gettext("Bagian"),
    "metric": lazy_gettext("Ukuran"),
}
# Refusals worth their own sentence: (field, the start of the problem as the domain words it).
FIELD_PROBLEMS: tuple[tuple[str, str, LazyString], ...] = (
    ("duplicate_of", "", lazy_gettext("Laporan asli dengan nomor itu tidak ada. Periksa nomor laporannya.")),
    ("name", "use 1-80", lazy_gettext("Nama boleh berisi huruf, angka, spasi, titik (.), garis bawah (_) dan tanda hubung (-), diawali huruf atau angka, paling banyak 80 karakter.")),  # noqa: E501
    ("name", "", lazy_gettext("Nama itu kosong atau sudah dipakai: pilih nama lain, atau cabut yang lama dulu.")),
    ("token", "", lazy_gettext("Token ini sudah dicabut.")),
    ("key", "", lazy_gettext("Kunci ini sudah dicabut.")),
)
GUARD_WORDS: dict[str, LazyString] = {
    lc.GUARD_PROBLEMS[lc.has_category]: lazy_gettext("Pilih kategori."),
    lc.GUARD_PROBLEMS[lc.has_opd]: lazy_gettext("Pilih OPD."),
    lc.GUARD_PROBLEMS[lc.has_reason]: lazy_gettext("Tuliskan alasannya."),
    lc.GUARD_PROBLEMS[lc.has_new_holder]: lazy_gettext("Petugas baru sama dengan pemegang sekarang."),
    lc.GUARD_PROBLEMS[lc.has_reason_for_opd_change]: lazy_gettext("Pindah ke OPD lain perlu alasan."),
    lc.GUARD_PROBLEMS[lc.has_response_text]: lazy_gettext("Tuliskan tanggapannya."),
    lc.GUARD_PROBLEMS[lc.has_reject_reason]: lazy_gettext("Pilih alasan penolakan; untuk duplikat, isi nomor laporan aslinya."),  # noqa: E501
    lc.GUARD_PROBLEMS[lc.is_within_reopen_window]: lazy_gettext("Masa untuk membuka kembali sudah lewat."),
    lc.GUARD_PROBLEMS[lc.has_question]: lazy_gettext("Tuliskan pertanyaan untuk warga."),
    lc.GUARD_PROBLEMS[lc.has_answer]: lazy_gettext("Tuliskan jawaban warga."),
    lc.GUARD_PROBLEMS[lc.is_awaiting_info]: lazy_gettext("Tidak ada informasi yang sedang diminta."),
    lc.GUARD_PROBLEMS[lc.is_not_awaiting_info]: lazy_gettext("Informasi sudah diminta dan masih ditunggu."),
}


CALENDAR_FIELDS: dict[str, LazyString] = {
    "hours": lazy_gettext("Jam kerja"),
    "extra_holidays": lazy_gettext("Libur tambahan"),
    "extra_working_days": lazy_gettext("Hari kerja pengganti"),
    "holidays": lazy_gettext("Hari libur nasional"),
    "holidays.country": lazy_gettext("Negara hari libur"),
    "holidays.categories": lazy_gettext("Jenis libur"),
    "timezone": lazy_gettext("Zona waktu"),
}
# The calendar's problems (sla/calendar.py words them in English), as the supervisor reads them.
CALENDAR_PROBLEMS: tuple[tuple[re.Pattern[str], LazyString], ...] = (
    (re.compile(r"windows overlap"), lazy_gettext("jam kerjanya tumpang tindih")),
    (re.compile(r"a make-up day needs at least one window"),
     lazy_gettext("hari kerja pengganti perlu jam kerja, mis. 08:00-12:00")),
    (re.compile(r"bad date '(?P<v>[^']*)'"),
     lazy_gettext("tanggal “%(v)s” tidak valid; tulis TTTT-BB-HH, mis. 2026-12-24")),
    (re.compile(r"bad window '(?P<v>[^']*)'"),
     lazy_gettext("jam “%(v)s” tidak valid; tulis JJ:MM-JJ:MM, mis. 08:00-12:00")),
    (re.compile(r"window '(?P<v>[^']*)' ends at or before"), lazy_gettext("jam “%(v)s” berakhir sebelum mulai")),
    (re.compile(r"bad time (?P<v>\S+)"), lazy_gettext("jam %(v)s tidak ada")),
    (re.compile(r"(?P<v>\S+) is also an extra holiday"),
     lazy_gettext("%(v)s tercatat juga sebagai libur tambahan: pilih salah satu")),
    (re.compile(r"unknown country '(?P<v>[^']*)'"), lazy_gettext("kode negara “%(v)s” tidak dikenal")),
    (re.compile(r"no working windows"),
     lazy_gettext("tidak ada jam kerja sama sekali: batas waktu tidak akan pernah jatuh")),
)


def calendar_problem(field: str, problem: str) -> str:
    """'extra_working_days.2026-10-24', 'windows overlap' as 'Hari kerja pengganti Sabtu, 24-10-2026:
    jam kerjanya tumpang tindih'."""
    where, _dot, item = field.partition(".")
    label = str(CALENDAR_FIELDS.get(field) or CALENDAR_FIELDS.get(where) or field)
    if item and where == "hours" and item in display.DAYS:
        label = f"{label} {weekday(item)}"
    elif item and re.fullmatch(r"\d{4}-\d{2}-\d{2}", item):
        label = f"{label} {day_text(item, with_day=True)}"
    for pattern, words in CALENDAR_PROBLEMS:
        found = pattern.search(problem)
        if found:
            return f"{label}: {words % found.groupdict()}"
    return str(_("Periksa isian “%(field)s”.", field=label))


def _details(err: DomainError) -> list[str]:
    """What exactly was wrong, each problem in a sentence of the page's language."""
    if isinstance(err, GuardRejected):
        return [str(GUARD_WORDS[p]) for p in err.problems if p in GUARD_WORDS]
    if isinstance(err, InvalidInput) and err.field.startswith("calendar."):
        return [calendar_problem(err.field.removeprefix("calendar."), err.problem)]
    if isinstance(err, InvalidInput):
        specific = next((str(words) for field, start, words in FIELD_PROBLEMS
                         if err.field == field and err.problem.startswith(start)), None)
        label = FIELD_LABELS.get(err.field.removeprefix("calendar."))
        return [specific or _("Periksa isian “%(field)s”.", field=label or err.field)]
    return []


def _names() -> tuple[dict[str, str], dict[str, str]]:
    """Category and OPD names, read once per request."""
    if "names" not in g:
        g.names = common_views.names(tanggap().reader())
    found: tuple[dict[str, str], dict[str, str]] = g.names
    return found


def category_name(code: str | None) -> str:
    """A category as people call it; a code no longer known shows as it is."""
    return _names()[0].get(code, code) if code else "-"


def opd_name(code: str | None) -> str:
    return _names()[1].get(code, code) if code else "-"


ROLE_LABELS = {
    Role.OPD_OFFICER: lazy_gettext("petugas OPD"),
    Role.OPD_HEAD: lazy_gettext("kepala OPD"),
    Role.DISPATCHER: lazy_gettext("petugas Command Center"),
    Role.SUPERVISOR: lazy_gettext("supervisor SLA"),
    Role.HR: lazy_gettext("bagian kepegawaian"),
    Role.ADMIN: lazy_gettext("admin"),
    Role.CITIZEN: lazy_gettext("warga"),
    Role.SYSTEM: lazy_gettext("sistem"),
    Role.TAGGER: lazy_gettext("penanda foto otomatis"),
}


def actor(event: dict[str, Any]) -> Markup:
    """Who did it: a person by username and role; the citizen, the system and the tagger by role."""
    role = role_label(event["role"])
    if event["role"] in (Role.CITIZEN, Role.SYSTEM, Role.TAGGER):
        return Markup.escape(role)
    return Markup('<span translate="no">{}</span> ({})').format(event["actor"], role)


def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))  # type: ignore[call-overload]


# Notes the system and the photo tagger write on a report's timeline (in English, as stored),
# and how a person reads them.
SYSTEM_NOTES: tuple[tuple[re.Pattern[str], LazyString], ...] = (
    (re.compile(r"routed by category"), lazy_gettext("diteruskan sesuai rute kategori")),
    (re.compile(r"the citizen's choice, not contradicted"), lazy_gettext("pilihan warga, tidak dibantah foto")),
    (re.compile(r"photo evidence (?P<p>[\d.]+) for (?P<a>[\w-]+)"), lazy_gettext("bukti foto %(p)s untuk %(a)s")),
    (re.compile(r"citizen chose (?P<a>[\w-]+), the photo says (?P<b>[\w-]+)"),
     lazy_gettext("warga memilih %(a)s, foto menunjukkan %(b)s")),
    (re.compile(r"no category chosen and no confident evidence"),
     lazy_gettext("tanpa kategori dan tanpa bukti foto yang meyakinkan")),
)


def system_note(note: str) -> str:
    """A note the system wrote, in the page's language, categories by name; unknown ones as stored."""
    for pattern, wording in SYSTEM_NOTES:
        found = pattern.fullmatch(note)
        if found:
            parts = {k: category_name(v) if k in "ab" else percent(float(v)) for k, v in found.groupdict().items()}
            return str(wording) % parts
    return note


def rule_version(rule: str) -> str:
    """'5v2' as '5, versi 2'."""
    rule_id, _v, version = rule.partition("v")
    return _("%(id)s, versi %(v)s", id=rule_id, v=version) if version else rule


def page_lang() -> display.Lang:
    return display.language(str(get_locale()))


def wita(at: datetime | str | None, with_day: bool = False) -> str:
    """A time as staff read it; read models may hand over an ISO string with its offset."""
    return display.wall_time(at, page_lang(), with_day)


def duration(span: timedelta | float | None) -> str:
    """Calendar time in words, '2 hari 3 jam'; a bare number is hours, as read models keep them."""
    if span is None:
        return "-"
    return display.duration_words(span if isinstance(span, timedelta) else timedelta(hours=span), page_lang())


def work_hours(hours: float | None) -> str:
    """Working time, which read models keep as hours, in words: '28 jam', '10 jam 30 menit'."""
    return "-" if hours is None else display.duration_words(timedelta(hours=hours), page_lang(), working=True)


def countdown_text(due: datetime, now: datetime) -> str:
    return display.countdown_words(due - now, page_lang())


def figure(value: float | None, decimals: int = 0) -> str:
    return display.figure(value, page_lang(), decimals)


def amount(value: float) -> str:
    return display.amount(value, page_lang())


def percent(rate: float | None) -> str:
    return display.percent(rate, page_lang())


def calendar_words(spec: dict[str, Any]) -> str:
    return display.calendar_words(spec, page_lang())


def month_text(month: str) -> str:
    return display.month_text(month, page_lang())


def weekday(day: str) -> str:
    return display.weekday(day, page_lang())


def day_text(iso_day: str, with_day: bool = False) -> str:
    return display.day_text(iso_day, page_lang(), with_day)


def config_value(value: Any, field: str) -> str:
    """A routing or calendar setting as its change history shows it."""
    if isinstance(value, float | int) and not isinstance(value, bool):
        return display.amount(value, page_lang())
    return display.calendar_field(field, value, page_lang())


TARGET_UNITS = {"working_hours": lazy_gettext("%(n)s jam kerja"), "working_days": lazy_gettext("%(n)s hari kerja")}


def rule_target(rule: Any) -> str:
    """An SLA rule's target as people say it: '8 jam kerja', '5 hari kerja'."""
    unit = TARGET_UNITS.get(rule.target_unit)
    n = display.amount(rule.target_amount, page_lang())
    return unit % {"n": n} if unit else f"{n} {rule.target_unit}"


def signed_in() -> ResponseReturnValue | None:
    """Every staff page needs a signed-in user; the login page is where the others go."""
    if current_user.is_authenticated:
        return None
    response: ResponseReturnValue = current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
    return response
