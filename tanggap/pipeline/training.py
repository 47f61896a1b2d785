"""The category head learns from staff: labels come in as people classify, the head is retrained
and kept only when it does at least as well as the one in use on the same held-out labels."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from cv.head import CategoryHead, stratified_split, train_head
from tanggap import commands as c
from tanggap.context import Context
from tanggap.db import TaggerHeadRow
from tanggap.pipeline.processing import active_head
from tanggap.uow import AbstractUnitOfWork

HOLDOUT = 0.25
SEED = 2026


def _labelled(uow: AbstractUnitOfWork, model_sha: str) -> tuple[npt.NDArray[np.float32], list[str]]:
    """Each labelled report's embedding and its latest label; reports tagged by another model are left out."""
    rows = uow.pipeline.labelled_embeddings(model_sha)
    latest = {rid: (category, embedding) for rid, category, embedding in rows if embedding is not None}
    if not latest:
        return np.zeros((0, 0), dtype=np.float32), []
    vectors = np.stack([np.frombuffer(bytes(e), dtype=np.float32) for _, e in latest.values()])
    return vectors, [category for category, _ in latest.values()]


def accuracy(head: CategoryHead | None, x: npt.NDArray[np.float32], y: list[str]) -> float:
    """Share of held-out labels the head gets right; an abstention counts as wrong."""
    if head is None or not y:
        return -1.0
    predictions = head.predict_many(x)
    return sum(p.category == label for p, label in zip(predictions, y, strict=True)) / len(y)


def retrain_tagger(cmd: c.RetrainTagger, ctx: Context) -> dict[str, Any]:
    if not cmd.model_sha:
        return {"status": "skipped", "reason": "the photo model is unavailable"}
    x, y = _labelled(ctx.uow, cmd.model_sha)
    current = active_head(ctx.uow)
    if len(set(y)) < 2:
        return {"status": "skipped", "reason": f"{len(y)} labels; at least two categories are needed"}
    if current is not None and current[1].label_count == len(y) and current[1].model_sha256 == cmd.model_sha:
        return {"status": "skipped", "reason": "no new labels since the last training"}
    labels = np.array(y)
    train, test = stratified_split(labels, HOLDOUT, SEED)
    candidate = train_head(x[train], [y[i] for i in train], cmd.model_sha)
    held_out = [y[i] for i in test]
    new, old = accuracy(candidate, x[test], held_out), accuracy(current[1] if current else None, x[test], held_out)
    if current is not None and new < old:
        return {"status": "kept", "accuracy": new, "current_accuracy": old, "labels": len(y)}
    _activate(ctx, train_head(x, y, cmd.model_sha), {"accuracy": new, "previous_accuracy": old})
    return {"status": "trained", "accuracy": new, "previous_accuracy": old, "labels": len(y)}


def _activate(ctx: Context, head: CategoryHead, comparison: dict[str, float]) -> None:
    ctx.uow.pipeline.activate_head(TaggerHeadRow(
        artefact=head.to_bytes(), model_sha=head.model_sha256, method=head.method.value,
        label_count=head.label_count, metrics={"holdout": head.summary()["holdout"], **comparison}, active=True,
        trained_at=ctx.now))


HANDLERS: dict[type[c.Command], Callable[..., Any]] = {c.RetrainTagger: retrain_tagger}
