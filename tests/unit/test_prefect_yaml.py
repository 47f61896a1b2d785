"""prefect.yaml agrees with the flow registry: every flow has a deployment in its family's queue."""

from __future__ import annotations

from pathlib import Path

import yaml

from workflows.families import FAMILIES, FLOW_FAMILY, SCHEDULES

ROOT = Path(__file__).resolve().parents[2]
DEPLOYMENTS = {d["name"]: d for d in yaml.safe_load((ROOT / "prefect.yaml").read_text())["deployments"]}


def test_every_flow_of_every_family_is_deployed_in_its_familys_queue_with_a_limit() -> None:
    for flow, family in FLOW_FAMILY.items():
        deployment = DEPLOYMENTS[f"tanggap-{flow}"]
        assert deployment["work_queue_name"] == family, flow
        assert deployment["concurrency_limit"] >= 1, flow


def test_the_deployed_entrypoints_are_the_registered_flows() -> None:
    from workflows import flows  # tests/conftest.py has configured Prefect

    for name, deployment in DEPLOYMENTS.items():
        module, function = deployment["entrypoint"].split(":")
        assert module == "workflows/flows.py"
        assert getattr(flows, function).name == name.removeprefix("tanggap-")
    assert set(DEPLOYMENTS) == {f"tanggap-{name}" for name in flows.FLOWS}


def test_the_warm_up_flow_is_deployed_so_server_mode_starts_without_an_error() -> None:
    assert DEPLOYMENTS["tanggap-warm-up"]["entrypoint"] == "workflows/flows.py:warm_up"
    assert set(FAMILIES) == set(FLOW_FAMILY.values())


def test_the_schedules_are_the_registrys_to_the_minute_in_wita() -> None:
    deployed = {name.removeprefix("tanggap-"): d["schedules"] for name, d in DEPLOYMENTS.items() if d.get("schedules")}
    assert {flow: [s["cron"] for s in found] for flow, found in deployed.items()} == {
        flow: [cron] for flow, cron in SCHEDULES.items()}
    assert {s["timezone"] for found in deployed.values() for s in found} == {"Asia/Makassar"}


def test_every_registered_flow_belongs_to_a_family_and_every_family_flow_is_registered() -> None:
    from workflows import flows

    assert set(flows.FLOWS) - {"warm-up"} == set(FLOW_FAMILY)
