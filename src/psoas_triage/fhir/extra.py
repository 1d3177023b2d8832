"""What the bridge says when its extra is missing (kept free of ``fhir.resources`` imports)."""

from __future__ import annotations

from psoas_triage.errors import PsoasTriageError

INSTALL_HINT = 'pip install "psoas-triage[fhir]"'


class MissingExtraError(PsoasTriageError, ImportError):
    """The FHIR bridge was used without its extra (``fhir.resources``) installed."""


def missing_extra(error: ImportError) -> MissingExtraError:
    """The error to raise instead of ``error``, naming the install command."""
    return MissingExtraError(
        f"the FHIR bridge needs fhir.resources (FHIR R4B models on pydantic v2): {INSTALL_HINT} "
        f"({error})"
    )
