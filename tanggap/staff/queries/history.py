"""The configuration audit trail as the routing and calendars pages show it."""

from __future__ import annotations

from collections import defaultdict

from states.model import SUPERVISING
from tanggap import config_audit
from tanggap.access import StaffUser, require
from tanggap.config_audit import ConfigSubject
from tanggap.db import (
    ConfigChangeRow,
)
from tanggap.uow import AbstractUnitOfWork


def config_history(uow: AbstractUnitOfWork, user: StaffUser, kind: ConfigSubject) -> dict[str, list[ConfigChangeRow]]:
    """Each routed category's or calendar's changes, newest first: the first one is the last change."""
    require(user, SUPERVISING, "read the configuration history")
    found: dict[str, list[ConfigChangeRow]] = defaultdict(list)
    for row in reversed(config_audit.history(uow, kind)):
        found[row.subject_key].append(row)
    return dict(found)
