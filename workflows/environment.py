"""Prefect's settings, applied in one place, before Prefect is imported."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def configure(data_dir: Path) -> None:
    """Quiet, private, self-cleaning Prefect under the data folder. Explicit settings win."""
    defaults = {
        "PREFECT_HOME": str(data_dir / "prefect"),
        "PREFECT_LOGGING_LEVEL": "WARNING",
        "DO_NOT_TRACK": "1",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        # Flow runs are kept only as long as the retention period; without this they pile up.
        "PREFECT_SERVER_SERVICES_DB_VACUUM_ENABLED": "events,flow_runs",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
    }
    for name, value in defaults.items():
        os.environ.setdefault(name, value)


@contextmanager
def without_heartbeats() -> Iterator[None]:
    """A sync flow run otherwise waits about a second on its heartbeat thread; the
    environment cannot express None, so this is done in code."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield
