"""Public copies of photos (no EXIF, so no GPS): what `media_url` points at."""

from __future__ import annotations

from flask import Blueprint, Response, abort

from states.errors import InvalidInput
from tanggap import intake as i
from tanggap.infrastructure.storage import content_type
from web.deps import intake

bp = Blueprint("media", __name__, url_prefix="/media")


@bp.get("/<key>")
def public(key: str) -> Response:
    try:
        mimetype = content_type(key)
    except InvalidInput:
        abort(404)
    service = intake()
    data = service.photos.public(key)
    if data is None or i.photo_withdrawn(service.tanggap.reader(), key):
        abort(404)
    response = Response(data, mimetype=mimetype)
    # Keys are content addresses: what a key names never changes. Shared caches keep it only
    # briefly, so that a photo staff redact stops being served soon everywhere.
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
