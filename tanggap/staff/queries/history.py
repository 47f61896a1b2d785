"""The configuration audit trail as the routing and calendars pages show it."""

from __future__ import annotations

from collections import defaultdict

from states.model import SUPERVISING
from tanggap import config_audit
from tanggap.access import StaffUser, require
from tanggap.config_audit import ConfigChange, ConfigSubject
from tanggap.reader import AbstractReader


def config_history(reader: AbstractReader, user: StaffUser, kind: ConfigSubject) -> dict[str, list[ConfigChange]]:
    """Each routed category's or calendar's changes, newest first: the first one is the last change."""
    require(user, SUPERVISING, "read the configuration history")
    found: dict[str, list[ConfigChange]] = defaultdict(list)
    for change in reversed(config_audit.history(reader, kind)):
        found[change.subject_key].append(change)
    return dict(found)
