"""The `tanggap` command, run as a real process, with settings it cannot use: it stops before doing
anything, with one line naming each variable, never a traceback, and never a secret repeated back."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tanggap.config import Settings, variables

TANGGAP = str(Path(sys.executable).with_name("tanggap"))


def tanggap(data_dir: Path, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    env = {name: value for name, value in os.environ.items() if name not in variables(Settings)}
    env |= {"TANGGAP_DATA_DIR": str(data_dir), **settings}
    return subprocess.run([TANGGAP, *args], env=env, capture_output=True, text=True, timeout=120, check=False)


def test_a_typo_in_a_setting_stops_the_command_with_one_line_naming_it(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    result = tanggap(data_dir, "report", "show", "1", TANGGAP_BATCH_SIZE="abc")
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == "error: TANGGAP_BATCH_SIZE: must be a positive whole number, got 'abc'\n"
    assert not data_dir.exists(), "it stopped before making the data folder"


def test_every_unusable_setting_is_named_and_no_secret_is_repeated(tmp_path: Path) -> None:
    result = tanggap(tmp_path, "db", "upgrade", TANGGAP_SMTP_URL="smtp://tanggap:rahasia-smtp@:25",
                     TANGGAP_SECRET_KEY="rahasia-pendek", TANGGAP_PREFECT_MODE="cloud")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert [line.split(":")[0] for line in result.stderr.removeprefix("error: ").split("; ")] == [
        "TANGGAP_SECRET_KEY", "TANGGAP_SMTP_URL", "TANGGAP_PREFECT_MODE"]
    assert "rahasia" not in result.stderr and "got 14 characters" in result.stderr


def test_help_needs_no_settings_since_nothing_is_read_at_import(tmp_path: Path) -> None:
    result = tanggap(tmp_path, "--help", TANGGAP_BATCH_SIZE="abc")
    assert result.returncode == 0 and "Usage: tanggap" in result.stdout
