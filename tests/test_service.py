"""The HTTP service through FastAPI's TestClient: API, errors, size limit, CDS Hooks, no 5xx."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import uuid
import warnings
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from psoas_triage import RuleBook, SymptomReport, assess, warning_sign_checklist
from psoas_triage.models import NUMBER_FIELDS
from psoas_triage.workload import mixed_reports

pytest.importorskip("fastapi", reason="the service extra (fastapi) is not installed")
pytest.importorskip("httpx", reason="FastAPI's TestClient needs httpx")

with warnings.catch_warnings():  # newer Starlette suggests httpx2; httpx still works
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

import httpx

from psoas_triage.service import create_app
from psoas_triage.service.cds_hooks import (
    CdsDiscovery,
    CdsResponse,
    md,
)

PSOAS = {"present": ["groin_pain", "hip_snapping"], "duration_days": 10}
JSON_HEADERS = {"Content-Type": "application/json"}
"""Every body is sent declared JSON: any other (or no) Content-Type is a 415."""

# A completed warning-sign checklist: self-care needs every warning sign answered no.
WARNING_SIGNS = [sign.code for sign in warning_sign_checklist()]


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(), raise_server_exceptions=False)


def cds_call(report: Any = None, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "hook": "patient-view",
        "hookInstance": str(uuid.uuid4()),
        "context": {"userId": "Practitioner/example", "patientId": "example"},
    }
    if report is not None:
        body["prefetch"] = {"psoas-triage": report}
    body.update(changes)
    return body


# --- the JSON API -------------------------------------------------------------------------------


def test_assess_is_byte_for_byte_the_library(client: TestClient, shipped_book: RuleBook) -> None:
    for report in [PSOAS, *(r.model_dump() for r in mixed_reports(shipped_book, 30, seed=17))]:
        response = client.post("/v1/assess", json=report)
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        assert response.content == assess(report, shipped_book).to_json().encode()


def test_bad_report_gets_the_report_error_problems(client: TestClient) -> None:
    response = client.post("/v1/assess", json={"present": ["groin_pian"], "age": 34})
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid_report"
    assert body["problems"] == [
        {
            "field": "present[0]",
            "message": "unknown symptom code 'groin_pian'",
            "value": "groin_pian",
            "suggestions": body["problems"][0]["suggestions"],
        }
    ]
    assert body["problems"][0]["suggestions"][0] == "groin_pain"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b'{"age": "34"}', "age"),
        (b'{"age": 200}', "age"),
        (b'{"age": Infinity}', "age"),  # found by the property test below: was a 500
        (b'{"pain_intensity": NaN}', "pain_intensity"),
        (b'{"pain": 3}', "pain"),
        (b"[1, 2]", "report"),
        (b"not json", "report"),
        (b"", "report"),
        (b'{"present": ["fever"], "absent": ["fever"]}', "report"),
    ],
)
def test_every_kind_of_bad_body_is_a_422(client: TestClient, body: bytes, field: str) -> None:
    response = client.post("/v1/assess", content=body, headers=JSON_HEADERS)
    assert response.status_code == 422, response.text
    problems = response.json()["problems"]
    assert problems and problems[0]["field"] == field
    assert "Traceback" not in response.text


def test_body_over_the_limit_is_413_before_parsing() -> None:
    small = TestClient(create_app(max_body_bytes=100))
    fits = json.dumps({"present": ["groin_pain"]}).encode()
    assert small.post("/v1/assess", content=fits, headers=JSON_HEADERS).status_code == 200
    too_big = b'{"present": [' + b'"groin_pain", ' * 20 + b'"groin_pain"]}'
    response = small.post("/v1/assess", content=too_big, headers=JSON_HEADERS)
    assert response.status_code == 413
    assert response.json()["limit"] == 100
    # Not even JSON: refused for its size, so nothing tried to parse it.
    assert small.post("/v1/assess", content=b"x" * 101, headers=JSON_HEADERS).status_code == 413


def test_chunked_body_without_length_is_counted() -> None:
    small = TestClient(create_app(max_body_bytes=1000))

    def chunks():  # a generator body: sent chunked, with no Content-Length
        for _ in range(50):
            yield b" " * 100

    response = small.post("/v1/assess", content=chunks(), headers=JSON_HEADERS)
    assert response.status_code == 413

    def fitting():
        yield b'{"present": '
        yield b'["groin_pain"]}'

    assert small.post("/v1/assess", content=fitting(), headers=JSON_HEADERS).status_code == 200


def test_only_json_bodies_are_read_and_the_document_says_so(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    for path in ("/v1/assess", "/v1/report", "/v1/next-question", "/cds-services/psoas-triage"):
        answers = document["paths"][path]["post"]["responses"]
        assert answers["415"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/ErrorOut"
        }
    cds_body = document["paths"]["/cds-services/psoas-triage"]["post"]["requestBody"]
    assert sorted(cds_body["content"]) == ["application/fhir+json", "application/json"]
    text = client.post("/v1/assess", content=b'{"present": ["fever"]}')  # no Content-Type
    assert (text.status_code, text.json()["error"]) == (415, "unsupported_media_type")
    # Size comes first: an oversized body is refused unread, whatever it claims to be.
    small = TestClient(create_app(max_body_bytes=100))
    assert small.post("/v1/assess", content=b"x" * 101).status_code == 413


def test_default_limit_is_64_kib(client: TestClient) -> None:
    assert (
        client.post("/v1/assess", content=b" " * (64 * 1024 + 1), headers=JSON_HEADERS).status_code
        == 413
    )
    assert (
        client.post("/v1/assess", content=b" " * (64 * 1024), headers=JSON_HEADERS).status_code
        == 422
    )


def test_unknown_routes_and_methods_are_json(client: TestClient) -> None:
    response = client.get("/v2/assess")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
    response = client.get("/v1/assess")
    assert response.status_code == 405
    assert response.json()["error"] == "method_not_allowed"


def test_vocabulary_rules_and_health(client: TestClient, shipped_book: RuleBook) -> None:
    vocabulary = client.get("/v1/vocabulary").json()
    assert [term["code"] for term in vocabulary] == list(shipped_book.terms)
    rules = client.get("/v1/rules").json()
    assert [rule["id"] for rule in rules] == [loaded.rule.id for loaded in shipped_book.rules]
    first = shipped_book.rules[0]
    detail = client.get(f"/v1/rules/{first.rule.id}").json()
    assert detail["rule"]["id"] == first.rule.id
    assert detail["family"] == first.family
    assert not detail["file"].startswith("/"), "no server paths in answers"
    missing = client.get("/v1/rules/groin_pian")
    assert missing.status_code == 404
    assert "groin_pain" in missing.json()["problems"][0]["suggestions"]
    health = client.get("/healthz").json()
    assert health["status"] == "ok"
    assert health["rulebook"]["digest"] == shipped_book.digest
    assert health["rulebook"]["full_version"] == shipped_book.full_version


def test_openapi_bodies_are_the_library_models(client: TestClient) -> None:
    from psoas_triage.models import Assessment

    document = client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    # OpenAPI keeps nested definitions (such as Sex) among its components, not under $defs.
    expected = SymptomReport.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in expected.pop("$defs", {}).items():
        assert schemas[name] == definition
    assert schemas["SymptomReport"] == expected
    assert set(Assessment.model_fields) == set(schemas["Assessment"]["properties"])
    step = document["paths"]["/v1/next-question"]["post"]["responses"]["200"]["content"]
    assert step["application/json"]["schema"] == {"$ref": "#/components/schemas/NextStep"}


def test_openapi_bodies_say_what_the_service_accepts(
    client: TestClient, shipped_book: RuleBook
) -> None:
    """The bodies are the library model narrowed to what this rule book accepts: its words, a
    report that says something where one is assessed, the report in CDS Hooks' prefetch."""
    document = client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]

    def body(path: str, media: str = "application/json") -> Any:
        return document["paths"][path]["post"]["requestBody"]["content"][media]["schema"]

    ref = "#/components/schemas/{}".format
    assert body("/v1/assess") == body("/v1/report") == {"$ref": ref("AssessableReport")}
    assert body("/v1/next-question") == {"$ref": ref("ReportForThisBook")}
    cds = "/cds-services/psoas-triage"
    assert body(cds) == body(cds, "application/fhir+json") == {"$ref": ref("CdsPatientViewRequest")}
    assert schemas["ReportForThisBook"]["allOf"][0] == {"$ref": ref("SymptomReport")}
    words = schemas["SymptomWord"]["enum"]
    assert set(shipped_book.terms) <= set(words)
    assert {"groin pain", "saddle anaesthesia"} <= set(words)  # a label and a synonym
    assert all(shipped_book.code_for(word) for word in words)
    assert set(schemas["UnknownWord"]["enum"]) == {*shipped_book.terms, *NUMBER_FIELDS, "sex"}
    something = schemas["AssessableReport"]["allOf"][1]["anyOf"]
    assert [option["required"] for option in something] == [
        ["present"],
        ["absent"],
        ["age"],
        ["duration_days"],
        ["pain_intensity"],
    ]
    prefetch = schemas["CdsPatientViewRequest"]["allOf"][1]
    assert prefetch["required"] == ["prefetch"]
    assert prefetch["properties"]["prefetch"]["properties"]["psoas-triage"] == {
        "$ref": ref("AssessableReport")
    }


