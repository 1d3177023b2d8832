"""``POST /v1/next-question``: the stateless interview over HTTP, through FastAPI's TestClient."""

from __future__ import annotations

import warnings
from typing import Any

import pytest

from psoas_triage import NextStep, default_rulebook, next_question

pytest.importorskip("fastapi", reason="the service extra (fastapi) is not installed")
pytest.importorskip("httpx", reason="FastAPI's TestClient needs httpx")

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from psoas_triage.service import create_app


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(), raise_server_exceptions=False)


def test_next_question_is_byte_for_byte_the_library(client: TestClient) -> None:
    for report in [{}, {"present": ["groin_pain"], "unknown": ["fever", "age"]}]:
        response = client.post("/v1/next-question", json=report)
        assert response.status_code == 200
        assert response.content == next_question(report).to_json().encode()


def test_a_whole_interview_one_request_at_a_time(client: TestClient) -> None:
    report: dict[str, Any] = {"present": [], "absent": [], "unknown": []}
    asked = 0
    for _ in range(120):
        step = NextStep.model_validate_json(client.post("/v1/next-question", json=report).content)
        if step.should_stop:
            break
        asked += 1
        question = step.question
        assert question is not None and question.why.startswith("asked")
        if question.kind == "group":
            report["absent"] += list(question.codes)
        elif question.kind == "choice":
            assert question.field == "sex" and question.options == ("female", "male")
            report["sex"] = "female"
        elif question.kind == "number":
            assert question.field is not None
            report[question.field] = {"age": 30, "duration_days": 3, "pain_intensity": 2}[
                question.field
            ]
        else:
            report["absent"].append(question.code)
    assert step.should_stop and step.assessment is not None
    assert step.assessment.triage_level.value == "self_care"
    assert asked < len(default_rulebook().terms)  # fewer questions than the vocabulary has codes


def test_depth_is_a_query_parameter(client: TestClient) -> None:
    mild = {"present": ["groin_pain"], "absent": [], "age": 30, "sex": "female"}
    triage = client.post("/v1/next-question", json=mild)
    full = client.post("/v1/next-question?depth=full", json=mild)
    assert triage.status_code == full.status_code == 200
    assert NextStep.model_validate_json(full.content).question is not None
    wrong = client.post("/v1/next-question?depth=deep", json=mild)
    assert wrong.status_code == 422 and "depth" in wrong.text


def test_a_bad_report_is_a_422_naming_the_field(client: TestClient) -> None:
    response = client.post("/v1/next-question", json={"unknown": ["groin_pian"]})
    assert response.status_code == 422
    assert "unknown[0]" in response.text and "groin_pain" in response.text


def test_the_route_is_in_the_openapi_document(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    schema = paths["/v1/next-question"]["post"]["responses"]["200"]["content"]["application/json"]
    assert schema["schema"]["$ref"].endswith("/NextStep")
