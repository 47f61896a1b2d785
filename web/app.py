"""The Flask application factory: blueprints per audience, built on one Tanggap composition root."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import logging
import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, request
from flask.typing import ResponseReturnValue
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, Map

from tanggap.bootstrap import Tanggap, bootstrap
from tanggap.config import Settings, WebSettings
from tanggap.infrastructure.storage import AbstractPhotoStorage
from tanggap.intake import IntakeService
from tanggap.pipeline.health import health_text, pipeline_health
from web import citizen, media, open311, staff
from web.deps import INTAKE, TANGGAP

log = logging.getLogger(__name__)
SLACK = 1024 * 1024  # room for the form fields around the largest allowed photo
ERRORS = (403, 404, 405, 413, 429, 500)
LIMITER = "tanggap.limiter"


def create_app(tanggap: Tanggap | None = None, **overrides: Any) -> Flask:
    """`overrides` are Flask config keys, plus PHOTO_STORAGE (a photo storage object)."""
    tanggap = _with_photos(tanggap or bootstrap(), overrides.get("PHOTO_STORAGE"))
    app = Flask(__name__)
    app.url_map.converters["int"] = RowId
    app.config.from_mapping(_defaults(tanggap.settings))
    app.config.update(overrides)
    _behind_proxies(app, tanggap.settings.web)
    app.extensions[TANGGAP] = tanggap
    app.extensions[INTAKE] = IntakeService(tanggap)
    csrf = CSRFProtect(app)
    csrf.exempt(open311.bp)
    _limit(app)
    for blueprint in (open311.bp, citizen.bp, media.bp):
        app.register_blueprint(blueprint)
    staff.init_app(app)
    _limit_sign_in(app)
    _limit_submissions(app)
    csrf.exempt(staff.hr.api)
    for code in ERRORS:
        app.register_error_handler(code, _error_page)
    app.get("/healthz")(_health)
    _warn_about_memory_limits(app, tanggap.settings.web)
    return app


def _behind_proxies(app: Flask, web: WebSettings) -> None:
    """Trust exactly TANGGAP_TRUSTED_PROXIES hops of X-Forwarded-For/-Proto: the client address
    the limits key on is the citizen's, not the proxy's, and a client cannot forge it further."""
    if web.trusted_proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=web.trusted_proxies,  # type: ignore[method-assign]
                                x_proto=web.trusted_proxies)
    app.config["PUBLIC_URL"] = web.public_url
    if web.is_https:
        app.after_request(_strict_transport_security)


def _strict_transport_security(response: Response) -> Response:
    response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def _warn_about_memory_limits(app: Flask, web: WebSettings) -> None:
    if web.workers > 1 and str(app.config["RATELIMIT_STORAGE_URI"]).startswith("memory://"):
        log.warning("%d web workers count rate limits in memory, each on its own: every limit is in effect "
                    "%d times higher. Set TANGGAP_REDIS_URL so that they share one count.", web.workers, web.workers)


def _defaults(settings: Settings) -> dict[str, Any]:
    rules = settings.intake
    return {
        "SECRET_KEY": settings.secret_key or _stored_secret(settings.data_dir, settings.web.is_https),
        "MAX_CONTENT_LENGTH": rules.max_photo_bytes + SLACK,
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session: a page left open still works
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_STORAGE_URI": rules.redis_url or "memory://",
        "RATELIMIT_SWALLOW_ERRORS": bool(rules.redis_url),  # Redis down: serve unlimited rather than fail
        "TANGGAP_RATE_LIMIT_IP": rules.rate_limit_ip,
        "TANGGAP_RATE_LIMIT_API_KEY": rules.rate_limit_api_key,
        "TANGGAP_SUBMISSION_RATE_LIMIT_IP": rules.submission_rate_limit_ip,
        "TANGGAP_LOGIN_RATE_LIMIT_IP": settings.web.login_rate_limit_ip,
        "TANGGAP_LOGIN_RATE_LIMIT_GLOBAL": settings.web.login_rate_limit_global,
        "SESSION_COOKIE_SECURE": True,  # staff sign in over HTTPS; override for plain-HTTP test servers
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
        "SESSION_ABSOLUTE_HOURS": 12,  # from sign-in, however busy the session
        "STAFF_IDLE_MINUTES": 30,
    }


def _stored_secret(data_dir: Path, public: bool) -> str:
    """A random secret kept in the data folder, so sessions survive restarts and are shared by
    every worker process without configuration. A public (https) site must have its key set or
    stored already: a key made up at start by a fresh container would sign everyone out at each
    deploy, and differ between machines."""
    path = data_dir / "secret_key"
    if path.exists():
        return _read_secret(path)
    if public:
        raise RuntimeError(f"TANGGAP_PUBLIC_URL is https but TANGGAP_SECRET_KEY is not set and {path} does not "
                           "exist: set TANGGAP_SECRET_KEY (e.g. `python -c 'import secrets; "
                           "print(secrets.token_hex(32))'`) for every web worker")
    data_dir.mkdir(parents=True, exist_ok=True)
    # Written whole under a temporary name, then linked into place: link() fails if another worker
    # got there first, and nobody ever reads a file that is still empty.
    tmp = data_dir / f".secret_key-{secrets.token_hex(8)}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32))
            out.flush()
            os.fsync(out.fileno())
        with contextlib.suppress(FileExistsError):  # another worker's key won: use it
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return _read_secret(path)


def _read_secret(path: Path) -> str:
    secret = path.read_text().strip()
    if not secret:
        raise RuntimeError(f"{path} is empty: delete it, or set TANGGAP_SECRET_KEY")
    return secret


class RowId(IntegerConverter):
    """`<int:...>` in every route: a number past what an id column holds (INTEGER, 32 bits on
    PostgreSQL) matches no route, so it is a 404 like any unknown id, never a driver's overflow."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def _with_photos(tanggap: Tanggap, storage: AbstractPhotoStorage | None) -> Tanggap:
    return dataclasses.replace(tanggap, photos=storage) if storage is not None else tanggap


