"""Every setting, read from TANGGAP_* environment variables with defaults for a fresh machine."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

DISPLAY_TZ = "Asia/Makassar"


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, "").strip() or default


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, got {raw!r}") from None


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number, got {raw!r}") from None


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    quiet_period: timedelta = timedelta(hours=72)
    reopen_window: timedelta = timedelta(days=7)
    display_tz: str = DISPLAY_TZ

    @classmethod
    def from_env(cls) -> Settings:
        data_dir = Path(env_str("TANGGAP_DATA_DIR", "instance")).resolve()
        return cls(
            data_dir=data_dir,
            database_url=env_str("TANGGAP_DATABASE_URL", f"sqlite:///{data_dir / 'tanggap.db'}"),
            quiet_period=timedelta(hours=env_float("TANGGAP_QUIET_PERIOD_HOURS", 72)),
            reopen_window=timedelta(days=env_float("TANGGAP_REOPEN_WINDOW_DAYS", 7)),
        )

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
