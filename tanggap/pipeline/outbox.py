"""The outbox: side effects written with the change, claimed atomically by whoever runs them.

A claim is a lease: a worker that dies mid-batch loses nothing, because its rows become claimable
again when the lease runs out, and a row is marked done in the same transaction as the work it
stands for, so nothing is done twice.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from tanggap import commands as c
from tanggap.commands import Claim
from tanggap.context import Context
from tanggap.uow import AbstractUnitOfWork

log = logging.getLogger("tanggap.pipeline.outbox")
REPORT_SUBMITTED = "report.submitted"
CITIZEN_COMMENTED = "notify.commented"
OBJECTION_FILED = "notify.objection_filed"
OBJECTION_DECIDED = "notify.objection_decided"
NOTIFY_TOPICS = ("notify.assigned", "notify.responded", CITIZEN_COMMENTED, "sla.warning", "sla.breach",
                 OBJECTION_FILED, OBJECTION_DECIDED)


def claim_outbox(cmd: c.ClaimOutbox, ctx: Context) -> list[Claim]:
    """Lease up to `limit` pending rows to `worker`; other workers skip the rows leased here."""
    until = ctx.now + timedelta(seconds=cmd.lease_seconds)
    claims = ctx.uow.pipeline.lease(cmd.topics, cmd.worker, until, ctx.now, cmd.limit)
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
    uow.pipeline.give_up(claim.outbox_id, {**claim.payload, "error": reason, "given_up": True}, now)


def still_mine(uow: AbstractUnitOfWork, claims: Sequence[Claim], worker: str) -> list[Claim]:
    """The claims this worker still holds: an expired lease may have passed to another worker."""
    mine = uow.pipeline.held_by(worker, [claim.outbox_id for claim in claims])
    return [claim for claim in claims if claim.outbox_id in mine]


def mark_done(uow: AbstractUnitOfWork, claims: Sequence[Claim], now: datetime) -> None:
    uow.pipeline.mark_done([claim.outbox_id for claim in claims], now)


def release(uow: AbstractUnitOfWork, claims: Sequence[Claim]) -> None:
    """Give leased rows back before their lease runs out: the next run may claim them at once."""
    uow.pipeline.release([claim.outbox_id for claim in claims])


def pending_for(uow: AbstractUnitOfWork, topic: str, report_ids: Sequence[int]) -> set[int]:
    """Which of these reports still have a row of this topic waiting to be done."""
    return uow.pipeline.pending_reports(topic, report_ids)


def pending_topics(uow: AbstractUnitOfWork, topics: Sequence[str], now: datetime) -> set[str]:
    """The embedded runner's idle poll: one query, no flow run."""
    with uow:
        return uow.pipeline.pending_topics(topics, now)
