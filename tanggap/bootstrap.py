"""The composition root: builds the engine, unit of work and bus from settings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from states.lifecycle import LifecyclePolicy
from tanggap import bus, intake
from tanggap import commands as c
from tanggap.appeals import handlers as appeals
from tanggap.bulk import collector_paused
from tanggap.clock import Clock, SystemClock
from tanggap.commands import Command, SweepSla
from tanggap.config import Settings
from tanggap.context import Context
from tanggap.db import make_engine
from tanggap.enforcement import service as enforcement
from tanggap.enforcement.service import SweepResult
from tanggap.infrastructure.storage import AbstractPhotoStorage, LocalPhotoStorage
from tanggap.payroll import service as payroll
from tanggap.persistence import SqlAlchemyReader, SqlAlchemyUnitOfWork, lost_race
from tanggap.pipeline import notifications, outbox, processing, training
from tanggap.reports import service as reports
from tanggap.staff import handlers as staff
from tanggap.uow import AbstractUnitOfWork

# Every command and its one handler: the bus runs them, and only this table says which is which.
HANDLERS: bus.Handlers = {
    **reports.HANDLERS,
    **enforcement.HANDLERS,
    **payroll.HANDLERS,
    **intake.HANDLERS,
    **notifications.HANDLERS,
    **processing.HANDLERS,
    **training.HANDLERS,
    **staff.HANDLERS,
    **appeals.HANDLERS,
    c.ClaimOutbox: outbox.claim_outbox,
    c.GiveUpClaims: outbox.give_up_claims,
}


@dataclass
class Tanggap:
    """Everything a web request, CLI call or flow task needs, built once."""

    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    clock: Clock
    policy: LifecyclePolicy
    photos: AbstractPhotoStorage
    # Pause the cyclic collector during batches: only where no web server shares the process.
    pause_collector: bool = False

    def uow(self) -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(self.session_factory)

    def reader(self) -> SqlAlchemyReader:
        """What queries read with: a session that is never committed."""
        return SqlAlchemyReader(self.session_factory)

    def context(self, uow: AbstractUnitOfWork) -> Context:
        return Context(uow, self.clock.now(), self.policy, self.photos, self.settings.intake)

    def handle(self, cmd: Command) -> Any:
        try:
            return bus.handle(HANDLERS, cmd, self.uow(), self.context)
        except IntegrityError as err:
            if not lost_race(err):
                raise
            # An identical request committed first. Running again finds its row and answers
            # as it did: one report, one rating.
            return bus.handle(HANDLERS, cmd, self.uow(), self.context)

    def sweep(self, now: datetime | None = None, limit: int = 5000) -> SweepResult:
        """Sweep in transactions of `limit` clocks until nothing due is left."""
        at = now or self.clock.now()
        total = SweepResult(0, 0, 0)
        while True:
            with collector_paused(self.pause_collector):
                done: SweepResult = self.handle(SweepSla(now=at, limit=limit))
            total = SweepResult(
                total.clocks + done.clocks, total.warnings + done.warnings, total.breaches + done.breaches
            )
            if done.clocks < limit:
                return total

    def handle_batch(self, cmds: Sequence[Command]) -> list[Any]:
        with collector_paused(self.pause_collector):
            return bus.handle_batch(HANDLERS, cmds, self.uow(), self.context)


def bootstrap(settings: Settings | None = None, clock: Clock | None = None, *,
              photos: AbstractPhotoStorage | None = None, pause_collector: bool = False) -> Tanggap:
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
        photos=photos or LocalPhotoStorage(settings.data_dir / "photos"),
        pause_collector=pause_collector,
    )
