"""Settings from the environment: each variable's default, what it accepts, and the one line that
names it when its value cannot be used."""

from __future__ import annotations

import base64
from datetime import timedelta
from functools import reduce
from pathlib import Path

import pytest
from pydantic import ValidationError

from tanggap.config import ConfigError, PipelineSettings, PrefectMode, Settings, variables

PUBLIC_KEY = "ed25519:" + base64.b64encode(bytes(range(32))).decode()


@pytest.fixture(autouse=True)
def nothing_set(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in variables(Settings):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def read(path: str) -> object:
    return reduce(getattr, path.split("."), Settings.from_env())


def refusal(monkeypatch: pytest.MonkeyPatch, name: str, raw: str) -> str:
    monkeypatch.setenv(name, raw)
    with pytest.raises(ConfigError) as refused:
        Settings.from_env()
    return str(refused.value)


# The defaults as they were when every setting was read by hand: a fresh machine runs as before.
DEFAULTS = {
    "quiet_period": timedelta(hours=72),
    "reopen_window": timedelta(days=7),
    "objection_window_days": 5,
    "secret_key": "",
    "annual_target": 30_000,
    "seal_key": None,
    "seal_public_key": "",
    "intake.city_box": (-10.25, 123.50, -10.10, 123.70),
    "intake.max_photo_bytes": 10 * 1024 * 1024,
    "intake.max_photo_pixels": 24_000_000,
    "intake.submission_rate_limit_ip": "10 per minute;100 per day",
    "intake.duplicate_window": timedelta(minutes=10),
    "intake.rate_limit_ip": "600 per minute",
    "intake.rate_limit_api_key": "3000 per minute",
    "intake.redis_url": "",
    "intake.media_fetch_timeout": 10.0,
    "intake.media_fetch_max_bytes": 10 * 1024 * 1024,
    "intake.media_fetch_allow_private": False,
    "intake.media_fetch_ports": (80, 443),
    "map.tiles": "",
    "map.attribution": "",
    "web.trusted_proxies": 0,
    "web.public_url": "",
    "web.login_rate_limit_ip": "30 per minute",
    "web.login_rate_limit_global": "600 per minute",
    "web.workers": 1,
    "pipeline.batch_size": 64,
    "pipeline.poll_seconds": 1.0,
    "pipeline.sweep_seconds": 60.0,
    "pipeline.quiet_close_seconds": 600.0,
    "pipeline.claim_lease_seconds": 300,
    "pipeline.tagger_threads": 1,
    "pipeline.model_path": "",
    "pipeline.smtp_url": "",
    "pipeline.mail_from": "tanggap@localhost",
    "pipeline.prefect_mode": PrefectMode.EMBEDDED,
}


def test_with_nothing_set_every_setting_has_its_old_default(tmp_path: Path) -> None:
    settings = Settings.from_env()
    assert {path: reduce(getattr, path.split("."), settings) for path in DEFAULTS} == DEFAULTS
    here = tmp_path.resolve() / "instance"
    assert (settings.data_dir, settings.database_url) == (here, f"sqlite:///{here / 'tanggap.db'}")


def test_each_setting_reads_exactly_one_variable_of_its_own() -> None:
    """A variable shared by two settings would leave one of them out of this map."""
    names = variables(Settings)
    assert sorted(names.values()) == sorted([*DEFAULTS, "data_dir", "database_url"])
    assert all(name.startswith("TANGGAP_") for name in names if name != "WEB_CONCURRENCY")


ACCEPTED = [
    ("TANGGAP_QUIET_PERIOD_HOURS", " 1.5 ", "quiet_period", timedelta(hours=1.5)),
    ("TANGGAP_REOPEN_WINDOW_DAYS", "0", "reopen_window", timedelta(0)),
    ("TANGGAP_OBJECTION_WINDOW_DAYS", "10", "objection_window_days", 10),
    ("TANGGAP_SECRET_KEY", "k" * 32, "secret_key", "k" * 32),
    ("TANGGAP_SEAL_PUBLIC_KEY", PUBLIC_KEY, "seal_public_key", PUBLIC_KEY),
    ("TANGGAP_DATABASE_URL", "postgresql+psycopg://tanggap_app:x@127.0.0.1/tanggap", "database_url",
     "postgresql+psycopg://tanggap_app:x@127.0.0.1/tanggap"),
    ("TANGGAP_CITY_BOX", "-10.3, 123.4, -10.0, 123.8", "intake.city_box", (-10.3, 123.4, -10.0, 123.8)),
    ("TANGGAP_DUPLICATE_WINDOW_MINUTES", "2.5", "intake.duplicate_window", timedelta(minutes=2.5)),
    ("TANGGAP_MEDIA_FETCH_PORTS", "80, 8080", "intake.media_fetch_ports", (80, 8080)),
    ("TANGGAP_MEDIA_FETCH_ALLOW_PRIVATE", "yes", "intake.media_fetch_allow_private", True),
    ("TANGGAP_MEDIA_FETCH_ALLOW_PRIVATE", "OFF", "intake.media_fetch_allow_private", False),
    ("TANGGAP_SUBMISSION_RATE_LIMIT_IP", "5 per minute;50 per day", "intake.submission_rate_limit_ip",
     "5 per minute;50 per day"),
    ("TANGGAP_REDIS_URL", "redis://127.0.0.1:6379/0", "intake.redis_url", "redis://127.0.0.1:6379/0"),
    ("TANGGAP_MAP_TILES", "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "map.tiles",
     "https://tile.openstreetmap.org/{z}/{x}/{y}.png"),
    ("TANGGAP_PUBLIC_URL", "https://tanggap.kupangkota.go.id/", "web.public_url", "https://tanggap.kupangkota.go.id"),
    ("TANGGAP_TRUSTED_PROXIES", "2", "web.trusted_proxies", 2),
    ("WEB_CONCURRENCY", "4", "web.workers", 4),
    ("TANGGAP_POLL_SECONDS", "0.5", "pipeline.poll_seconds", 0.5),
    ("TANGGAP_SMTP_URL", "smtps://tanggap:rahasia@mail.kupangkota.go.id:465", "pipeline.smtp_url",
     "smtps://tanggap:rahasia@mail.kupangkota.go.id:465"),
    ("TANGGAP_MAIL_FROM", "Tanggap <tanggap@kupangkota.go.id>", "pipeline.mail_from",
     "Tanggap <tanggap@kupangkota.go.id>"),
    ("TANGGAP_PREFECT_MODE", "server", "pipeline.prefect_mode", PrefectMode.SERVER),
]


@pytest.mark.parametrize(("name", "raw", "path", "value"), ACCEPTED)
def test_a_usable_value_is_read_into_its_setting(
    monkeypatch: pytest.MonkeyPatch, name: str, raw: str, path: str, value: object
) -> None:
    monkeypatch.setenv(name, raw)
    assert read(path) == value


REFUSED = [
    ("TANGGAP_BATCH_SIZE", "abc", "must be a positive whole number, got 'abc'"),
    ("TANGGAP_BATCH_SIZE", "0", "must be a positive whole number, got '0'"),
    ("TANGGAP_CLAIM_LEASE_SECONDS", "1.5", "must be a positive whole number, got '1.5'"),
    ("TANGGAP_TAGGER_THREADS", "-1", "must be a positive whole number, got '-1'"),
    ("TANGGAP_OBJECTION_WINDOW_DAYS", "lima", "must be a positive whole number, got 'lima'"),
    ("TANGGAP_MAX_PHOTO_BYTES", "10MB", "must be a positive whole number, got '10MB'"),
    ("TANGGAP_MEDIA_FETCH_MAX_BYTES", "0", "must be a positive whole number, got '0'"),
    ("WEB_CONCURRENCY", "two", "must be a positive whole number, got 'two'"),
    ("TANGGAP_TRUSTED_PROXIES", "-1", "must be a whole number, 0 or more, got '-1'"),
    ("TANGGAP_POLL_SECONDS", "0", "must be a positive number of seconds, got '0'"),
    ("TANGGAP_SWEEP_SECONDS", "sekali", "must be a positive number of seconds, got 'sekali'"),
    ("TANGGAP_QUIET_CLOSE_SECONDS", "-600", "must be a positive number of seconds, got '-600'"),
    ("TANGGAP_MEDIA_FETCH_TIMEOUT", "nan", "must be a positive number of seconds, got 'nan'"),
    ("TANGGAP_QUIET_PERIOD_HOURS", "-1", "must be a positive number of hours, got '-1'"),
    ("TANGGAP_REOPEN_WINDOW_DAYS", "seminggu", "must be a number of days, 0 or more, got 'seminggu'"),
    ("TANGGAP_DUPLICATE_WINDOW_MINUTES", "0", "must be a positive number of minutes, got '0'"),
    ("TANGGAP_MEDIA_FETCH_ALLOW_PRIVATE", "maybe", "must be true or false (1, yes, on / 0, no, off), got 'maybe'"),
    ("TANGGAP_MEDIA_FETCH_PORTS", "80,70000",
     "must be comma-separated port numbers from 1 to 65535, like 80,443, got '80,70000'"),
    ("TANGGAP_MEDIA_FETCH_PORTS", "http", "must be comma-separated port numbers from 1 to 65535, like 80,443, "
     "got 'http'"),
    ("TANGGAP_CITY_BOX", "1,2,3", "must be four numbers 'min_lat,min_long,max_lat,max_long', got '1,2,3'"),
    ("TANGGAP_CITY_BOX", "-10.10,123.50,-10.25,123.70",
     "must be a box on the globe whose minimums lie below its maximums, got '-10.10,123.50,-10.25,123.70'"),
    ("TANGGAP_CITY_BOX", "-100,123.50,-10.10,123.70",
     "must be a box on the globe whose minimums lie below its maximums, got '-100,123.50,-10.10,123.70'"),
    ("TANGGAP_RATE_LIMIT_IP", "banyak", "must be limits like '10 per minute;100 per day', each of at least 1, "
     "got 'banyak'"),
    ("TANGGAP_LOGIN_RATE_LIMIT_GLOBAL", "0 per minute", "must be limits like '10 per minute;100 per day', "
     "each of at least 1, got '0 per minute'"),
    ("TANGGAP_REDIS_URL", "http://127.0.0.1:6379", "must be a Redis URL like redis://127.0.0.1:6379/0, "
     "got 'http://127.0.0.1:6379'"),
    ("TANGGAP_PUBLIC_URL", "tanggap.kupangkota.go.id", "must be the site's address like "
     "https://tanggap.example.go.id, got 'tanggap.kupangkota.go.id'"),
    ("TANGGAP_MAP_TILES", "https://tiles.example.id/{z}/{x}.png", "must be a tile URL like "
     "https://tile.openstreetmap.org/{z}/{x}/{y}.png, got 'https://tiles.example.id/{z}/{x}.png'"),
    ("TANGGAP_MAIL_FROM", "tanggap", "must be an e-mail address like tanggap@kupangkota.go.id, got 'tanggap'"),
    ("TANGGAP_PREFECT_MODE", "cloud", "must be one of embedded, server, got 'cloud'"),
    ("TANGGAP_DATABASE_URL", "mysql://root@db/tanggap", "must be sqlite:///path/tanggap.db or "
     "postgresql+psycopg://user:password@host/db, got 'mysql://root@db/tanggap'"),
    ("TANGGAP_SEAL_PUBLIC_KEY", "ed25519:abc", "must be the public key `tanggap seal keygen` printed, "
     "like ed25519:BASE64, got 'ed25519:abc'"),
    ("TANGGAP_MODEL_PATH", "/nowhere/model.onnx", "must be an ONNX model file that exists, got '/nowhere/model.onnx'"),
]


@pytest.mark.parametrize(("name", "raw", "problem"), REFUSED)
def test_an_unusable_value_is_refused_naming_the_variable_and_the_value(
    monkeypatch: pytest.MonkeyPatch, name: str, raw: str, problem: str
) -> None:
    assert refusal(monkeypatch, name, raw) == f"{name}: {problem}"


def test_a_data_folder_that_is_a_file_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "tanggap.db").touch()
    problem = refusal(monkeypatch, "TANGGAP_DATA_DIR", str(tmp_path / "tanggap.db"))
    assert problem == f"TANGGAP_DATA_DIR: must be a folder, not a file, got '{tmp_path / 'tanggap.db'}'"


