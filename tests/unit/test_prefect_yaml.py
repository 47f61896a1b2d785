"""prefect.yaml agrees with the flow registry (workflows/registry.py, FLOWS): one deployment per
registered flow, with its function as the entrypoint, its family as the work queue, and its
schedule to the minute in WITA."""

from __future__ import annotations

from pathlib import Path

import yaml

from workflows.registry import FAMILIES, FLOW_FAMILY, FLOWS, SCHEDULES

ROOT = Path(__file__).resolve().parents[2]
DEPLOYMENTS = {d["name"]: d for d in yaml.safe_load((ROOT / "prefect.yaml").read_text())["deployments"]}


def test_every_registered_flow_is_deployed_and_nothing_else_is() -> None:
    assert set(DEPLOYMENTS) == {f"tanggap-{name}" for name in FLOWS}


def test_each_deployment_runs_the_registered_function_in_its_familys_queue_with_a_limit() -> None:
    for name, flow in FLOWS.items():
        deployment = DEPLOYMENTS[f"tanggap-{name}"]
        assert deployment["entrypoint"] == f"workflows/flows.py:{flow.function}", name
        assert deployment["work_queue_name"] == flow.family, name
        assert deployment["concurrency_limit"] >= 1, name


def test_each_registered_function_is_a_prefect_flow_of_that_name() -> None:
    from workflows import flows  # tests/conftest.py has configured Prefect

    assert {getattr(flows, flow.function).name: name for name, flow in FLOWS.items()} == {n: n for n in FLOWS}


def test_the_schedules_are_the_registrys_to_the_minute_in_wita() -> None:
    deployed = {name.removeprefix("tanggap-"): d["schedules"] for name, d in DEPLOYMENTS.items() if d.get("schedules")}
    assert {flow: [s["cron"] for s in found] for flow, found in deployed.items()} == {
        flow: [cron] for flow, cron in SCHEDULES.items()}
    assert {s["timezone"] for found in deployed.values() for s in found} == {"Asia/Makassar"}
    assert SCHEDULES["month-end-allowance"] == "0 1 1 * *"  # one month-end time, in both modes


def test_every_family_has_flows_and_every_flow_a_known_family() -> None:
    assert set(FAMILIES) == set(FLOW_FAMILY.values())


def test_the_command_line_offers_exactly_the_registered_flows() -> None:
    from click import Choice

    from tanggap.cli.serve import flows_run

    [argument] = [p for p in flows_run.params if p.name == "name"]
    assert isinstance(argument.type, Choice)
    assert sorted(argument.type.choices) == sorted(FLOWS)
