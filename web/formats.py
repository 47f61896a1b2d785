"""Open311 documents in JSON and XML: the same fields, two spellings."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from typing import Any

from flask import Response

# What a list's items are called in XML, by the list's own tag.
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "service_request_updates": "request_update",
    "extended_attributes": "attribute",
    "endpoints": "endpoint",
    "formats": "format",
}
MIMETYPES = {"json": "application/json", "xml": "text/xml"}
# Characters XML 1.0 cannot carry at all, even escaped; a client may still have sent them.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def render(fmt: str, root: str, body: Sequence[Mapping[str, Any]] | Mapping[str, Any], status: int = 200) -> Response:
    """A JSON array or object, or an XML document whose root is `root`."""
    data = to_xml(root, body) if fmt == "xml" else json.dumps(body, ensure_ascii=False).encode()
    return Response(data, status=status, mimetype=MIMETYPES.get(fmt, "application/json"))


def errors(fmt: str, status: int, descriptions: Sequence[str]) -> Response:
    """The spec's error document: one `error` per problem, each with a code and a description."""
    body = [{"code": status, "description": text} for text in descriptions]
    return render(fmt, "errors", body, status)


def to_xml(root: str, body: Sequence[Mapping[str, Any]] | Mapping[str, Any]) -> bytes:
    element = ET.Element(root)
    _fill(element, root, body)
    return bytes(ET.tostring(element, encoding="utf-8", xml_declaration=True))


def _fill(element: ET.Element, tag: str, value: Any) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            _fill(ET.SubElement(element, key), key, item)
    elif isinstance(value, list | tuple):
        for item in value:
            _fill(ET.SubElement(element, ITEM_TAGS.get(tag, "item")), "", item)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = NOT_XML.sub("\ufffd", str(value))
