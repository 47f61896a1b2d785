"""The `tanggap` command, run as a real process: a whole report life from the shell."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

TANGGAP = str(Path(sys.executable).with_name("tanggap"))


class Shell:
    def __init__(self, data_dir: Path) -> None:
        self.env = {**os.environ, "TANGGAP_DATA_DIR": str(data_dir)}
        self.env.pop("TANGGAP_DATABASE_URL", None)

    def run(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run([TANGGAP, *args], env=self.env, capture_output=True, text=True, check=False)
        if ok:
            assert result.returncode == 0, result.stderr
        return result


@pytest.fixture(scope="module")
def shell(tmp_path_factory: pytest.TempPathFactory) -> Shell:
    sh = Shell(tmp_path_factory.mktemp("cli"))
    sh.run("db", "upgrade")
    sh.run("seed-demo", "--reports", "0")
    return sh


def test_a_report_goes_from_submission_to_closure_from_the_shell(shell: Shell) -> None:
    rid = shell.run(
        "report",
        "submit",
        "--description",
        "Jalan berlubang di depan Pasar Oeba",
        "--category",
        "jalan-rusak",
        "--lat",
        "-10.16",
        "--long",
        "123.59",
    ).stdout.strip()
    shell.run("report", "advance", rid, "classify", "--actor", "dispatch.yuliana", "--category", "jalan-rusak")
    shell.run("report", "advance", rid, "assign", "--actor", "dispatch.yuliana", "--officer", "pupr.yohanes")
    shell.run("report", "advance", rid, "respond", "--actor", "pupr.yohanes", "--response", "Sudah ditambal")
    shell.run("report", "advance", rid, "close", "--actor", "citizen")
    shown = json.loads(shell.run("report", "show", rid).stdout)
    assert {k: shown[k] for k in ("id", "state", "category", "opd", "officer")} == {
        "id": int(rid),
        "state": "closed",
        "category": "jalan-rusak",
        "opd": "PUPR",
        "officer": "pupr.yohanes",
    }
    assert [e["trigger"] for e in shown["events"]] == ["submit", "classify", "assign", "respond", "close"]


BAD = [
    (
        ["report", "submit", "--description", "x", "--category", "nope", "--address", "Jl. El Tari"],
        "category 'nope' does not exist",
    ),
    (["report", "show", "424242"], "report 424242 does not exist"),
    (["report", "advance", "1", "fly", "--actor", "citizen"], "'fly' is not one of"),
    (["user", "create", "Bad Name", "--role", "hr"], "username"),
    (["user", "create", "new.officer", "--role", "opd_officer"], "requires an OPD"),
    (["user", "create", "new.officer", "--role", "mayor"], "not a staff role"),
    (["user", "create", "new.officer", "--role", "opd_officer", "--opd", "NOPE"], "OPD 'NOPE' does not exist"),
]


@pytest.mark.parametrize(("args", "message"), BAD)
def test_bad_input_exits_non_zero_with_one_line_naming_the_problem(shell: Shell, args: list[str], message: str) -> None:
    result = shell.run(*args, ok=False)
    assert result.returncode != 0
    assert result.stderr.count("\n") == 1 and message in result.stderr


def test_a_wrong_step_is_refused_and_the_report_is_unchanged(shell: Shell) -> None:
    rid = shell.run(
        "report", "submit", "--description", "Sampah menumpuk", "--address", "Jl. Timor Raya"
    ).stdout.strip()
    result = shell.run("report", "advance", rid, "respond", "--actor", "pupr.yohanes", "--response", "x", ok=False)
    assert f"report #{rid} is submitted: 'respond' is not possible" in result.stderr
    assert len(json.loads(shell.run("report", "show", rid).stdout)["events"]) == 1


def test_user_create_prints_a_generated_password_once(shell: Shell) -> None:
    out = shell.run("user", "create", "dlhk.baru", "--role", "opd_officer", "--opd", "DLHK").stdout
    assert out.startswith("created dlhk.baru with password ")
    again = shell.run("user", "create", "dlhk.baru", "--role", "opd_officer", "--opd", "DLHK", ok=False)
    assert "already exists" in again.stderr