def test_the_language_query_is_checked_against_its_documented_pattern(
    client: TestClient,
) -> None:
    document = client.get("/openapi.json").json()
    (parameter,) = [
        parameter
        for parameter in document["paths"]["/v1/assess"]["post"]["parameters"]
        if parameter["name"] == "language"
    ]
    pattern = parameter["schema"]["anyOf"][0]["pattern"]
    for language, status in [
        ("fr", 200),
        ("FR", 200),
        ("fr-CA", 200),
        ("fr_ca", 200),
        ("EN-gb", 200),
        ("", 422),
        (" fr", 422),
        ("fr\n", 422),
        ("fre", 422),
        ("de", 422),
    ]:
        documented = re.fullmatch(pattern, language) is not None
        answer = client.post(f"/v1/assess?language={quote(language)}", json=PSOAS)
        assert answer.status_code == status, (language, answer.text)
        assert documented == (status == 200), language
        if status == 422:
            assert answer.json()["error"] == "unknown_language"


def test_html_report_endpoint(client: TestClient, shipped_book: RuleBook) -> None:
    from psoas_triage.report_html import render_html

    response = client.post("/v1/report", json=PSOAS)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.text == render_html(assess(PSOAS, shipped_book), shipped_book)
    assert client.post("/v1/report", json={"present": ["nope"]}).status_code == 422


