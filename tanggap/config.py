"""Every setting, declared once: its environment variable, type, default and check.

Building a settings object in code reads nothing; `Settings.from_env()` reads the environment, once,
in the composition root. A value that cannot be used stops the start with a `ConfigError` naming
the variable, what it must be and what it was (a password or key is never repeated back).
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections.abc import Sequence
from datetime import timedelta
from email.utils import parseaddr
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Self, TypeGuard
from urllib.parse import urlsplit

from limits import parse_many
from pydantic import Field, PlainValidator, ValidationError, ValidationInfo, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, EnvSettingsSource, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from tanggap.infrastructure.mailer import SmtpMailer, redacted

DISPLAY_TZ = "Asia/Makassar"


class ConfigError(ValueError):
    """Settings that cannot be used, one problem per variable, each starting with its name."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = tuple(problems)


def _refusal(expected: str, shown: object) -> ValueError:
    return ValueError(f"must be {expected}, got {shown!r}")


def _whole(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return int(value) if isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value) else None


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _at_least(minimum: int, expected: str) -> PlainValidator:
    def check(value: object) -> int:
        number = _whole(value)
        if number is None or number < minimum:
            raise _refusal(expected, value)
        return number

    return PlainValidator(check)


def _positive(expected: str) -> PlainValidator:
    def check(value: object) -> float:
        number = _number(value)
        if number is None or number <= 0:
            raise _refusal(expected, value)
        return number

    return PlainValidator(check)


def _span(unit: str, *, zero: bool = False) -> PlainValidator:
    """A duration given as a number of `unit` (TANGGAP_QUIET_PERIOD_HOURS=72), or a timedelta in code."""
    expected = f"a number of {unit}, 0 or more" if zero else f"a positive number of {unit}"

    def check(value: object) -> timedelta:
        span = value if isinstance(value, timedelta) else _timedelta(unit, _number(value))
        if span is None or span < timedelta(0) or (span == timedelta(0) and not zero):
            raise _refusal(expected, value)
        return span

    return PlainValidator(check)


def _timedelta(unit: str, number: float | None) -> timedelta | None:
    try:
        return None if number is None else timedelta(**{unit: number})
    except OverflowError:  # more days than a timedelta holds
        return None


TRUE, FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


def _flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).lower()
    if word not in TRUE | FALSE:
        raise _refusal("true or false (1, yes, on / 0, no, off)", value)
    return word in TRUE


def _items(value: object) -> list[object]:
    """A comma-separated list from the environment, or a tuple given in code."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",")]
    return list(value) if isinstance(value, tuple | list) else [value]


def _ports(value: object) -> tuple[int, ...]:
    ports = [_whole(part) for part in _items(value)]
    if not all(port is not None and 0 < port < 65536 for port in ports):
        raise _refusal("comma-separated port numbers from 1 to 65535, like 80,443", value)
    return tuple(port for port in ports if port is not None)


def _box(value: object) -> tuple[float, float, float, float]:
    numbers = [_number(part) for part in _items(value)]
    if len(numbers) != 4 or None in numbers:
        raise _refusal("four numbers 'min_lat,min_long,max_lat,max_long'", value)
    south, west, north, east = (n for n in numbers if n is not None)
    if not (-90 <= south < north <= 90 and -180 <= west < east <= 180):
        raise _refusal("a box on the globe whose minimums lie below its maximums", value)
    return south, west, north, east


def _rate_limit(value: object) -> str:
    """Flask-Limiter's notation; a limit of 0 would lock everyone out."""
    text = str(value)
    try:
        limits = parse_many(text)
    except ValueError:
        limits = []
    if not limits or any(limit.amount < 1 for limit in limits):
        raise _refusal("limits like '10 per minute;100 per day', each of at least 1", value)
    return text


# http(s), a host (optionally behind Leaflet's {s} subdomain slot) and port, then a path with
# {z}, {x} and {y}. The host goes into the Content-Security-Policy header, so nothing else may.
TILE_URL = re.compile(r"^(?P<origin>https?://(?:\{s\}\.)?[A-Za-z0-9.-]+(?::\d{1,5})?)/[^\s;,'\"]*$")


def _tile_url(value: object) -> str:
    text = str(value)
    if text and not (TILE_URL.match(text) and all(slot in text for slot in ("{z}", "{x}", "{y}"))):
        raise _refusal("a tile URL like https://tile.openstreetmap.org/{z}/{x}/{y}.png", value)
    return text


PUBLIC_URL = re.compile(r"^https?://[A-Za-z0-9.-]+(?::\d{1,5})?(?:/[^\s?#]*)?$")


def _public_url(value: object) -> str:
    text = str(value).rstrip("/")
    if text and not PUBLIC_URL.match(text):
        raise _refusal("the site's address like https://tanggap.example.go.id", value)
    return text


