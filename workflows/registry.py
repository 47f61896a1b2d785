"""The flow registry: which flows exist, the family each belongs to, its function in
workflows/flows.py and when it runs. Written once here and read by the embedded runner, the
command line's `flows run`, the health check, and the test that holds prefect.yaml to it.

A family's period is how often it is expected to finish a pass: /healthz answers 503 for a family
that has not finished one within twice its period. Its time limit bounds one flow run; a run past
it is abandoned and its outbox claims come back when their lease ends.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from tanggap.config import PipelineSettings
from tanggap.intake import FETCH_TOPIC, STORED_TOPIC
from tanggap.pipeline.outbox import NOTIFY_TOPICS, REPORT_SUBMITTED


@dataclass(frozen=True)
class Flow:
    family: str
    function: str  # its function in workflows/flows.py: prefect.yaml's entrypoint names the same
    schedule: str | None = None  # a cron expression in WITA, as prefect.yaml's schedule holds it


# In embedded mode the nightly family follows these schedules; the sweep and the quiet close run
# every TANGGAP_SWEEP_SECONDS and TANGGAP_QUIET_CLOSE_SECONDS there (defaults: a minute and ten
# minutes, as their schedules say).
FLOWS: dict[str, Flow] = {
    "process-reports": Flow("routing", "process_reports"),
    "tag-fetched-photos": Flow("routing", "tag_fetched_photos"),
    "enforce-sla": Flow("enforcement", "enforce_sla", "* * * * *"),
    "close-quiet-reports": Flow("enforcement", "close_quiet_reports", "*/10 * * * *"),
    "deliver-notifications": Flow("delivery", "deliver_notifications"),
    "fetch-media": Flow("fetching", "fetch_media_urls"),
    "month-end-allowance": Flow("nightly", "month_end_allowance", "0 1 1 * *"),  # 01:00 WITA on the 1st
    "retrain-tagger": Flow("nightly", "retrain_tagger", "0 2 * * *"),  # 02:00 WITA, the quietest hour
    # Started once by a process so that no report waits for Prefect's first start; in no family's loop.
    "warm-up": Flow("routing", "warm_up"),
}
WARM_UP = "warm-up"


@dataclass(frozen=True)
class FamilySpec:
    period: float  # seconds
    time_limit: float  # seconds for one flow run
    paced_by_sweep: bool = False  # its period follows TANGGAP_SWEEP_SECONDS

    def with_settings(self, pipeline: PipelineSettings) -> FamilySpec:
        return replace(self, period=max(pipeline.sweep_seconds, 30.0)) if self.paced_by_sweep else self


FAMILIES: dict[str, FamilySpec] = {
    "routing": FamilySpec(period=60.0, time_limit=120.0),
    "enforcement": FamilySpec(period=60.0, time_limit=120.0, paced_by_sweep=True),
    "delivery": FamilySpec(period=120.0, time_limit=240.0),
    "fetching": FamilySpec(period=300.0, time_limit=240.0),
    "nightly": FamilySpec(period=86_400.0, time_limit=3_600.0),
}

# Views of the registry, derived from it.
FLOW_FAMILY: dict[str, str] = {name: flow.family for name, flow in FLOWS.items()}
SCHEDULES: dict[str, str] = {name: flow.schedule for name, flow in FLOWS.items() if flow.schedule}
DAILY = tuple(name for name, flow in FLOWS.items() if flow.family == "nightly" and flow.schedule)

TOPIC_FAMILY: dict[str, str] = {
    REPORT_SUBMITTED: "routing",
    STORED_TOPIC: "routing",
    FETCH_TOPIC: "fetching",
    **{topic: "delivery" for topic in NOTIFY_TOPICS},
}
