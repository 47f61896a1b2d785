"""The citizen's actions on the status page: confirm a fix, dispute it, rate the response."""

from __future__ import annotations

from states.errors import InvalidInput, PermissionDenied
from tanggap import commands as c
from tanggap.context import Context
from tanggap.intake.commands import CitizenCommand, ConfirmFix, DisputeFix, RateResponse
from tanggap.intake.keys import digest
from tanggap.intake.tables import RatingRow
from tanggap.intake.validation import _no_nul
from tanggap.reports import service as services


def _check_token(ctx: Context, cmd: CitizenCommand) -> None:
    if not ctx.uow.intake.has_citizen_token(cmd.report_id, digest(cmd.token or "-")):
        raise PermissionDenied("citizen", f"act on report #{cmd.report_id} without its tracking link")


def confirm_fix(cmd: ConfirmFix, ctx: Context) -> None:
    _check_token(ctx, cmd)
    services.close_report(c.CloseReport(cmd.report_id, actor="citizen"), ctx)


def dispute_fix(cmd: DisputeFix, ctx: Context) -> None:
    _check_token(ctx, cmd)
    reason = _no_nul("reason", cmd.reason.strip())
    services.reopen_report(c.ReopenReport(cmd.report_id, actor="citizen", reason=reason), ctx)


def rate_response(cmd: RateResponse, ctx: Context) -> None:
    _check_token(ctx, cmd)
    if not 1 <= cmd.stars <= 5:
        raise InvalidInput("stars", f"give 1 to 5 stars, not {cmd.stars}")
    _no_nul("comment", cmd.comment)
    if len(cmd.comment) > services.MAX_DESCRIPTION:
        raise InvalidInput("comment", f"is {len(cmd.comment)} characters; the limit is {services.MAX_DESCRIPTION}")
    if ctx.uow.reports.get(cmd.report_id).responded_at is None:
        raise InvalidInput("stars", "there is no response to rate yet")
    row = ctx.uow.intake.rating(cmd.report_id) or RatingRow(report_id=cmd.report_id)
    row.stars, row.comment, row.rated_at = cmd.stars, cmd.comment.strip() or None, ctx.now
    ctx.uow.intake.add(row)
