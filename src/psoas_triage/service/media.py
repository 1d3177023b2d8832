"""Only JSON in UTF-8 is read as JSON: any other Content-Type of a request body is a 415.

Without this check a ``text/plain`` or form-encoded body (``curl -d`` sends one), or one declared
``charset=utf-16``, would be assessed as if it were JSON: the client would believe the service
understood whatever it meant to send. A body endpoint therefore demands ``application/json`` with
no charset or ``charset=utf-8`` (case-insensitive); CDS Hooks also takes ``application/fhir+json``
and any other ``application/*+json``. A missing Content-Type is a 415 too: the body is declared
JSON in the OpenAPI document, and a client that does not say so has sent something else.

Used as a FastAPI dependency, so it runs after routing: unknown routes stay 404, wrong methods
405, and an oversized body is refused (413) before this check by the body-limit middleware.
"""

from __future__ import annotations

from fastapi import Request

JSON_TYPE = "application/json"
ACCEPTED_CHARSETS = ("utf-8",)
MESSAGE = "send the body as JSON in UTF-8, with the header Content-Type: application/json"


class UnsupportedMediaType(Exception):
    """A request body whose Content-Type is not one this endpoint reads."""

    def __init__(self, content_type: str | None, accepted: tuple[str, ...]) -> None:
        self.content_type = content_type
        self.accepted = accepted
        given = (
            "without a Content-Type"
            if content_type is None
            else f"of Content-Type {content_type!r}"
        )
        super().__init__(f"a request body {given} is not read: {MESSAGE}")


def is_json(content_type: str | None, *, suffix_json: bool = False) -> bool:
    """Whether ``content_type`` declares JSON in UTF-8 (``suffix_json``: also ``*/*+json``)."""
    if content_type is None:
        return False
    media_type, *parameters = content_type.split(";")
    kind = media_type.strip().lower()
    if kind != JSON_TYPE and not (
        suffix_json and kind.startswith("application/") and kind.endswith("+json")
    ):
        return False
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
            if charset not in ACCEPTED_CHARSETS:
                return False
    return True


def require_json(request: Request) -> None:
    """Dependency of the JSON API's body endpoints: ``application/json`` in UTF-8 only."""
    content_type = request.headers.get("content-type")
    if not is_json(content_type):
        raise UnsupportedMediaType(content_type, (JSON_TYPE,))


def require_cds_json(request: Request) -> None:
    """Dependency of the CDS Hooks service: also ``application/fhir+json`` and other ``+json``."""
    content_type = request.headers.get("content-type")
    if not is_json(content_type, suffix_json=True):
        raise UnsupportedMediaType(content_type, (JSON_TYPE, "application/fhir+json"))
