"""The composition root: builds the engine, unit of work and bus from settings."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from states.lifecycle import LifecyclePolicy
from tanggap.clock import Clock, SystemClock
from tanggap.commands import Command
from tanggap.config import Settings
from tanggap.db import make_engine
from tanggap.services import HANDLERS
from tanggap.uow import SqlAlchemyUnitOfWork


@dataclass
class Tanggap:
    """Everything a web request, CLI call or flow task needs, built once."""

    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    clock: Clock
    policy: LifecyclePolicy

    def uow(self) -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(self.session_factory)

    def handle(self, cmd: Command) -> Any:
        handler = HANDLERS[type(cmd)]
        deps = {"uow": self.uow(), "clock": self.clock, "policy": self.policy}
        return handler(cmd, **{name: deps[name] for name in _wanted(handler)})


@cache
def _wanted(handler: Callable[..., Any]) -> tuple[str, ...]:
    return tuple(inspect.signature(handler).parameters)[1:]


def bootstrap(settings: Settings | None = None, clock: Clock | None = None) -> Tanggap:
    settings = settings or Settings.from_env()
    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url)
    return Tanggap(
        settings=settings,
        engine=engine,
        session_factory=sessionmaker(engine, expire_on_commit=False),
        clock=clock or SystemClock(),
        policy=LifecyclePolicy(quiet_period=settings.quiet_period, reopen_window=settings.reopen_window),
    )
