"""Every setting, read from TANGGAP_* environment variables with defaults for a fresh machine."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
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


def env_positive_int(name: str, default: int) -> int:
    value = env_int(name, default)
    if value <= 0:
        raise ValueError(f"{name} must be a positive whole number, got {value}")
    return value


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number, got {raw!r}") from None


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"{name} must be true or false, got {raw!r}")


def env_ports(name: str, default: tuple[int, ...]) -> tuple[int, ...]:
    """A comma-separated list of TCP ports, e.g. "80,443,8080"."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        ports = tuple(int(part) for part in raw.split(","))
    except ValueError:
        raise ValueError(f"{name} must be comma-separated port numbers, got {raw!r}") from None
    if not all(0 < port < 65536 for port in ports):
        raise ValueError(f"{name} holds a port outside 1-65535: {raw!r}")
    return ports


def env_box(name: str, default: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    parts = raw.split(",")
    try:
        south, west, north, east = (float(p) for p in parts)
    except ValueError:
        raise ValueError(f"{name} must be 'min_lat,min_long,max_lat,max_long', got {raw!r}") from None
    if not (south < north and west < east):
        raise ValueError(f"{name}: the minimums must be below the maximums, got {raw!r}")
    return south, west, north, east


# http(s), a host (optionally behind Leaflet's {s} subdomain slot) and port, then a path with
# {z}, {x} and {y}. The host goes into the Content-Security-Policy header, so nothing else may.
TILE_URL = re.compile(r"^(?P<origin>https?://(?:\{s\}\.)?[A-Za-z0-9.-]+(?::\d{1,5})?)/[^\s;,'\"]*$")


def env_tile_url(name: str) -> str:
    raw = os.environ.get(name, "").strip()
    if raw and not (TILE_URL.match(raw) and all(slot in raw for slot in ("{z}", "{x}", "{y}"))):
        raise ValueError(f"{name} must be a tile URL like https://tile.openstreetmap.org/{{z}}/{{x}}/{{y}}.png, "
                         f"got {raw!r}")
    return raw


# Kota Kupang, roughly: the city's kelurahan all lie inside.
KUPANG_BOX = (-10.25, 123.50, -10.10, 123.70)


@dataclass(frozen=True)
class IntakeSettings:
    """Citizen intake (Open311 API and the /lapor form)."""

    city_box: tuple[float, float, float, float] = KUPANG_BOX  # min_lat, min_long, max_lat, max_long
    max_photo_bytes: int = 10 * 1024 * 1024
    max_photo_pixels: int = 24_000_000  # checked from the header, before any decoding
    submission_rate_limit_ip: str = "10 per minute;100 per day"  # new reports (Open311 POST and /lapor) per address
    duplicate_window: timedelta = timedelta(minutes=10)
    rate_limit_ip: str = "600 per minute"
    rate_limit_api_key: str = "3000 per minute"
    redis_url: str = ""  # empty: rate-limit counters live in each process's memory
    media_fetch_timeout: float = 10.0
    media_fetch_max_bytes: int = 10 * 1024 * 1024
    media_fetch_allow_private: bool = False  # loopback/private hosts, any port; tests only (SSRF otherwise)
    media_fetch_ports: tuple[int, ...] = (80, 443)

    @classmethod
    def from_env(cls) -> IntakeSettings:
        return cls(
            city_box=env_box("TANGGAP_CITY_BOX", KUPANG_BOX),
            max_photo_bytes=env_int("TANGGAP_MAX_PHOTO_BYTES", 10 * 1024 * 1024),
            max_photo_pixels=env_positive_int("TANGGAP_MAX_PHOTO_PIXELS", 24_000_000),
            submission_rate_limit_ip=env_str("TANGGAP_SUBMISSION_RATE_LIMIT_IP", "10 per minute;100 per day"),
            duplicate_window=timedelta(minutes=env_float("TANGGAP_DUPLICATE_WINDOW_MINUTES", 10)),
            rate_limit_ip=env_str("TANGGAP_RATE_LIMIT_IP", "600 per minute"),
            rate_limit_api_key=env_str("TANGGAP_RATE_LIMIT_API_KEY", "3000 per minute"),
            redis_url=env_str("TANGGAP_REDIS_URL", ""),
            media_fetch_timeout=env_float("TANGGAP_MEDIA_FETCH_TIMEOUT", 10.0),
            media_fetch_max_bytes=env_int("TANGGAP_MEDIA_FETCH_MAX_BYTES", 10 * 1024 * 1024),
            media_fetch_allow_private=env_bool("TANGGAP_MEDIA_FETCH_ALLOW_PRIVATE", False),
            media_fetch_ports=env_ports("TANGGAP_MEDIA_FETCH_PORTS", (80, 443)),
        )


@dataclass(frozen=True)
class MapSettings:
    """The map on the ticket page. No tile URL, no map: the page shows the coordinates only and
    the browser fetches nothing from outside (the demo machine has no internet)."""

    tiles: str = ""  # a tile URL template, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png
    attribution: str = ""  # shown on the map as HTML; the tile provider's terms usually require it

    @property
    def tile_source(self) -> str:
        """The tile host as a Content-Security-Policy source; Leaflet's {s} slot becomes *."""
        found = TILE_URL.match(self.tiles)
        return found.group("origin").replace("{s}", "*") if found else ""

    @classmethod
    def from_env(cls) -> MapSettings:
        return cls(tiles=env_tile_url("TANGGAP_MAP_TILES"), attribution=env_str("TANGGAP_MAP_ATTRIBUTION", ""))


@dataclass(frozen=True)
class WebSettings:
    """The web tier: how it sits behind a proxy, the public address, and the sign-in limits."""

    trusted_proxies: int = 0  # reverse proxies in front (X-Forwarded-For/-Proto/-Host hops to trust)
    public_url: str = ""  # e.g. https://tanggap.kupangkota.go.id; links in answers and e-mails use it
    login_rate_limit_ip: str = "30 per minute"  # POST /login per client address
    login_rate_limit_global: str = "600 per minute"  # POST /login from everyone together
    workers: int = 1  # web worker processes sharing this configuration (WEB_CONCURRENCY)

    @property
    def is_https(self) -> bool:
        return self.public_url.startswith("https://")

    @classmethod
    def from_env(cls) -> WebSettings:
        return cls(
            trusted_proxies=env_non_negative_int("TANGGAP_TRUSTED_PROXIES", 0),
            public_url=env_public_url("TANGGAP_PUBLIC_URL"),
            login_rate_limit_ip=env_str("TANGGAP_LOGIN_RATE_LIMIT_IP", "30 per minute"),
            login_rate_limit_global=env_str("TANGGAP_LOGIN_RATE_LIMIT_GLOBAL", "600 per minute"),
            workers=env_positive_int("WEB_CONCURRENCY", 1),
        )


def env_non_negative_int(name: str, default: int) -> int:
    value = env_int(name, default)
    if value < 0:
        raise ValueError(f"{name} must be 0 or more, got {value}")
    return value


PUBLIC_URL = re.compile(r"^https?://[A-Za-z0-9.-]+(?::\d{1,5})?(?:/[^\s?#]*)?$")


def env_public_url(name: str) -> str:
    raw = os.environ.get(name, "").strip().rstrip("/")
    if raw and not PUBLIC_URL.match(raw):
        raise ValueError(f"{name} must be the site's address like https://tanggap.example.go.id, got {raw!r}")
    return raw


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    quiet_period: timedelta = timedelta(hours=72)
    reopen_window: timedelta = timedelta(days=7)
    objection_window_days: int = 5  # working days after a breach in which its officer may object
    display_tz: str = DISPLAY_TZ
    secret_key: str = ""  # signs web sessions and CSRF tokens; empty: one is kept in the data folder
    annual_target: int = 30_000  # responses a year the dashboard measures the city against (Kota Kupang)
    seal_key: Path | None = None  # HR's Ed25519 private key file that signs a closed month; never in the database
    seal_public_key: str = ""  # the public key filed with the Inspektorat, that `ledger verify --seal` trusts
    intake: IntakeSettings = field(default_factory=IntakeSettings)
    map: MapSettings = field(default_factory=MapSettings)
    web: WebSettings = field(default_factory=WebSettings)

    @classmethod
    def from_env(cls) -> Settings:
        data_dir = Path(env_str("TANGGAP_DATA_DIR", "instance")).resolve()
        return cls(
            data_dir=data_dir,
            database_url=env_str("TANGGAP_DATABASE_URL", f"sqlite:///{data_dir / 'tanggap.db'}"),
            quiet_period=timedelta(hours=env_float("TANGGAP_QUIET_PERIOD_HOURS", 72)),
            reopen_window=timedelta(days=env_float("TANGGAP_REOPEN_WINDOW_DAYS", 7)),
            objection_window_days=env_positive_int("TANGGAP_OBJECTION_WINDOW_DAYS", 5),
            secret_key=env_str("TANGGAP_SECRET_KEY", ""),
            annual_target=env_positive_int("TANGGAP_ANNUAL_TARGET", 30_000),
            seal_key=Path(env_str("TANGGAP_SEAL_KEY", "")).resolve() if env_str("TANGGAP_SEAL_KEY", "") else None,
            seal_public_key=env_str("TANGGAP_SEAL_PUBLIC_KEY", ""),
            intake=IntakeSettings.from_env(),
            map=MapSettings.from_env(),
            web=WebSettings.from_env(),
        )

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@dataclass(frozen=True)
class PipelineSettings:
    """The flows: batch sizes, timers, the tagger, e-mail and where Prefect runs them."""

    batch_size: int = 64
    poll_seconds: float = 1.0
    sweep_seconds: float = 60.0
    quiet_close_seconds: float = 600.0
    claim_lease_seconds: int = 300
    tagger_threads: int = 1
    model_path: str = ""  # empty: the model shipped in cv/models
    smtp_url: str = ""  # empty: notifications go to the in-app inbox only
    mail_from: str = "tanggap@localhost"
    prefect_mode: str = "embedded"  # embedded: flows run in `tanggap serve`; server: deployments on workers

    @classmethod
    def from_env(cls) -> PipelineSettings:
        mode = env_str("TANGGAP_PREFECT_MODE", "embedded")
        if mode not in ("embedded", "server"):
            raise ValueError(f"TANGGAP_PREFECT_MODE must be embedded or server, got {mode!r}")
        return cls(
            batch_size=env_int("TANGGAP_BATCH_SIZE", 64),
            poll_seconds=env_float("TANGGAP_POLL_SECONDS", 1.0),
            sweep_seconds=env_float("TANGGAP_SWEEP_SECONDS", 60.0),
            quiet_close_seconds=env_float("TANGGAP_QUIET_CLOSE_SECONDS", 600.0),
            claim_lease_seconds=env_int("TANGGAP_CLAIM_LEASE_SECONDS", 300),
            tagger_threads=env_int("TANGGAP_TAGGER_THREADS", 1),
            model_path=env_str("TANGGAP_MODEL_PATH", ""),
            smtp_url=env_str("TANGGAP_SMTP_URL", ""),
            mail_from=env_str("TANGGAP_MAIL_FROM", "tanggap@localhost"),
            prefect_mode=mode,
        )