REDIS_SCHEMES = ("redis", "rediss", "redis+unix", "redis+cluster", "redis+sentinel")


def _redis_url(value: object) -> str:
    text = str(value)
    if text and not _is_redis(text):
        raise _refusal("a Redis URL like redis://127.0.0.1:6379/0", redacted(text))
    return text


def _is_redis(url: str) -> bool:
    try:
        parts = urlsplit(url)
        return parts.scheme in REDIS_SCHEMES and bool(parts.hostname or parts.path) and parts.port != 0
    except ValueError:  # a port that is not a number
        return False


def _smtp_url(value: object) -> str:
    text = str(value)
    try:
        if text:
            SmtpMailer(text, "tanggap@localhost")  # the mailer's own reading of its URL, nothing sent
    except ValueError:
        raise _refusal("smtps://user:password@host:port or smtp://host:port", redacted(text)) from None
    return text


def _mail_from(value: object) -> str:
    text = str(value)
    local, _, domain = parseaddr(text)[1].rpartition("@")
    if not (local and domain) or any(c in text for c in "\r\n"):
        raise _refusal("an e-mail address like tanggap@kupangkota.go.id", value)
    return text


DATABASES = ("sqlite", "postgresql")


def _database_url(value: object) -> str:
    text = str(value)
    try:
        backend = make_url(text).get_backend_name() if text else DATABASES[0]
    except (ArgumentError, ValueError):
        backend = ""
    if backend not in DATABASES:
        raise _refusal("sqlite:///path/tanggap.db or postgresql+psycopg://user:password@host/db", redacted(text))
    return text


def _folder(value: object) -> Path:
    path = Path(str(value)).expanduser().resolve()
    if path.exists() and not path.is_dir():
        raise _refusal("a folder, not a file", str(value))
    return path


def _key_file(value: object) -> Path | None:
    if value is None or value == "":
        return None
    path = Path(str(value)).expanduser().resolve()
    if path.is_dir():
        raise _refusal("the private key file made by `tanggap seal keygen`, not a folder", str(value))
    return path


def _model_file(value: object) -> str:
    text = str(value)
    if text and not Path(text).expanduser().is_file():
        raise _refusal("an ONNX model file that exists", text)
    return str(Path(text).expanduser().resolve()) if text else text


SECRET_KEY_LENGTH = 32


def _secret_key(value: object) -> str:
    text = str(value)
    if text and len(text) < SECRET_KEY_LENGTH:
        raise ValueError(f"must be at least {SECRET_KEY_LENGTH} characters, e.g. from `openssl rand -hex 32`, "
                         f"got {len(text)} characters")
    return text


KEY_PREFIX = "ed25519:"  # as `tanggap seal keygen` prints it


def _public_key(value: object) -> str:
    text = str(value)
    try:
        raw = base64.b64decode(text.removeprefix(KEY_PREFIX), validate=True)
    except binascii.Error:
        raw = b""
    if text and not (text.startswith(KEY_PREFIX) and len(raw) == 32):
        raise _refusal(f"the public key `tanggap seal keygen` printed, like {KEY_PREFIX}BASE64", value)
    return text


class PrefectMode(StrEnum):
    EMBEDDED = "embedded"  # flows run inside `tanggap serve`
    SERVER = "server"  # `tanggap serve` triggers deployments that Prefect workers run


def _prefect_mode(value: object) -> PrefectMode:
    try:
        return PrefectMode(str(value))
    except ValueError:
        raise _refusal(f"one of {', '.join(PrefectMode)}", value) from None


PositiveInt = Annotated[int, _at_least(1, "a positive whole number")]
Count = Annotated[int, _at_least(0, "a whole number, 0 or more")]
Seconds = Annotated[float, _positive("a positive number of seconds")]
Hours = Annotated[timedelta, _span("hours")]
Days = Annotated[timedelta, _span("days", zero=True)]
Minutes = Annotated[timedelta, _span("minutes")]
Flag = Annotated[bool, PlainValidator(_flag)]
Ports = Annotated[tuple[int, ...], NoDecode, PlainValidator(_ports)]
Box = Annotated[tuple[float, float, float, float], NoDecode, PlainValidator(_box)]
RateLimit = Annotated[str, PlainValidator(_rate_limit)]
TileUrl = Annotated[str, PlainValidator(_tile_url)]
PublicUrl = Annotated[str, PlainValidator(_public_url)]
RedisUrl = Annotated[str, PlainValidator(_redis_url)]
SmtpUrl = Annotated[str, PlainValidator(_smtp_url)]
MailFrom = Annotated[str, PlainValidator(_mail_from)]
DatabaseUrl = Annotated[str, PlainValidator(_database_url)]
Folder = Annotated[Path, PlainValidator(_folder)]
KeyFile = Annotated[Path | None, PlainValidator(_key_file)]
ModelFile = Annotated[str, PlainValidator(_model_file)]
SecretKey = Annotated[str, PlainValidator(_secret_key)]
PublicKey = Annotated[str, PlainValidator(_public_key)]
Mode = Annotated[PrefectMode, PlainValidator(_prefect_mode)]


