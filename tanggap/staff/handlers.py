"""Staff use cases: sign-in with throttling, acting on tickets within one's reach, duplicate
decisions, response templates, routing and duplicate-radius edits, payroll API tokens and
Open311 client keys."""

from __future__ import annotations

import hashlib
import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from states.errors import ConcurrencyConflict, InvalidInput, NotFound, PermissionDenied
from states.model import ADMINS, DISPATCH_ROLES, OPD_ROLES, SUPERVISING, Actor, RejectKind, ReportRedacted, Role
from tanggap import commands as c
from tanggap import intake
from tanggap.access import StaffUser, may_see, staff_user
from tanggap.config_audit import ConfigSubject, record_changes
from tanggap.context import Context
from tanggap.db import CategoryRow
from tanggap.infrastructure.passwords import hash_password, verify_or_spend
from tanggap.intake.tables import ApiKeyRow
from tanggap.reports import service as services
from tanggap.staff.repository import Revocable
from tanggap.staff.tables import ApiTokenRow, ResponseTemplateRow
from tanggap.uow import AbstractUnitOfWork

# Sign-in throttling. One client (account, address) gets MAX_FAILURES failures per window, then
# one attempt per window; the account as a whole (any address) gets ACCOUNT_FAILURES, then one
# attempt per ACCOUNT_BACKOFF, so a guesser spread over many addresses is slowed down while the
# account's owner, on an address of their own, can still sign in between two guesses.
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
ACCOUNT_FAILURES = 50
ACCOUNT_BACKOFF = timedelta(seconds=20)
ANY_ADDRESS = "*"
PAYROLL = "payroll"
# Below a few metres GPS noise alone separates two photos of one pothole; beyond 2 km a "duplicate"
# would cover whole kelurahan and bury real reports under suspected ones.
MIN_RADIUS_M, MAX_RADIUS_M = 5.0, 2000.0


# --- signing in ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LogIn(c.Command):
    username: str
    password: str
    address: str


@dataclass(frozen=True)
class LoginResult:
    user: StaffUser | None
    locked: bool = False


def log_in(cmd: LogIn, ctx: Context) -> LoginResult:
    """Check a password and record the attempt. The attempt is counted before the password is
    checked, in one conditional UPDATE per counter, so parallel guesses cannot slip past the
    limit. Unknown and inactive names cost the same argon2 work as real ones and are throttled
    alike, so neither the answer nor its timing tells which names are real."""
    username, address = cmd.username[:80], cmd.address[:64]
    allowed = _charge(ctx, username, address, MAX_FAILURES, FAILURE_WINDOW, FAILURE_WINDOW) and _charge(
        ctx, username, ANY_ADDRESS, ACCOUNT_FAILURES, FAILURE_WINDOW, ACCOUNT_BACKOFF)
    if not allowed:
        _record(ctx, cmd, ok=False)
        return LoginResult(None, locked=True)
    row = ctx.uow.reference.find_user(cmd.username)
    usable = row if row is not None and row.active else None
    ok = verify_or_spend(usable.password_hash if usable else None, cmd.password)
    if ok:
        _forgive(ctx, username, address)
    _record(ctx, cmd, ok=ok)
    return LoginResult(StaffUser.of(usable) if ok and usable is not None else None)


def _charge(ctx: Context, username: str, address: str, limit: int, window: timedelta, backoff: timedelta) -> bool:
    return ctx.uow.staff.charge(username, address, limit, window, backoff, ctx.now)


def _forgive(ctx: Context, username: str, address: str) -> None:
    """A right password clears this client's count and the account's."""
    ctx.uow.staff.forgive(username, [address, ANY_ADDRESS], ctx.now)


def _record(ctx: Context, cmd: LogIn, ok: bool) -> None:
    ctx.uow.staff.record_attempt(cmd.username[:80], cmd.address[:64], ok, ctx.now)


@dataclass(frozen=True)
class EndSessions(c.Command):
    """Sign-out: every session cookie issued to this account so far stops working."""

    username: str


def end_sessions(cmd: EndSessions, ctx: Context) -> None:
    _bump_generation(ctx, cmd.username)


def _bump_generation(ctx: Context, username: str) -> None:
    ctx.uow.staff.end_sessions(username)


@dataclass(frozen=True)
class ChangePassword(c.Command):
    """An admin, or the person themselves, sets a new password; every open session ends."""

    actor: str
    username: str
    password: str


MIN_PASSWORD = 12


