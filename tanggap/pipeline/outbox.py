"""The outbox: side effects written with the change, claimed atomically by whoever runs them.

A claim is a lease: a worker that dies mid-batch loses nothing, because its rows become claimable
again when the lease runs out, and a row is marked done in the same transaction as the work it
stands for, so nothing is done twice.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update

from tanggap import commands as c
from tanggap.commands import Claim
from tanggap.context import Context
from tanggap.db import OutboxRow
from tanggap.uow import AbstractUnitOfWork

log = logging.getLogger("tanggap.pipeline.outbox")
REPORT_SUBMITTED = "report.submitted"
CITIZEN_COMMENTED = "notify.commented"
OBJECTION_FILED = "notify.objection_filed"
OBJECTION_DECIDED = "notify.objection_decided"
NOTIFY_TOPICS = ("notify.assigned", "notify.responded", CITIZEN_COMMENTED, "sla.warning", "sla.breach",
                 OBJECTION_FILED, OBJECTION_DECIDED)


def claimable(topics: Sequence[str], now: datetime) -> Any:
    return and_(
        OutboxRow.topic.in_(topics), OutboxRow.done_at.is_(None),
        or_(OutboxRow.claimed_until.is_(None), OutboxRow.claimed_until < now),
    )


def claim_outbox(cmd: c.ClaimOutbox, ctx: Context) -> list[Claim]:
    """Lease up to `limit` pending rows to `worker`. Concurrent workers on PostgreSQL skip each
    other's rows; on SQLite the write lock serialises them."""
    pending = (select(OutboxRow.id).where(claimable(cmd.topics, ctx.now)).order_by(OutboxRow.id)
               .limit(cmd.limit).with_for_update(skip_locked=True))
    claimed = (update(OutboxRow).where(OutboxRow.id.in_(pending.scalar_subquery()))
               .values(claimed_by=cmd.worker, claimed_until=ctx.now + timedelta(seconds=cmd.lease_seconds),
                       attempts=OutboxRow.attempts + 1)
               .returning(OutboxRow.id, OutboxRow.topic, OutboxRow.report_id, OutboxRow.payload, OutboxRow.attempts))
    rows = ctx.uow.session.execute(claimed, execution_options={"synchronize_session": False})
    claims = sorted((Claim(*row) for row in rows), key=lambda claim: claim.outbox_id)
    if cmd.max_attempts is None:
        return claims
    spent = [claim for claim in claims if claim.attempts > cmd.max_attempts]
    for claim in spent:
        # Attempts are counted when claimed, so a job that kills its worker before recording
        # anything still runs out of attempts instead of coming back after every lease.
        give_up(ctx.uow, claim, f"given up after {cmd.max_attempts} attempts that never finished", ctx.now)
    return [claim for claim in claims if claim.attempts <= cmd.max_attempts]


def give_up_claims(cmd: c.GiveUpClaims, ctx: Context) -> int:
    """Give up on the rows this worker still holds; returns how many."""
    mine = still_mine(ctx.uow, cmd.claims, cmd.worker)
    for claim in mine:
        give_up(ctx.uow, claim, cmd.reason, ctx.now)
    return len(mine)


def give_up(uow: AbstractUnitOfWork, claim: Claim, reason: str, now: datetime) -> None:
    """Mark a row done without its work, keeping why, so staff can see what was given up on."""
    log.error("outbox row %s (%s, report #%s) given up: %s", claim.outbox_id, claim.topic, claim.report_id, reason)
    payload = {**claim.payload, "error": reason, "given_up": True}
    uow.session.execute(update(OutboxRow).where(OutboxRow.id == claim.outbox_id)
                        .values(done_at=now, claimed_until=None, payload=payload),
                        execution_options={"synchronize_session": False})


def still_mine(uow: AbstractUnitOfWork, claims: Sequence[Claim], worker: str) -> list[Claim]:
    """The claims this worker still holds: an expired lease may have passed to another worker."""
    ids = [claim.outbox_id for claim in claims]
    mine = set(uow.session.scalars(select(OutboxRow.id).where(
        OutboxRow.id.in_(ids), OutboxRow.claimed_by == worker, OutboxRow.done_at.is_(None)
    ).with_for_update()))
    return [claim for claim in claims if claim.outbox_id in mine]


def mark_done(uow: AbstractUnitOfWork, claims: Sequence[Claim], now: datetime) -> None:
    _update_claimed(uow, claims, done_at=now)


def release(uow: AbstractUnitOfWork, claims: Sequence[Claim]) -> None:
    """Give leased rows back before their lease runs out: the next run may claim them at once."""
    _update_claimed(uow, claims, claimed_by=None, claimed_until=None)


def _update_claimed(uow: AbstractUnitOfWork, claims: Sequence[Claim], **values: Any) -> None:
    if claims:
        uow.session.execute(update(OutboxRow).where(OutboxRow.id.in_([cl.outbox_id for cl in claims]))
                            .values(**values), execution_options={"synchronize_session": False})


def pending_for(uow: AbstractUnitOfWork, topic: str, report_ids: Sequence[int]) -> set[int]:
    """Which of these reports still have a row of this topic waiting to be done."""
    if not report_ids:
        return set()
    return {rid for rid in uow.session.scalars(select(OutboxRow.report_id).where(
        OutboxRow.topic == topic, OutboxRow.report_id.in_(report_ids), OutboxRow.done_at.is_(None)))
        if rid is not None}


def pending_topics(uow: AbstractUnitOfWork, topics: Sequence[str], now: datetime) -> set[str]:
    """The embedded runner's idle poll: one query on the pending-rows index, no flow run."""
    with uow:
        return set(uow.session.scalars(select(OutboxRow.topic).where(claimable(topics, now)).distinct()))
