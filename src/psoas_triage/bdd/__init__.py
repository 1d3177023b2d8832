"""Reusable pytest-bdd steps for psoas-triage, shipped as a pytest plugin.

The plugin (``psoas_triage.bdd.plugin``) is registered through the ``pytest11`` entry point, so a
project with psoas-triage installed only writes ``.feature`` files and calls
``pytest_bdd.scenarios(...)``. ``PsoasCase`` is the scenario state the steps share; the
``language`` module turns plain clinical words into codes and levels.
"""

from psoas_triage.bdd.case import PsoasCase, rulebook_at
from psoas_triage.bdd.language import (
    UnknownWordError,
    duration_in_days,
    resolve_finding,
    resolve_findings,
)

__all__ = [
    "PsoasCase",
    "UnknownWordError",
    "duration_in_days",
    "resolve_finding",
    "resolve_findings",
    "rulebook_at",
]
