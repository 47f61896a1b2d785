"""The composition root: builds the engine, unit of work and bus from settings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from states.lifecycle import LifecyclePolicy
from tanggap import bus
from tanggap.bulk import collector_paused
from tanggap.clock import Clock, SystemClock
from tanggap.commands import Command, SweepSla
from tanggap.config import Settings
from tanggap.db import make_engine
from tanggap.sla_service import SweepResult
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
        return bus.handle(cmd, self.uow(), self.clock, self.policy)

    def sweep(self, now: datetime | None = None, limit: int = 5000) -> SweepResult:
        """Sweep in transactions of `limit` clocks until nothing due is left."""
        at = now or self.clock.now()
        total = SweepResult(0, 0, 0)
        while True:
            with collector_paused():
                done: SweepResult = self.handle(SweepSla(now=at, limit=limit))
            total = SweepResult(
                total.clocks + done.clocks, total.warnings + done.warnings, total.breaches + done.breaches
            )
            if done.clocks < limit:
                return total

    def handle_batch(self, cmds: Sequence[Command]) -> list[Any]:
        with collector_paused():
            return bus.handle_batch(cmds, self.uow(), self.clock, self.policy)


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
        policy=LifecyclePolicy(quiet_period=settings.quiet_period, reopen_window=settings.reopen_window,
                               objection_window_days=settings.objection_window_days),
    )