def _limit(app: Flask) -> None:
    """Per client IP on everything public, per API key on submissions; 429 with Retry-After."""
    # after_request functions run in reverse order of registration: registered first, this one
    # sees the limiter's headers and keeps Retry-After for refusals only.
    app.after_request(_retry_after_only_when_refused)
    limiter = Limiter(get_remote_address, app=app)
    app.extensions[LIMITER] = limiter
    per_ip = limiter.shared_limit(lambda: str(app.config["TANGGAP_RATE_LIMIT_IP"]), scope="per-ip")
    per_key = limiter.shared_limit(
        lambda: str(app.config["TANGGAP_RATE_LIMIT_API_KEY"]),
        scope="per-api-key",
        key_func=_api_key_bucket,
        methods=["POST"],
        exempt_when=lambda: not request.form.get("api_key"),
    )
    per_ip(open311.bp)
    per_key(open311.bp)
    limiter.shared_limit(lambda: str(app.config["TANGGAP_RATE_LIMIT_IP"]), scope="per-ip", methods=["POST"])(
        citizen.bp
    )


def _limit_sign_in(app: Flask) -> None:
    """POST /login per client address and for everyone together, in the same storage as every
    other limit (Redis when configured): a guesser is slowed before the password is even read."""
    limiter: Limiter = app.extensions[LIMITER]
    view = app.view_functions["auth.login"]
    per_ip = limiter.limit(lambda: str(app.config["TANGGAP_LOGIN_RATE_LIMIT_IP"]), scope="login-per-ip")
    everyone = limiter.limit(lambda: str(app.config["TANGGAP_LOGIN_RATE_LIMIT_GLOBAL"]), scope="login-global",
                             key_func=lambda: "everyone")
    app.view_functions["auth.login"] = everyone(per_ip(view))  # type: ignore[assignment]  # sync view stays sync


def _limit_submissions(app: Flask) -> None:
    """New reports per address, on top of the per-IP limit: the form and the API share one count,
    so a script cannot flood the queue (and the disk) from one address by switching between them."""
    limiter: Limiter = app.extensions[LIMITER]
    submissions = limiter.shared_limit(lambda: str(app.config["TANGGAP_SUBMISSION_RATE_LIMIT_IP"]),
                                       scope="submissions-per-ip", override_defaults=False)
    for endpoint in ("open311.create_request", "citizen.submit"):
        app.view_functions[endpoint] = submissions(app.view_functions[endpoint])  # type: ignore[assignment]


def _retry_after_only_when_refused(response: Response) -> Response:
    if response.status_code != 429:
        response.headers.pop("Retry-After", None)
    return response


def _api_key_bucket() -> str:
    return hashlib.sha256(request.form.get("api_key", "").encode()).hexdigest()[:32]


def _error_page(err: HTTPException) -> ResponseReturnValue:
    """Each audience's own error page: the spec's format for Open311 clients, JSON for payroll
    systems, the citizen's layout on /lapor and photos, the staff layout everywhere else."""
    path = request.path
    if path.startswith("/open311"):
        return open311.http_error(err)
    if path.startswith("/api/"):
        return err
    if path.startswith(("/lapor", "/media")):
        return citizen.error_page(err)
    return staff.error_page(err)


def _health() -> ResponseReturnValue:
    """For uptime monitors: 503 naming the family of flows that is late; JSON with ?format=json."""
    tanggap = current_app.extensions[TANGGAP]
    health = pipeline_health(tanggap.reader(), tanggap.clock.now())
    status = 200 if health.ok else 503
    if request.args.get("format") == "json":
        return health.as_json(), status
    return Response(health_text(health), status=status, mimetype="text/plain")
