"""Constants and text parsers that several intake modules share."""

from __future__ import annotations

import math
from datetime import datetime

from tanggap.display import WITA

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
        parsed = datetime.fromisoformat(raw.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=WITA)
