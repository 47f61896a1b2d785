"""The bus: the one place a transaction is opened around a command's handler. It knows no
feature: the composition root (tanggap/bootstrap.py) hands it the table of handlers and the
context a handler runs in."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from states.errors import DomainError
from tanggap import commands as c
from tanggap.context import Context
from tanggap.uow import AbstractUnitOfWork

Handlers = Mapping[type[c.Command], Callable[..., Any]]
ContextFactory = Callable[[AbstractUnitOfWork], Context]


def handle(handlers: Handlers, cmd: c.Command, uow: AbstractUnitOfWork, context: ContextFactory) -> Any:
    """Run one command in its own transaction; it commits only if the handler succeeds."""
    with uow:
        ctx = context(uow)
        try:
            result = handlers[type(cmd)](cmd, ctx)
            uow.commit()
        except BaseException:
            ctx.undo()
            raise
    return result


def handle_batch(handlers: Handlers, cmds: Sequence[c.Command], uow: AbstractUnitOfWork,
                 context: ContextFactory) -> list[Any]:
    """Run many commands in one transaction. A refused command is returned as its error and
    leaves no trace: handlers validate before they change anything, and writes happen at commit."""
    with uow:
        ctx = context(uow)
        ids = [cmd.report_id for cmd in cmds if isinstance(cmd, c.ReportCommand)]
        uow.reports.preload(ids)
        uow.sla.preload(ids)
        try:
            outcomes = [_outcome(handlers, cmd, ctx) for cmd in cmds]
            uow.commit()
        except BaseException:
            ctx.undo()
            raise
    return outcomes


def _outcome(handlers: Handlers, cmd: c.Command, batch: Context) -> Any:
    ctx = replace(batch, on_failure=[])
    try:
        result = handlers[type(cmd)](cmd, ctx)
    except DomainError as err:
        ctx.undo()
        return err
    batch.on_failure.extend(ctx.on_failure)
    return result
