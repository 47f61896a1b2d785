"""`tanggap objection file|decide` and `tanggap month close`, run as real processes on the real clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.e2e.test_cli import Shell

PHOTO = Path(__file__).resolve().parents[1] / "fixtures" / "photos" / "chelsea.jpg"


@pytest.fixture(scope="module")
def shell(tmp_path_factory: pytest.TempPathFactory) -> Shell:
    sh = Shell(tmp_path_factory.mktemp("cli-objections"))
    sh.run("db", "upgrade")
    sh.run("seed-demo", "--reports", "0")
    return sh


def a_breach(shell: Shell) -> tuple[int, str]:
    """A ticket held by pupr.yohanes, swept ten days on: its response breach's id and month."""
    rid = shell.run("report", "submit", "--description", "Jalan berlubang di Oebobo", "--category", "jalan-rusak",
                    "--lat", "-10.16", "--long", "123.59").stdout.strip()
    shell.run("report", "advance", rid, "classify", "--actor", "dispatch.yuliana", "--category", "jalan-rusak")
    shell.run("report", "advance", rid, "assign", "--actor", "dispatch.yuliana", "--officer", "pupr.yohanes")
    later = datetime.now(UTC) + timedelta(days=10)
    shell.run("sla", "sweep", "--now", later.isoformat())
    exported = shell.run("breaches", "export", "--month", f"{later:%Y-%m}", "--officer", "pupr.yohanes").stdout
    line = next(row for row in exported.splitlines() if f",{rid}," in row and "Tanggapan" in row)
    month = line.split(",")[7][:7]  # the due time, WITA
    return int(line.split(",")[0].lstrip("\ufeff")), month


def test_an_objection_is_filed_with_a_photo_and_accepted_from_the_shell(shell: Shell) -> None:
    breach, month = a_breach(shell)
    other = shell.run("objection", "file", str(breach), "--actor", "pupr.frans", "--reason", "other",
                      "--text", "bukan saya", ok=False)
    assert other.returncode == 1
    assert other.stderr.strip() == (f"error: pupr.frans may not object to breach #{breach}: "
                                    "it is pupr.yohanes's, not theirs")
    filed = shell.run("objection", "file", str(breach), "--actor", "pupr.yohanes", "--reason", "citizen_unreachable",
                      "--text", "Telepon warga tidak aktif", "--evidence", str(PHOTO)).stdout
    objection = int(filed.split("#")[1].split()[0])
    assert filed.strip() == f"objection #{objection} filed against breach #{breach}; the supervisors are notified"
    again = shell.run("objection", "file", str(breach), "--actor", "pupr.yohanes", "--reason", "other",
                      "--text", "sekali lagi", ok=False)
    assert f"breach #{breach} already has objection #{objection} waiting" in again.stderr
    shown = shell.run("allowance", "--month", month).stdout
    assert f"diajukan: #{breach}" in shown
    decided = shell.run("objection", "decide", str(objection), "--actor", "spv.elisabeth", "--accept",
                        "--reason", "Bukti panggilan cukup").stdout
    assert decided.strip() == f"objection #{objection} accepted: the breach is waived"
    assert f"dibebaskan: #{breach}" in shell.run("allowance", "--month", month).stdout
    assert shell.run("ledger", "verify").stdout.startswith("ledger intact")


def test_a_month_closes_once_and_its_allowance_reprints_byte_for_byte(shell: Shell) -> None:
    this_month = f"{datetime.now(UTC) + timedelta(hours=8):%Y-%m}"
    early = shell.run("month", "close", this_month, "--actor", "hr.theresia", ok=False)
    assert early.returncode == 1
    assert f"error: {this_month} cannot be closed yet: the month has not ended" in early.stderr
    shell.run("allowance-policy", '{"shape": "per_breach", "percent_per_breach": 2, "monthly_cap": 10}',
              "--from-month", "2020-01", "--actor", "hr.theresia")
    closed = shell.run("month", "close", "2020-01", "--actor", "hr.theresia").stdout
    assert closed.startswith("2020-01 closed by hr.theresia on ")
    kept = Path(shell.env["TANGGAP_DATA_DIR"]) / "exports" / "2020-01" / "allowance.json"
    assert str(kept) in closed
    first = shell.run("allowance", "--month", "2020-01", "--json")
    second = shell.run("allowance", "--month", "2020-01", "--json")
    assert first.stdout.encode() == second.stdout.encode() == kept.read_bytes()
    assert '"month": "2020-01"' in first.stdout
    again = shell.run("month", "close", "2020-01", "--actor", "hr.theresia", ok=False)
    assert "error: month: 2020-01 was closed by hr.theresia on" in again.stderr


def test_closing_a_month_with_hrs_key_seals_it_and_the_seal_checks_the_ledger(shell: Shell, tmp_path: Path) -> None:
    key = tmp_path / "hr-seal.key"
    made = shell.run("seal", "keygen", "--output", str(key)).stdout
    public = made.splitlines()[-1].removeprefix("public key: ")
    assert public.startswith("ed25519:") and oct(key.stat().st_mode & 0o777) == "0o600"
    shell.run("allowance-policy", '{"shape": "per_breach", "percent_per_breach": 2, "monthly_cap": 10}',
              "--from-month", "2020-02", "--actor", "hr.theresia")
    sealing = Shell(Path(shell.env["TANGGAP_DATA_DIR"]))
    sealing.env["TANGGAP_SEAL_KEY"] = str(key)
    closed = sealing.run("month", "close", "2020-02", "--actor", "hr.theresia").stdout
    seal_file = Path(shell.env["TANGGAP_DATA_DIR"]) / "exports" / "2020-02" / "seal-2020-02.json"
    sealed_line = next(line for line in closed.splitlines() if line.startswith("sealed: "))
    fingerprint = sealed_line.split("fingerprint ")[1]
    assert sealed_line.startswith(f"sealed: {seal_file}") and len(fingerprint) == 19 and fingerprint.count("-") == 3
    checked = shell.run("ledger", "verify", "--seal", str(seal_file), "--public-key", public).stdout
    assert f"seal of 2020-02 ({fingerprint}): signature valid" in checked
    assert "ledger intact" in checked
    # Without the key on this machine the month still closes, and the output says how to seal it later.
    unsealed = shell.run("month", "close", "2020-03", "--actor", "hr.theresia").stdout
    assert unsealed.splitlines()[-1] == ("not sealed: TANGGAP_SEAL_KEY is not set; once it is, run "
                                         "`tanggap seal write --month 2020-03`")
    assert not (seal_file.parent.parent / "2020-03" / "seal-2020-03.json").exists()