def test_a_seal_key_that_is_a_folder_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    problem = refusal(monkeypatch, "TANGGAP_SEAL_KEY", str(tmp_path))
    assert problem.startswith("TANGGAP_SEAL_KEY: must be the private key file made by `tanggap seal keygen`")


def test_paths_are_made_absolute_against_the_working_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TANGGAP_DATA_DIR", "data")
    monkeypatch.setenv("TANGGAP_SEAL_KEY", "keys/seal.pem")
    settings = Settings.from_env()
    assert (settings.data_dir, settings.seal_key) == (tmp_path.resolve() / "data", tmp_path.resolve() / "keys/seal.pem")
    assert settings.database_url == f"sqlite:///{tmp_path.resolve() / 'data' / 'tanggap.db'}"


SECRETS = [
    ("TANGGAP_SMTP_URL", "smtp://tanggap:rahasia-smtp@:25", "got 'smtp://tanggap:***@:25'"),
    ("TANGGAP_DATABASE_URL", "mysql://root:rahasia-db@db/tanggap", "got 'mysql://root:***@db/tanggap'"),
    ("TANGGAP_REDIS_URL", "http://:rahasia-redis@cache:6379", "got 'http://:***@cache:6379'"),
    ("TANGGAP_SECRET_KEY", "rahasia-pendek", "got 14 characters"),
]


