"""Constants and text parsers that several intake modules share."""

from __future__ import annotations

import math
from datetime import datetime

from tanggap.wita import TimeInputError, parse_time

FETCH_TOPIC = "photo.fetch"
STORED_TOPIC = "photo.stored"
MAX_FIELD = 200


def _is_number(raw: str) -> bool:
    try:
        return math.isfinite(float(raw))
    except ValueError:
        return False


def _parse_datetime(raw: str) -> datetime | None:
    """ISO 8601; a time without a zone is read in WITA, the city's time."""
    try:
        return parse_time(raw, "datetime", naive_is_wita=True)
    except TimeInputError:
        return None
