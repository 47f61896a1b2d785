"""The configuration audit trail: which supervisor changed which routing or calendar field, when,
and from what to what. Allowance cuts rest on deadlines that this configuration decides, so every
change has to stay explainable.

The trail is append-only: rows are inserted in the transaction of the change they describe, and no
code path updates or deletes them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tanggap.context import Context
from tanggap.db import ConfigChangeRow
from tanggap.display import local_iso
from tanggap.reader import AbstractReader, plain


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


@dataclass(frozen=True)
class ConfigChange:
    """One recorded change of one field, as the pages and `tanggap config history` show it."""

    id: int
    at: datetime
    actor: str
    subject_kind: str
    subject_key: str
    field: str
    old_value: Any
    new_value: Any
    note: str | None


def history(
    reader: AbstractReader, kind: ConfigSubject | None = None, key: str | None = None
) -> list[ConfigChange]:
    """Changes oldest first, optionally of one kind of subject and one key."""
    with reader as s:
        return [plain(ConfigChange, row) for row in changes(s, kind.value if kind is not None else None, key)]


def changes(s: Session, kind: str | None = None, key: str | None = None) -> list[ConfigChangeRow]:
    """The trail oldest first, optionally of one kind of subject and one key (the SLA repository
    reads it with this too, for the replay's calendars as they stood)."""
    query = select(ConfigChangeRow).order_by(ConfigChangeRow.at, ConfigChangeRow.id)
    if kind is not None:
        query = query.where(ConfigChangeRow.subject_kind == kind)
    if key is not None:
        query = query.where(ConfigChangeRow.subject_key == key)
    return list(s.scalars(query))


def change_view(change: ConfigChange) -> dict[str, Any]:
    return {
        "id": change.id,
        "at": local_iso(change.at),
        "actor": change.actor,
        "kind": change.subject_kind,
        "key": change.subject_key,
        "field": change.field,
        "old": change.old_value,
        "new": change.new_value,
        "note": change.note,
    }
