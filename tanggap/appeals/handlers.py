"""The appeals process's commands and their handlers, for the bus."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tanggap import commands as c
from tanggap.appeals.commands import CloseMonth, DecideObjection, FileObjection
from tanggap.appeals.months import close_month
from tanggap.appeals.objections import decide_objection, file_objection

HANDLERS: dict[type[c.Command], Callable[..., Any]] = {
    FileObjection: file_objection,
    DecideObjection: decide_objection,
    CloseMonth: close_month,
}