def test_concurrent_assessments_stay_correct(shipped_book: RuleBook) -> None:
    """Many requests at once on one event loop: the engine lock serialises, answers stay exact."""
    reports = [r.model_dump() for r in mixed_reports(shipped_book, 40, seed=3)]

    async def run() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=create_app())
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as session:
            return await asyncio.gather(*(session.post("/v1/assess", json=r) for r in reports))

    responses = asyncio.run(run())
    for report, response in zip(reports, responses, strict=True):
        assert response.content == assess(report, shipped_book).to_json().encode()


# --- CDS Hooks ----------------------------------------------------------------------------------


def test_discovery_validates_as_cds_hooks(client: TestClient) -> None:
    discovery = CdsDiscovery.model_validate(client.get("/cds-services").json())
    (service,) = discovery.services
    assert (service.hook, service.id) == ("patient-view", "psoas-triage")
    assert "psoas-triage" in (service.usageRequirements or "")


@pytest.mark.parametrize(
    ("report", "level", "indicator"),
    [
        ({"present": ["saddle_numbness", "low_back_pain"]}, "emergency", "critical"),
        ({"present": ["fever", "groin_pain"]}, "urgent", "warning"),
        (PSOAS, "consultation", "info"),
        (
            {"present": ["low_back_pain"], "absent": WARNING_SIGNS, "pain_intensity": 2},
            "self_care",
            "info",
        ),
    ],
)
def test_card_per_level(
    client: TestClient, shipped_book: RuleBook, report: Any, level: str, indicator: str
) -> None:
    assessment = assess(report, shipped_book)
    assert assessment.triage_level.value == level
    response = client.post("/cds-services/psoas-triage", json=cds_call(report))
    assert response.status_code == 200, response.text
    (card,) = CdsResponse.model_validate(response.json()).cards
    assert card.indicator == indicator
    assert len(card.summary) < 140
    assert level.replace("_", "-") in card.summary
    assert card.detail is not None
    for finding in assessment.findings:
        assert f"`{finding.rule_id}`" in card.detail
        for source in finding.sources:
            assert md(source) in card.detail
    # The card speaks to the clinician: the book's clinician texts, never the patient's.
    assert md(assessment.clinician_action) in card.detail
    assert md(assessment.clinician_disclaimer) in card.detail
    assert md(assessment.triage_action) not in card.detail
    assert md(assessment.disclaimer) not in card.detail
    assert card.summary.startswith(f"psoas-triage: {level.replace('_', '-')}. ")
    assert assessment.clinician_action.split(".")[0] in card.summary
    assert card.links is None, "no link points anywhere real yet"
    assert "links" not in response.json()["cards"][0]


def test_non_finite_numbers_are_echoed_as_text(client: TestClient) -> None:
    response = client.post("/v1/assess", content=b'{"age": -Infinity}', headers=JSON_HEADERS)
    assert response.status_code == 422
    assert response.json()["problems"][0]["value"] == "-inf"
    call = json.dumps(cds_call({"age": float("inf")})).encode()  # json.dumps writes Infinity
    response = client.post("/cds-services/psoas-triage", content=call, headers=JSON_HEADERS)
    assert response.status_code == 422
    assert response.json()["problems"][0]["field"] == "prefetch.psoas-triage.age"