def env(name: str, default: Any) -> Any:
    """A setting read from the environment variable `name`; in code it is given by its field name."""
    return Field(default, validation_alias=name)


class _Environment(EnvSettingsSource):
    """The variables as set, trimmed, a blank one counting as unset. A group's variables are named
    like the rest, not after the group (TANGGAP_CITY_BOX sets intake.city_box)."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        value, key, is_complex = super().get_field_value(field, field_name)
        return (value.strip() or None) if isinstance(value, str) else value, key, is_complex

    def __call__(self) -> dict[str, Any]:
        found = super().__call__()
        for name, field in self.settings_cls.model_fields.items():
            if _is_group(field.annotation):
                found[name] = _Environment(field.annotation)()
        return found


def _is_group(annotation: object) -> TypeGuard[type[SettingsGroup]]:
    return isinstance(annotation, type) and issubclass(annotation, SettingsGroup)


class SettingsGroup(BaseSettings):
    """Immutable; `model_copy(update=...)` gives a changed copy."""

    model_config = SettingsConfigDict(frozen=True, extra="forbid", validate_by_name=True, case_sensitive=True)

    @classmethod
    def settings_customise_sources(
        cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)  # built in code, a group reads nothing: only from_env() does

    @classmethod
    def from_env(cls) -> Self:
        try:
            return cls(**_Environment(cls)())
        except ValidationError as err:
            raise ConfigError([_problem(error["loc"], error["msg"]) for error in err.errors()]) from None


def variables(group: type[SettingsGroup]) -> dict[str, str]:
    """Each environment variable a group reads, with the field it sets."""
    found: dict[str, str] = {}
    for name, field in group.model_fields.items():
        if _is_group(field.annotation):
            found |= {var: f"{name}.{inner}" for var, inner in variables(field.annotation).items()}
        else:
            found[str(field.validation_alias)] = name
    return found


def _problem(loc: Sequence[int | str], message: str) -> str:
    """Read from the environment, every field is keyed by its variable: the last step of the path."""
    return f"{loc[-1]}: {message.removeprefix('Value error, ')}"


# Kota Kupang, roughly: the city's kelurahan all lie inside.
KUPANG_BOX = (-10.25, 123.50, -10.10, 123.70)


class IntakeSettings(SettingsGroup):
    """Citizen intake (Open311 API and the /lapor form)."""

    city_box: Box = env("TANGGAP_CITY_BOX", KUPANG_BOX)  # min_lat, min_long, max_lat, max_long
    max_photo_bytes: PositiveInt = env("TANGGAP_MAX_PHOTO_BYTES", 10 * 1024 * 1024)
    max_photo_pixels: PositiveInt = env("TANGGAP_MAX_PHOTO_PIXELS", 24_000_000)  # read from the header, not decoded
    # New reports (Open311 POST and /lapor) per address.
    submission_rate_limit_ip: RateLimit = env("TANGGAP_SUBMISSION_RATE_LIMIT_IP", "10 per minute;100 per day")
    duplicate_window: Minutes = env("TANGGAP_DUPLICATE_WINDOW_MINUTES", timedelta(minutes=10))
    rate_limit_ip: RateLimit = env("TANGGAP_RATE_LIMIT_IP", "600 per minute")
    rate_limit_api_key: RateLimit = env("TANGGAP_RATE_LIMIT_API_KEY", "3000 per minute")
    redis_url: RedisUrl = env("TANGGAP_REDIS_URL", "")  # empty: rate-limit counters live in each process's memory
    media_fetch_timeout: Seconds = env("TANGGAP_MEDIA_FETCH_TIMEOUT", 10.0)  # the total for one fetch
    media_fetch_max_bytes: PositiveInt = env("TANGGAP_MEDIA_FETCH_MAX_BYTES", 10 * 1024 * 1024)
    # Loopback/private hosts, any port: for tests only (SSRF otherwise).
    media_fetch_allow_private: Flag = env("TANGGAP_MEDIA_FETCH_ALLOW_PRIVATE", False)
    media_fetch_ports: Ports = env("TANGGAP_MEDIA_FETCH_PORTS", (80, 443))


class MapSettings(SettingsGroup):
    """The map on the ticket page. No tile URL, no map: the page shows the coordinates only and
    the browser fetches nothing from outside (the demo machine has no internet)."""

    tiles: TileUrl = env("TANGGAP_MAP_TILES", "")  # e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png
    attribution: str = env("TANGGAP_MAP_ATTRIBUTION", "")  # HTML shown on the map; tile providers' terms ask for it

    @property
    def tile_source(self) -> str:
        """The tile host as a Content-Security-Policy source; Leaflet's {s} slot becomes *."""
        found = TILE_URL.match(self.tiles)
        return found.group("origin").replace("{s}", "*") if found else ""


