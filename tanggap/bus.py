"""The bus: the one place a transaction is opened around a command's handler."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from states.errors import DomainError
from states.lifecycle import LifecyclePolicy
from tanggap import commands as c
from tanggap import hr, intake, notifications, outbox, processing, services, sla_service, staff, training
from tanggap.clock import Clock
from tanggap.context import Context
from tanggap.uow import AbstractUnitOfWork

HANDLERS: dict[type[c.Command], Callable[..., Any]] = {
    **services.HANDLERS,
    **sla_service.HANDLERS,
    **hr.HANDLERS,
    **intake.HANDLERS,
    **notifications.HANDLERS,
    **processing.HANDLERS,
    **training.HANDLERS,
    **staff.HANDLERS,
    c.ClaimOutbox: outbox.claim_outbox,
    c.GiveUpClaims: outbox.give_up_claims,
}


def handle(cmd: c.Command, uow: AbstractUnitOfWork, clock: Clock, policy: LifecyclePolicy) -> Any:
    """Run one command in its own transaction; it commits only if the handler succeeds."""
    with uow:
        result = HANDLERS[type(cmd)](cmd, Context(uow, clock.now(), policy))
        uow.commit()
    return result


def handle_batch(
    cmds: Sequence[c.Command], uow: AbstractUnitOfWork, clock: Clock, policy: LifecyclePolicy
) -> list[Any]:
    """Run many commands in one transaction. A refused command is returned as its error and
    leaves no trace: handlers validate before they change anything, and writes happen at commit."""
    with uow:
        ctx = Context(uow, clock.now(), policy)
        ids = [cmd.report_id for cmd in cmds if isinstance(cmd, c.ReportCommand)]
        uow.reports.preload(ids)
        uow.sla.preload(ids)
        outcomes = [_outcome(cmd, ctx) for cmd in cmds]
        uow.commit()
    return outcomes


def _outcome(cmd: c.Command, ctx: Context) -> Any:
    try:
        return HANDLERS[type(cmd)](cmd, ctx)
    except DomainError as err:
        return err
