"""Public copies of photos (no EXIF, so no GPS): what `media_url` points at."""

from __future__ import annotations

from flask import Blueprint, Response, abort

from states.errors import InvalidInput
from tanggap.infrastructure.storage import content_type
from web.deps import intake

bp = Blueprint("media", __name__, url_prefix="/media")


@bp.get("/<key>")
def public(key: str) -> Response:
    try:
        mimetype = content_type(key)
    except InvalidInput:
        abort(404)
    data = intake().photos.public(key)
    if data is None:
        abort(404)
    response = Response(data, mimetype=mimetype)
    # Keys are content addresses: what a key names never changes.
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