class WebSettings(SettingsGroup):
    """The web tier: how it sits behind a proxy, the public address, and the sign-in limits."""

    # Reverse proxies in front: the X-Forwarded-For/-Proto hops to trust.
    trusted_proxies: Count = env("TANGGAP_TRUSTED_PROXIES", 0)
    # E.g. https://tanggap.kupangkota.go.id; links in answers and e-mails use it.
    public_url: PublicUrl = env("TANGGAP_PUBLIC_URL", "")
    login_rate_limit_ip: RateLimit = env("TANGGAP_LOGIN_RATE_LIMIT_IP", "30 per minute")  # POST /login per address
    login_rate_limit_global: RateLimit = env("TANGGAP_LOGIN_RATE_LIMIT_GLOBAL", "600 per minute")  # from everyone
    workers: PositiveInt = env("WEB_CONCURRENCY", 1)  # web worker processes sharing this configuration

    @property
    def is_https(self) -> bool:
        return self.public_url.startswith("https://")


class PipelineSettings(SettingsGroup):
    """The flows: batch sizes, timers, the tagger, e-mail and where Prefect runs them."""

    batch_size: PositiveInt = env("TANGGAP_BATCH_SIZE", 64)
    poll_seconds: Seconds = env("TANGGAP_POLL_SECONDS", 1.0)
    sweep_seconds: Seconds = env("TANGGAP_SWEEP_SECONDS", 60.0)
    quiet_close_seconds: Seconds = env("TANGGAP_QUIET_CLOSE_SECONDS", 600.0)
    claim_lease_seconds: PositiveInt = env("TANGGAP_CLAIM_LEASE_SECONDS", 300)
    tagger_threads: PositiveInt = env("TANGGAP_TAGGER_THREADS", 1)
    model_path: ModelFile = env("TANGGAP_MODEL_PATH", "")  # empty: the model shipped in cv/models
    smtp_url: SmtpUrl = env("TANGGAP_SMTP_URL", "")  # empty: notifications go to the in-app inbox only
    mail_from: MailFrom = env("TANGGAP_MAIL_FROM", "tanggap@localhost")
    prefect_mode: Mode = env("TANGGAP_PREFECT_MODE", PrefectMode.EMBEDDED)


class Settings(SettingsGroup):
    data_dir: Folder = env("TANGGAP_DATA_DIR", "instance")  # relative to the working directory
    database_url: DatabaseUrl = env("TANGGAP_DATABASE_URL", "")  # empty: SQLite in the data folder
    quiet_period: Hours = env("TANGGAP_QUIET_PERIOD_HOURS", timedelta(hours=72))
    reopen_window: Days = env("TANGGAP_REOPEN_WINDOW_DAYS", timedelta(days=7))  # 0: a citizen never reopens
    # Working days after a breach in which its officer may object.
    objection_window_days: PositiveInt = env("TANGGAP_OBJECTION_WINDOW_DAYS", 5)
    # Signs web sessions and CSRF tokens; empty: one is kept in the data folder.
    secret_key: SecretKey = env("TANGGAP_SECRET_KEY", "")
    # Responses a year the dashboard measures the city against (Kota Kupang).
    annual_target: PositiveInt = env("TANGGAP_ANNUAL_TARGET", 30_000)
    # HR's Ed25519 private key file that signs a closed month; never in the database.
    seal_key: KeyFile = env("TANGGAP_SEAL_KEY", None)
    # The public key filed with the Inspektorat, that `ledger verify --seal` trusts.
    seal_public_key: PublicKey = env("TANGGAP_SEAL_PUBLIC_KEY", "")
    intake: IntakeSettings = Field(default_factory=IntakeSettings)
    map: MapSettings = Field(default_factory=MapSettings)
    web: WebSettings = Field(default_factory=WebSettings)
    pipeline: PipelineSettings = Field(default_factory=PipelineSettings)

    @field_validator("database_url")
    @classmethod
    def _sqlite_in_the_data_folder(cls, url: str, info: ValidationInfo) -> str:
        data_dir = info.data.get("data_dir")  # absent when it was refused itself
        return url or (f"sqlite:///{data_dir / 'tanggap.db'}" if data_dir else url)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

