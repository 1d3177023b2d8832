"""The HTTP service (extra ``psoas-triage[service]``): a versioned JSON API and CDS Hooks.

An adapter over the core. This package's ``__init__`` imports nothing from FastAPI, so the CLI
can register ``serve`` without the extra installed; ``create_app`` imports it when called.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import FastAPI

    from psoas_triage.rulebook import RuleBook

__all__ = ["create_app"]


def create_app(rulebook: RuleBook | None = None, **options: Any) -> FastAPI:
    """The ASGI app for ``rulebook`` (the shipped one when None); see ``service.app``."""
    from psoas_triage.service.app import create_app as build

    return build(rulebook, **options)