def test_cds_errors_name_the_place(client: TestClient) -> None:
    missing = client.post("/cds-services/psoas-triage", json=cds_call())
    assert missing.status_code == 422
    assert missing.json()["problems"][0]["field"] == "prefetch.psoas-triage"
    bad = client.post("/cds-services/psoas-triage", json=cds_call({"present": ["groin_pian"]}))
    assert bad.status_code == 422
    problem = bad.json()["problems"][0]
    assert problem["field"] == "prefetch.psoas-triage.present[0]"
    assert problem["suggestions"][0] == "groin_pain"
    wrong_hook = client.post("/cds-services/psoas-triage", json=cds_call(PSOAS, hook="order-sign"))
    assert wrong_hook.status_code == 422
    assert wrong_hook.json()["error"] == "invalid_cds_request"
    assert wrong_hook.json()["problems"][0]["field"] == "hook"
    no_uuid = client.post("/cds-services/psoas-triage", json=cds_call(PSOAS, hookInstance="x"))
    assert no_uuid.json()["problems"][0]["field"] == "hookInstance"


def test_markdown_from_data_cannot_format_itself() -> None:
    escaped = md("[click](http://example.org) <b>bold</b> *x* | `code`")
    assert (
        "[click]" not in escaped and "<b>" not in escaped and "|" not in escaped.replace("\\|", "")
    )
    assert escaped.count("\\") >= 10


# --- no input gives a 5xx -----------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
REPORTISH = st.fixed_dictionaries(
    {},
    optional={
        "present": st.lists(
            st.sampled_from(["groin_pain", "fever", "x", ""]) | st.integers(), max_size=4
        ),
        "absent": st.lists(st.sampled_from(["groin_pain", "saddle_numbness"]), max_size=2),
        "age": st.integers(-5, 200) | st.text(max_size=3) | st.floats(),
        "duration_days": st.integers(-1, 40000),
        "pain_intensity": st.integers(-1, 11) | st.none(),
        "extra": JSON_VALUES,
    },
)
BODIES = st.one_of(
    st.binary(max_size=200),
    JSON_VALUES.map(lambda value: json.dumps(value).encode()),
    REPORTISH.map(lambda value: json.dumps(value).encode()),
    REPORTISH.map(lambda report: json.dumps(cds_call(report)).encode()),
    JSON_VALUES.map(lambda value: json.dumps(cds_call(value)).encode()),
)
ROUTES = ["/v1/assess", "/v1/report", "/cds-services/psoas-triage"]
COUNTED: dict[str, int] = {}


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(route=st.sampled_from(ROUTES), body=BODIES)
def test_no_request_body_gives_a_5xx(client: TestClient, route: str, body: bytes) -> None:
    response = client.post(route, content=body, headers={"content-type": "application/json"})
    COUNTED[str(response.status_code)] = COUNTED.get(str(response.status_code), 0) + 1
    assert response.status_code < 500, (route, body, response.text)
    assert response.status_code in (200, 422)


# --- the core stays free of web code ------------------------------------------------------------


def test_importing_the_library_imports_no_web_framework() -> None:
    code = (
        "import sys, psoas_triage, psoas_triage.cli, psoas_triage.report_html\n"
        "web = {'fastapi', 'uvicorn', 'starlette', 'httpx', 'playwright'}\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & web))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_an_internal_failure_is_json_without_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    import psoas_triage.service.app as service_app

    def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("engine exploded at /secret/path")

    monkeypatch.setattr(service_app, "assess", broken)
    response = TestClient(create_app(), raise_server_exceptions=False).post(
        "/v1/assess", json=PSOAS
    )
    assert response.status_code == 500
    assert response.json() == {
        "error": "internal_error",
        "message": "internal error (RuntimeError)",
        "problems": [],
    }
    assert "secret" not in response.text and "Traceback" not in response.text


def test_a_broken_body_map_stops_the_app_at_start(tmp_path: Any) -> None:
    import shutil
    from pathlib import Path

    from psoas_triage import RuleBookError, load_rulebook

    target = tmp_path / "rules"
    shutil.copytree(Path(__file__).resolve().parents[1] / "rules", target)
    (target / "body_map.yaml").write_text("regions:\n  groin_pain: [elbow]\n", encoding="utf-8")
    with pytest.raises(RuleBookError, match=r"body_map\.yaml"):
        create_app(load_rulebook(target))
