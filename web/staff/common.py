"""What every staff blueprint shares: the signed-in user, role checks and mapping domain errors."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from flask import abort, current_app, flash, redirect, render_template
from flask.typing import ResponseReturnValue
from flask_babel import get_locale, lazy_gettext
from flask_babel import gettext as _
from flask_login import UserMixin, current_user

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
from tanggap.staff import StaffUser
from web.deps import tanggap

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
    """A page explaining why an action did not happen; nothing was changed."""
    if isinstance(err, NotFound):
        abort(404)
    if isinstance(err, PermissionDenied) or (
        isinstance(err, GuardRejected) and PERMISSION_PROBLEMS & set(err.problems)
    ):
        abort(403)
    status, message = _explained(err)
    return render_template("staff/pesan.html", message=message, detail=str(err), back=back), status


def _explained(err: DomainError) -> tuple[int, str]:
    if isinstance(err, ConcurrencyConflict):
        return 409, _("Orang lain sudah lebih dulu mengubah laporan ini. Muat ulang halaman, lalu coba lagi.")
    if isinstance(err, InvalidTransition):
        return 409, _("Tindakan ini tidak dapat dilakukan pada status laporan saat ini.")
    if isinstance(err, GuardRejected | InvalidInput):
        return 422, _("Data belum lengkap atau tidak valid.")
    return 400, _("Tindakan gagal.")


def page_lang() -> display.Lang:
    return display.language(str(get_locale()))


def wita(at: datetime | str | None, with_day: bool = False) -> str:
    """A time as staff read it; read models may hand over an ISO string with its offset."""
    return display.wall_time(at, page_lang(), with_day)


def duration(span: timedelta | float | None) -> str:
    """A duration in words; a bare number is hours (read models keep working hours as floats)."""
    if span is None:
        return "-"
    return display.duration_words(span if isinstance(span, timedelta) else timedelta(hours=span), page_lang())


def countdown_text(due: datetime, now: datetime) -> str:
    return display.countdown_words(due - now, page_lang())


def figure(value: float | None, decimals: int = 0) -> str:
    return display.figure(value, page_lang(), decimals)


def percent(rate: float | None) -> str:
    return display.percent(rate, page_lang())


def calendar_words(spec: dict[str, Any]) -> str:
    return display.calendar_words(spec, page_lang())


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
