"""The Flask application factory: blueprints per audience, built on one Tanggap composition root."""

from __future__ import annotations

import hashlib
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

from tanggap.bootstrap import Tanggap, bootstrap
from tanggap.config import Settings
from tanggap.intake import IntakeService
from tanggap.pipeline_health import health_text
from tanggap.storage import AbstractPhotoStorage, LocalPhotoStorage
from web import citizen, media, open311, staff
from web.deps import INTAKE, TANGGAP

SLACK = 1024 * 1024  # room for the form fields around the largest allowed photo
ERRORS = (403, 404, 405, 413, 429, 500)


def create_app(tanggap: Tanggap | None = None, **overrides: Any) -> Flask:
    """`overrides` are Flask config keys, plus PHOTO_STORAGE (a photo storage object)."""
    tanggap = tanggap or bootstrap()
    app = Flask(__name__)
    app.config.from_mapping(_defaults(tanggap.settings))
    app.config.update(overrides)
    app.extensions[TANGGAP] = tanggap
    app.extensions[INTAKE] = IntakeService(tanggap, _photos(app, tanggap.settings))
    csrf = CSRFProtect(app)
    csrf.exempt(open311.bp)
    _limit(app)
    for blueprint in (open311.bp, citizen.bp, media.bp):
        app.register_blueprint(blueprint)
    staff.init_app(app)
    csrf.exempt(staff.hr.api)
    for code in ERRORS:
        app.register_error_handler(code, _error_page)
    app.get("/healthz")(_health)
    return app


def _defaults(settings: Settings) -> dict[str, Any]:
    rules = settings.intake
    return {
        "SECRET_KEY": settings.secret_key or _stored_secret(settings.data_dir),
        "MAX_CONTENT_LENGTH": rules.max_photo_bytes + SLACK,
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session: a page left open still works
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_STORAGE_URI": rules.redis_url or "memory://",
        "RATELIMIT_SWALLOW_ERRORS": bool(rules.redis_url),  # Redis down: serve unlimited rather than fail
        "TANGGAP_RATE_LIMIT_IP": rules.rate_limit_ip,
        "TANGGAP_RATE_LIMIT_API_KEY": rules.rate_limit_api_key,
        "SESSION_COOKIE_SECURE": True,  # staff sign in over HTTPS; override for plain-HTTP test servers
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=10),
        "STAFF_IDLE_MINUTES": 30,
    }


def _stored_secret(data_dir: Path) -> str:
    """A random secret kept in the data folder, so sessions survive restarts and are shared by
    every worker process without configuration."""
    path = data_dir / "secret_key"
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as out:
        out.write(secrets.token_hex(32))
    return path.read_text().strip()


def _photos(app: Flask, settings: Settings) -> AbstractPhotoStorage:
    storage: AbstractPhotoStorage | None = app.config.get("PHOTO_STORAGE")
    return storage or LocalPhotoStorage(settings.data_dir / "photos")


def _limit(app: Flask) -> None:
    """Per client IP on everything public, per API key on submissions; 429 with Retry-After."""
    # after_request functions run in reverse order of registration: registered first, this one
    # sees the limiter's headers and keeps Retry-After for refusals only.
    app.after_request(_retry_after_only_when_refused)
    limiter = Limiter(get_remote_address, app=app)
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
    from tanggap.pipeline_health import pipeline_health

    tanggap = current_app.extensions[TANGGAP]
    health = pipeline_health(tanggap.uow(), tanggap.clock.now())
    status = 200 if health.ok else 503
    if request.args.get("format") == "json":
        return health.as_json(), status
    return Response(health_text(health), status=status, mimetype="text/plain")