def change_password(cmd: ChangePassword, ctx: Context) -> None:
    if cmd.actor != cmd.username:
        _require(ctx.uow, cmd.actor, ADMINS, "change another person's password")
    row = ctx.uow.reference.user(cmd.username)
    if len(cmd.password) < MIN_PASSWORD:
        raise InvalidInput("password", f"must have at least {MIN_PASSWORD} characters")
    row.password_hash = hash_password(cmd.password)
    _bump_generation(ctx, cmd.username)


@dataclass(frozen=True)
class DeactivateUser(c.Command):
    """An admin closes an account: it cannot sign in and its open sessions end at once."""

    actor: str
    username: str


def deactivate_user(cmd: DeactivateUser, ctx: Context) -> None:
    _require(ctx.uow, cmd.actor, ADMINS, "deactivate accounts")
    row = ctx.uow.reference.user(cmd.username)
    row.active = False
    _bump_generation(ctx, cmd.username)


# --- acting on tickets -----------------------------------------------------------------------


@dataclass(frozen=True)
class ActOnTicket(c.Command):
    """A staff member's lifecycle command, checked against what they may see first."""

    action: c.ReportCommand


def act_on_ticket(cmd: ActOnTicket, ctx: Context) -> Any:
    user = staff_user(ctx.uow, cmd.action.actor)
    if user.role is Role.HR:
        raise PermissionDenied(user.username, "change tickets")
    report = ctx.uow.reports.get(cmd.action.report_id)
    if not may_see(user, report.opd, report.officer):
        # Another OPD's ticket: answer as if it did not exist.
        raise NotFound("report", cmd.action.report_id)
    return services.HANDLERS[type(cmd.action)](cmd.action, ctx)


@dataclass(frozen=True)
class TakeTicket(c.Command):
    """An OPD member takes a ticket of their OPD: a reassignment to themselves."""

    report_id: int
    actor: str
    expected_version: int | None = None


def take_ticket(cmd: TakeTicket, ctx: Context) -> Any:
    user = staff_user(ctx.uow, cmd.actor)
    if user.role not in OPD_ROLES:
        raise PermissionDenied(cmd.actor, "take tickets: only OPD staff hold them")
    action = c.ReassignReport(cmd.report_id, cmd.actor, expected_version=cmd.expected_version, officer=cmd.actor)
    return act_on_ticket(ActOnTicket(action), ctx)


REDACTABLE = {"description": "description_redacted", "photo": "photo_redacted"}


@dataclass(frozen=True)
class RedactReport(c.Command):
    """Staff withdraw the citizen's text or photo from public view (a phone number, a face, abuse),
    with a reason that the ticket's history keeps. Staff still see what was redacted."""

    report_id: int
    actor: str
    part: str  # "description" or "photo"
    reason: str
    expected_version: int | None = None


def redact_report(cmd: RedactReport, ctx: Context) -> None:
    user = staff_user(ctx.uow, cmd.actor)
    if user.role is Role.HR:
        raise PermissionDenied(user.username, "redact reports")
    report = ctx.uow.reports.get(cmd.report_id)
    if not may_see(user, report.opd, report.officer):
        raise NotFound("report", cmd.report_id)
    field = REDACTABLE.get(cmd.part)
    if field is None:
        raise InvalidInput("part", f"{cmd.part!r} cannot be redacted; choose description or photo")
    if not cmd.reason.strip():
        raise InvalidInput("reason", "a redaction needs a reason")
    if getattr(report, field):
        raise InvalidInput("part", f"the {cmd.part} of report {cmd.report_id} was already redacted")
    if cmd.expected_version is not None and cmd.expected_version != report.version:
        raise ConcurrencyConflict(cmd.report_id)
    actor = Actor(user.username, user.role, user.opd)
    report.record(ReportRedacted("redact", report.state, report.state, actor, ctx.now, cmd.reason.strip(),
                                 {field: True, "part": cmd.part}))


@dataclass(frozen=True)
class DecideDuplicate(c.Command):
    actor: str
    link_id: int
    confirm: bool
    expected_version: int | None = None


def decide_duplicate(cmd: DecideDuplicate, ctx: Context) -> None:
    """Confirm or dismiss a suspected duplicate. A confirmation by the dispatch unit on a report
    not yet with an OPD also rejects it as a duplicate of the original."""
    link = ctx.uow.staff.duplicate_link(cmd.link_id)
    if link is None:
        raise NotFound("duplicate link", cmd.link_id)
    if link.status != "pending":
        raise InvalidInput("link", f"this suspected duplicate was already {link.status}")
    reject = c.RejectReport(link.report_id, cmd.actor, kind=RejectKind.DUPLICATE.value,
                            duplicate_of=link.original_id, expected_version=cmd.expected_version)
    user = staff_user(ctx.uow, cmd.actor)
    report = ctx.uow.reports.get(link.report_id)
    if cmd.confirm and user.role in DISPATCH_ROLES and report.state.value in ("submitted", "classified"):
        act_on_ticket(ActOnTicket(reject), ctx)
    else:
        _check_may_decide(ctx, user, report.opd, report.officer, link.report_id)
    link.status, link.decided_by, link.decided_at = ("confirmed" if cmd.confirm else "rejected"), cmd.actor, ctx.now


