"""The configuration audit trail: which supervisor changed which routing or calendar field, when,
and from what to what. Allowance cuts rest on deadlines that this configuration decides, so every
change has to stay explainable.

The trail is append-only: rows are inserted in the transaction of the change they describe, and no
code path updates or deletes them."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from tanggap.context import Context
from tanggap.db import ConfigChangeRow
from tanggap.display import local_iso
from tanggap.uow import AbstractUnitOfWork


class ConfigSubject(StrEnum):
    CATEGORY = "category"
    CALENDAR = "calendar"


def record_changes(
    ctx: Context,
    actor: str,
    subject: ConfigSubject,
    key: str,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    note: str | None = None,
) -> list[str]:
    """Append one row per field whose value differs (a field missing on one side counts as null);
    nothing when nothing changed. Returns the changed fields."""
    changed = sorted(f for f in before.keys() | after.keys() if before.get(f) != after.get(f))
    note = (note or "").strip() or None
    ctx.uow.sla.add_config_changes(
        ConfigChangeRow(at=ctx.now, actor=actor, subject_kind=subject.value, subject_key=key, field=f,
                        old_value=before.get(f), new_value=after.get(f), note=note)
        for f in changed
    )
    return changed


def history(
    uow: AbstractUnitOfWork, kind: ConfigSubject | None = None, key: str | None = None
) -> list[ConfigChangeRow]:
    """Changes oldest first, optionally of one kind of subject and one key."""
    with uow:
        return uow.sla.config_changes(kind.value if kind is not None else None, key)


def change_view(row: ConfigChangeRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "at": local_iso(row.at),
        "actor": row.actor,
        "kind": row.subject_kind,
        "key": row.subject_key,
        "field": row.field,
        "old": row.old_value,
        "new": row.new_value,
        "note": row.note,
    }
