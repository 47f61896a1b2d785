"""Which flows exist, the family each belongs to, and how long each family may take: written once,
read by the embedded runner, the health check and the test that holds prefect.yaml to it.

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
class FamilySpec:
    flows: tuple[str, ...]
    period: float  # seconds
    time_limit: float  # seconds for one flow run

    def with_settings(self, pipeline: PipelineSettings) -> FamilySpec:
        if "enforce-sla" in self.flows:
            return replace(self, period=max(pipeline.sweep_seconds, 30.0))
        return self


FAMILIES: dict[str, FamilySpec] = {
    "routing": FamilySpec(("process-reports", "tag-fetched-photos"), period=60.0, time_limit=120.0),
    "enforcement": FamilySpec(("enforce-sla", "close-quiet-reports"), period=60.0, time_limit=120.0),
    "delivery": FamilySpec(("deliver-notifications",), period=120.0, time_limit=240.0),
    "fetching": FamilySpec(("fetch-media",), period=300.0, time_limit=240.0),
    "nightly": FamilySpec(("retrain-tagger", "month-end-allowance"), period=86_400.0, time_limit=3_600.0),
}

# When the timed flows run: cron expressions in WITA, exactly as prefect.yaml's schedules hold them
# (tests/unit/test_prefect_yaml.py compares the two). In embedded mode the nightly family follows
# these; the sweep and the quiet close run every TANGGAP_SWEEP_SECONDS and
# TANGGAP_QUIET_CLOSE_SECONDS there (defaults: a minute and ten minutes, as below).
SCHEDULES: dict[str, str] = {
    "enforce-sla": "* * * * *",
    "close-quiet-reports": "*/10 * * * *",
    "month-end-allowance": "0 1 1 * *",  # 01:00 WITA on the 1st: last month's breach log and cuts
    "retrain-tagger": "0 2 * * *",  # 02:00 WITA, the quietest hour
}
DAILY = ("month-end-allowance", "retrain-tagger")  # the nightly family's timed flows

FLOW_FAMILY: dict[str, str] = {flow: family for family, spec in FAMILIES.items() for flow in spec.flows}

TOPIC_FAMILY: dict[str, str] = {
    REPORT_SUBMITTED: "routing",
    STORED_TOPIC: "routing",
    FETCH_TOPIC: "fetching",
    **{topic: "delivery" for topic in NOTIFY_TOPICS},
}