def _check_may_decide(ctx: Context, user: StaffUser, opd: str | None, officer: str | None, report_id: int) -> None:
    if user.role is Role.HR:
        raise PermissionDenied(user.username, "decide duplicates")
    if not may_see(user, opd, officer):
        raise NotFound("report", report_id)


# --- response templates, routing, tokens -----------------------------------------------------


@dataclass(frozen=True)
class DefineResponseTemplate(c.Command):
    actor: str
    category: str
    title: str
    body: str
    template_id: int | None = None
    retire: bool = False


def define_response_template(cmd: DefineResponseTemplate, ctx: Context) -> int:
    user = staff_user(ctx.uow, cmd.actor)
    _check_may_edit_templates(ctx, user, cmd.category)
    if not cmd.title.strip() or not cmd.body.strip():
        raise InvalidInput("template", "a title and a text are required")
    row = _template(ctx, cmd.template_id) if cmd.template_id else ResponseTemplateRow(created_at=ctx.now)
    if row.category is not None and row.category != cmd.category:
        # The template's own category decides, not the one the form names: an OPD head may not
        # overwrite or retire another OPD's template by sending their own category with its id.
        _check_may_edit_templates(ctx, user, row.category)
    row.category, row.title, row.body = cmd.category, cmd.title.strip()[:120], cmd.body.strip()
    row.active, row.created_by = not cmd.retire, cmd.actor
    return ctx.uow.staff.save_template(row)


def _check_may_edit_templates(ctx: Context, user: StaffUser, category_code: str) -> None:
    category = ctx.uow.reference.category(category_code)
    if not (user.role in SUPERVISING or (user.role is Role.OPD_HEAD and user.opd == category.opd_code)):
        raise PermissionDenied(user.username, f"edit response templates of {category_code}")


def _template(ctx: Context, template_id: int) -> ResponseTemplateRow:
    row = ctx.uow.staff.template(template_id)
    if row is None:
        raise NotFound("response template", template_id)
    return row


@dataclass(frozen=True)
class SetRouting(c.Command):
    """Route a category to an OPD and, when given, change its duplicate radius in the same step."""

    actor: str
    category: str
    opd: str
    duplicate_radius_m: float | None = None
    note: str | None = None


def set_routing(cmd: SetRouting, ctx: Context) -> list[str]:
    """Everything is checked before anything changes (a batch keeps no trace of a refusal); each
    changed field is appended to the configuration audit trail. Returns the changed fields."""
    _require(ctx.uow, cmd.actor, SUPERVISING, "change routing")
    row = ctx.uow.reference.category(cmd.category)
    ctx.uow.reference.opd(cmd.opd)
    given = cmd.duplicate_radius_m
    radius = row.duplicate_radius_m if given is None else _valid_radius(row.code, given)
    before = _routing_of(row)
    row.duplicate_radius_m = radius
    services.define_category(
        c.DefineCategory(row.code, row.name, cmd.opd, row.description, row.urgent, tuple(row.keywords)), ctx
    )
    return record_changes(ctx, cmd.actor, ConfigSubject.CATEGORY, row.code, before, _routing_of(row), cmd.note)


def _routing_of(row: CategoryRow) -> dict[str, Any]:
    return {"opd": row.opd_code, "duplicate_radius_m": row.duplicate_radius_m}


def set_duplicate_radius(cmd: c.SetDuplicateRadius, ctx: Context) -> None:
    """Reference data, like the category itself: the seed calls it directly, staff through routing."""
    radius = _valid_radius(cmd.category, cmd.radius_m)
    ctx.uow.reference.category(cmd.category).duplicate_radius_m = radius


def _valid_radius(category: str, radius: float) -> float:
    if not math.isfinite(radius):
        raise InvalidInput("duplicate_radius_m", f"{category}: {radius!r} is not a number of metres")
    if not MIN_RADIUS_M <= radius <= MAX_RADIUS_M:
        raise InvalidInput("duplicate_radius_m", f"{category}: {radius:g} m is outside "
                                                 f"{MIN_RADIUS_M:g}-{MAX_RADIUS_M:g} m")
    return radius


@dataclass(frozen=True)
class IssueApiToken(c.Command):
    actor: str
    name: str
    scope: str = PAYROLL