@pytest.mark.parametrize(("name", "raw", "shown"), SECRETS)
def test_a_refused_secret_is_never_repeated_back(
    monkeypatch: pytest.MonkeyPatch, name: str, raw: str, shown: str
) -> None:
    problem = refusal(monkeypatch, name, raw)
    assert problem.startswith(f"{name}: must be") and problem.endswith(shown) and "rahasia" not in problem


def test_every_unusable_value_is_named_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TANGGAP_ANNUAL_TARGET", "banyak")
    monkeypatch.setenv("TANGGAP_CITY_BOX", "Kupang")
    monkeypatch.setenv("TANGGAP_BATCH_SIZE", "0")
    with pytest.raises(ConfigError) as refused:
        Settings.from_env()
    named = [problem.split(":")[0] for problem in refused.value.problems]
    assert named == ["TANGGAP_ANNUAL_TARGET", "TANGGAP_CITY_BOX", "TANGGAP_BATCH_SIZE"]


def test_a_blank_variable_counts_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TANGGAP_BATCH_SIZE", "   ")
    monkeypatch.setenv("TANGGAP_MAIL_FROM", "")
    assert (read("pipeline.batch_size"), read("pipeline.mail_from")) == (64, "tanggap@localhost")


def test_settings_built_in_code_read_nothing_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TANGGAP_ANNUAL_TARGET", "12500")
    monkeypatch.setenv("TANGGAP_BATCH_SIZE", "abc")
    built = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'x.db'}")
    assert (built.annual_target, built.pipeline, PipelineSettings().batch_size) == (30_000, PipelineSettings(), 64)


def test_settings_cannot_be_changed_only_copied_with_changes(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    with pytest.raises(ValidationError):
        settings.annual_target = 1
    changed = settings.model_copy(update={"annual_target": 12_500})
    assert (settings.annual_target, changed.annual_target, changed.data_dir) == (30_000, 12_500, tmp_path)


def test_a_value_given_in_code_is_checked_as_one_from_the_environment(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="must be a positive whole number, got 0"):
        Settings(data_dir=tmp_path, annual_target=0)
