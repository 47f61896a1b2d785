"""The bus: the one place a transaction is opened around a command's handler. It knows no
feature: the composition root (tanggap/bootstrap.py) hands it the table of handlers."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from states.errors import DomainError
from states.lifecycle import LifecyclePolicy
from tanggap import commands as c
from tanggap.clock import Clock
from tanggap.context import Context
from tanggap.uow import AbstractUnitOfWork

Handlers = Mapping[type[c.Command], Callable[..., Any]]


def handle(
    handlers: Handlers, cmd: c.Command, uow: AbstractUnitOfWork, clock: Clock, policy: LifecyclePolicy
) -> Any:
    """Run one command in its own transaction; it commits only if the handler succeeds."""
    with uow:
        result = handlers[type(cmd)](cmd, Context(uow, clock.now(), policy))
        uow.commit()
    return result


def handle_batch(
    handlers: Handlers, cmds: Sequence[c.Command], uow: AbstractUnitOfWork, clock: Clock, policy: LifecyclePolicy
) -> list[Any]:
    """Run many commands in one transaction. A refused command is returned as its error and
    leaves no trace: handlers validate before they change anything, and writes happen at commit."""
    with uow:
        ctx = Context(uow, clock.now(), policy)
        ids = [cmd.report_id for cmd in cmds if isinstance(cmd, c.ReportCommand)]
        uow.reports.preload(ids)
        uow.sla.preload(ids)
        outcomes = [_outcome(handlers, cmd, ctx) for cmd in cmds]
        uow.commit()
    return outcomes


def _outcome(handlers: Handlers, cmd: c.Command, ctx: Context) -> Any:
    try:
        return handlers[type(cmd)](cmd, ctx)
    except DomainError as err:
        return err