def issue_api_token(cmd: IssueApiToken, ctx: Context) -> str:
    """A new bearer token; it is shown once and only its hash is kept."""
    _require(ctx.uow, cmd.actor, ADMINS, "issue API tokens")
    if not cmd.name.strip():
        raise InvalidInput("name", "a token needs a name")
    if ctx.uow.staff.token_named(cmd.name):
        raise InvalidInput("name", f"a token named {cmd.name} already exists")
    token = secrets.token_urlsafe(32)
    ctx.uow.staff.add_token(ApiTokenRow(name=cmd.name.strip(), token_hash=token_hash(token), scope=cmd.scope,
                                      created_by=cmd.actor, created_at=ctx.now))
    return token


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class RevokeApiToken(c.Command):
    actor: str
    token_id: int


def revoke_api_token(cmd: RevokeApiToken, ctx: Context) -> None:
    """From this commit on the payroll API refuses the token: it looks up unrevoked tokens only."""
    _require(ctx.uow, cmd.actor, ADMINS, "revoke API tokens")
    _unrevoked(ctx.uow, ApiTokenRow, cmd.token_id, "token").revoked_at = ctx.now


@dataclass(frozen=True)
class IssueClientKey(c.Command):
    """An admin issues an Open311 key for a client app."""

    actor: str
    name: str


def issue_client_key(cmd: IssueClientKey, ctx: Context) -> str:
    _require(ctx.uow, cmd.actor, ADMINS, "issue Open311 API keys")
    key: str = intake.issue_api_key(intake.IssueApiKey(cmd.name), ctx)
    return key


@dataclass(frozen=True)
class RevokeClientKey(c.Command):
    actor: str
    key_id: int


def revoke_client_key(cmd: RevokeClientKey, ctx: Context) -> None:
    """By id, so that a page shown before someone reissued the name cannot revoke the new key."""
    _require(ctx.uow, cmd.actor, ADMINS, "revoke Open311 API keys")
    row = _unrevoked(ctx.uow, ApiKeyRow, cmd.key_id, "key")
    # An unrevoked key is the only active one of its name (a partial unique index).
    intake.revoke_api_key(intake.RevokeApiKey(row.name), ctx)


def _unrevoked(uow: AbstractUnitOfWork, model: type[Revocable], row_id: int, what: str) -> Revocable:
    """The payroll token or Open311 key `row_id`, refused when unknown or already revoked."""
    row = uow.staff.revocable(model, row_id)
    if row is None:
        raise NotFound(f"API {what}", row_id)
    if row.revoked_at is not None:
        raise InvalidInput(what, f"this {what} of {row.name} was already revoked")
    return row


@dataclass(frozen=True)
class SettleEmail(c.Command):
    """An admin decides about an e-mail nobody can tell was delivered: send it again, or count it
    as sent (the citizen or officer confirmed they have it)."""

    actor: str
    inbox_id: int
    resend: bool


def settle_email(cmd: SettleEmail, ctx: Context) -> None:
    _require(ctx.uow, cmd.actor, ADMINS, "settle e-mails")
    row = ctx.uow.staff.undelivered_email(cmd.inbox_id, ctx.now)
    if row is None:
        raise NotFound("undelivered e-mail", cmd.inbox_id)
    if cmd.resend:
        row.email_status, row.email_next_at = "pending", ctx.now
        before = row.email_error or "no answer from the mailer"
        row.email_error = f"sent again on {cmd.actor}'s decision after: {before}"
    else:
        row.email_status, row.emailed_at = "sent", ctx.now
        row.email_error = f"counted as sent by {cmd.actor}"


def _require(uow: AbstractUnitOfWork, username: str, roles: frozenset[Role], action: str) -> StaffUser:
    user = staff_user(uow, username)
    if user.role not in roles:
        raise PermissionDenied(username, action)
    return user


HANDLERS: dict[type[c.Command], Callable[..., Any]] = {
    LogIn: log_in,
    EndSessions: end_sessions,
    ChangePassword: change_password,
    DeactivateUser: deactivate_user,
    ActOnTicket: act_on_ticket,
    TakeTicket: take_ticket,
    DecideDuplicate: decide_duplicate,
    RedactReport: redact_report,
    DefineResponseTemplate: define_response_template,
    SetRouting: set_routing,
    c.SetDuplicateRadius: set_duplicate_radius,
    IssueApiToken: issue_api_token,
    RevokeApiToken: revoke_api_token,
    SettleEmail: settle_email,
    IssueClientKey: issue_client_key,
    RevokeClientKey: revoke_client_key,
}
