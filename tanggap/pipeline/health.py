"""Whether the flows keep their promises: for each family when it last finished a pass, what it
is running now and for how long, and how much work waits in the outbox. The runner in this
process registers where its families' state is read; /healthz, `tanggap status` and the admin
page all read this one summary."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from tanggap.db import OutboxRow
from tanggap.reader import AbstractReader


@dataclass(frozen=True)
class FamilyStatus:
    name: str
    period: float
    since: datetime  # when the runner started: the reference before a first pass
    last_finished: datetime | None
    running: str | None
    running_since: datetime | None
    abandoned: int
    last_error: str | None

    def lateness(self, now: datetime) -> str | None:
        """Why this family is late, or None: it has not finished a pass within twice its period."""
        reference = self.last_finished or self.since
        waited = (now - reference).total_seconds()
        if waited <= 2 * self.period:
            return None
        running = f", running {self.running} for {_seconds(now, self.running_since)}" if self.running else ""
        return f"{self.name} has not finished for {waited:.0f} s (period {self.period:.0f} s{running})"

    def running_for(self, now: datetime) -> float | None:
        return (now - self.running_since).total_seconds() if self.running_since else None


@dataclass(frozen=True)
class WorkWaiting:
    topic: str
    rows: int
    oldest_seconds: float


@dataclass(frozen=True)
class PipelineHealth:
    now: datetime
    families: tuple[FamilyStatus, ...]
    waiting: tuple[WorkWaiting, ...]
    runner: bool  # False: no runner in this process (a web-only worker)

    @property
    def problems(self) -> list[str]:
        return [late for family in self.families if (late := family.lateness(self.now))]

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_json(self) -> dict[str, object]:
        return {
            "status": "ok" if self.ok else "late", "problems": self.problems, "runner": self.runner,
            "families": {f.name: {
                "last_finished": f.last_finished.isoformat() if f.last_finished else None,
                "running": f.running, "running_for_seconds": _round(f.running_for(self.now)),
                "period_seconds": f.period, "abandoned_runs": f.abandoned, "last_error": f.last_error,
            } for f in self.families},
            "waiting": {w.topic: {"rows": w.rows, "oldest_seconds": round(w.oldest_seconds, 1)} for w in self.waiting},
        }


FamilySource = Callable[[], Sequence[FamilyStatus]]
_sources: list[FamilySource] = []


def register(source: FamilySource) -> None:
    """The runner in this process says where its families' state is read."""
    _sources[:] = [source]


def unregister() -> None:
    _sources.clear()


def pipeline_health(reader: AbstractReader, now: datetime) -> PipelineHealth:
    families = tuple(_sources[0]()) if _sources else ()
    return PipelineHealth(now, families, waiting_work(reader, now), bool(_sources))


def waiting_work(reader: AbstractReader, now: datetime) -> tuple[WorkWaiting, ...]:
    """Outbox rows not yet done, by topic, with the age of the oldest."""
    with reader as s:
        rows = s.execute(select(OutboxRow.topic, func.count(), func.min(OutboxRow.created_at))
                         .where(OutboxRow.done_at.is_(None)).group_by(OutboxRow.topic)
                         .order_by(OutboxRow.topic)).all()
    return tuple(WorkWaiting(topic, count, max((now - _aware(oldest, now)).total_seconds(), 0.0))
                 for topic, count, oldest in rows)


def _aware(moment: datetime, now: datetime) -> datetime:
    return moment.replace(tzinfo=now.tzinfo) if moment.tzinfo is None else moment


def _seconds(now: datetime, since: datetime | None) -> str:
    return f"{(now - since).total_seconds():.0f} s" if since else "?"


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def health_text(health: PipelineHealth) -> str:
    """The plain-text summary /healthz and `tanggap status` print, first line ok or late."""
    lines = ["ok" if health.ok else "late: " + "; ".join(health.problems)]
    if not health.runner:
        lines.append("no flow runner in this process")
    for f in health.families:
        finished = f"last finished {(health.now - f.last_finished).total_seconds():.0f} s ago" if f.last_finished \
            else "not finished yet"
        running = f", running {f.running} for {f.running_for(health.now) or 0:.0f} s" if f.running else ""
        abandoned = f", {f.abandoned} run(s) abandoned" if f.abandoned else ""
        lines.append(f"{f.name}: {finished}{running}{abandoned}")
    for w in health.waiting:
        lines.append(f"waiting {w.topic}: {w.rows} row(s), oldest {w.oldest_seconds:.0f} s")
    return "\n".join(lines) + "\n"
