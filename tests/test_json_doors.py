"""The same hostile JSON through every door that reads a report gets the same answer.

One reader (``psoas_triage.json_input``) serves the library, the CLI's ``--input``, batch lines,
the HTTP service, CDS Hooks and the FHIR bridge, so a key given twice, a byte order mark, bytes
that are not UTF-8, deep nesting or a lone surrogate are refused (or, for the BOM, accepted)
alike. Each door's
answer is brought to one shape, ``("assessed", level)`` or ``("refused", [(field, message)])``,
and every door must give the library's. CDS Hooks and FHIR carry the report in a document of
their own, so there the same flaw is put in that document and the same message must come back.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from psoas_triage import ReportError, RuleBook, assess, parse_report_json
from psoas_triage.batch import run_batch
from psoas_triage.json_input import MAX_JSON_DEPTH

SCRIPT = Path(sys.executable).with_name("psoas-triage")

Outcome = tuple[str, Any]

HOSTILE_BODIES: dict[str, bytes] = {
    "present twice, the red flag first": b'{"present": ["saddle_numbness"], "present": []}',
    "absent twice": b'{"present": ["groin_pain"], "absent": [], "absent": ["fever"]}',
    "age twice": b'{"present": ["groin_pain"], "age": 30, "age": 80}',
    "UTF-8 byte order mark": b'\xef\xbb\xbf{"present": ["saddle_numbness"]}',
    "UTF-16 text": '{"present": ["groin_pain"]}'.encode("utf-16"),
    "not UTF-8": b'{"present": ["groin_pain\xff"]}',
    "lone surrogate escape": b'{"present": ["\\ud800"]}',
    "nested too deep": b'{"present": '
    + b"[" * (MAX_JSON_DEPTH + 5)
    + b"]" * (MAX_JSON_DEPTH + 5)
    + b"}",
    "not JSON": b'{"present": ["groin_pain"',
    "trailing garbage": b'{"present": ["groin_pain"]} {}',
    "a list, not an object": b'["groin_pain"]',
    "valid red flag": b'{"present": ["saddle_numbness"], "age": 40}',
}


def library_outcome(body: bytes, book: RuleBook) -> Outcome:
    try:
        report = parse_report_json(body, book)
    except ReportError as error:
        return refused(error.to_dict())
    return ("assessed", assess(report, book).triage_level.value)


def refused(record: dict[str, Any]) -> Outcome:
    return ("refused", [(p["field"], p["message"]) for p in record["problems"]])


def record_outcome(record: dict[str, Any]) -> Outcome:
    if "triage_level" in record:
        return ("assessed", record["triage_level"])
    error = record.get("error")
    return refused(error if isinstance(error, dict) else record)  # a batch line nests it


@pytest.fixture(scope="module")
def expected(shipped_book: RuleBook) -> dict[str, Outcome]:
    return {name: library_outcome(body, shipped_book) for name, body in HOSTILE_BODIES.items()}


def test_the_library_refuses_every_hostile_body_and_keeps_the_red_flag(
    expected: dict[str, Outcome],
) -> None:
    """The reference the other doors are held to is itself right."""
    assessed = {name for name, outcome in expected.items() if outcome[0] == "assessed"}
    assert assessed == {"UTF-8 byte order mark", "valid red flag"}
    assert expected["UTF-8 byte order mark"] == ("assessed", "emergency")
    assert expected["present twice, the red flag first"] == (
        "refused",
        [("present", "key given more than once in one JSON object (which one is meant?)")],
    )


@pytest.mark.parametrize("name", sorted(HOSTILE_BODIES))
def test_cli_input_answers_as_the_library(
    name: str, tmp_path: Path, expected: dict[str, Outcome]
) -> None:
    source = tmp_path / "report.json"
    source.write_bytes(HOSTILE_BODIES[name])
    result = subprocess.run(
        [str(SCRIPT), "assess", "--input", str(source), "--json"],
        capture_output=True,
        timeout=120,
    )
    record = json.loads(result.stdout)
    assert record_outcome(record) == expected[name], result.stderr
    assert (result.returncode == 0) == (expected[name][0] == "assessed")


def test_batch_lines_answer_as_the_library(tmp_path: Path, expected: dict[str, Outcome]) -> None:
    names = sorted(HOSTILE_BODIES)
    source = tmp_path / "in.jsonl"
    source.write_bytes(b"".join(HOSTILE_BODIES[name] + b"\n" for name in names))
    output = tmp_path / "out.jsonl"
    run_batch(source, output)
    records = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert len(records) == len(names)
    for name, record in zip(names, records, strict=True):
        assert record_outcome(record) == expected[name], name


def test_service_answers_as_the_library(expected: dict[str, Outcome]) -> None:
    pytest.importorskip("httpx", reason="FastAPI's TestClient needs httpx")
    from fastapi.testclient import TestClient

    from psoas_triage.service.app import create_app

    client = TestClient(create_app(), raise_server_exceptions=False)
    for name, body in HOSTILE_BODIES.items():
        answer = client.post(
            "/v1/assess", content=body, headers={"Content-Type": "application/json"}
        )
        assert answer.status_code in (200, 422), (name, answer.text)
        assert record_outcome(answer.json()) == expected[name], name


# --- CDS Hooks and FHIR: the same flaws inside their own documents ------------------------------

CDS_ENVELOPE = (
    b'{"hook": "patient-view", "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea", '
    b'"context": {"userId": "Practitioner/1", "patientId": "1"}, '
    b'"prefetch": {"psoas-triage": %s}}'
)
DOCUMENT_LEVEL = {"UTF-8 byte order mark", "UTF-16 text"}
"""Flaws of the document as a whole (its encoding), not of the report inside it."""


def in_cds_request(name: str) -> bytes:
    """The CDS Hooks request carrying the body ``name`` as its report, flaw and all."""
    if name == "UTF-8 byte order mark":
        return b"\xef\xbb\xbf" + CDS_ENVELOPE % HOSTILE_BODIES["valid red flag"]
    if name == "UTF-16 text":
        return (CDS_ENVELOPE % b'{"present": ["groin_pain"]}').decode().encode("utf-16")
    return CDS_ENVELOPE % HOSTILE_BODIES[name]


def messages(outcome: Outcome) -> Outcome:
    """``outcome`` with the problems' messages only, positions and sizes blanked: the same flaw
    sits at another byte of a larger document."""
    if outcome[0] == "assessed":
        return outcome
    return ("refused", sorted(re.sub(r"[0-9]+", "N", message) for _, message in outcome[1]))


CDS_CARDS = {"emergency": "critical", "urgent": "warning"}


def test_cds_hooks_answers_as_the_library(expected: dict[str, Outcome]) -> None:
    pytest.importorskip("httpx", reason="FastAPI's TestClient needs httpx")
    from fastapi.testclient import TestClient

    from psoas_triage.service.app import create_app

    client = TestClient(create_app(), raise_server_exceptions=False)
    for name in HOSTILE_BODIES:
        answer = client.post(
            "/cds-services/psoas-triage",
            content=in_cds_request(name),
            headers={"Content-Type": "application/json"},
        )
        want = messages(expected[name])
        if want[0] == "assessed":
            assert answer.status_code == 200, (name, answer.text)
            [card] = answer.json()["cards"]
            assert card["indicator"] == CDS_CARDS.get(want[1], "info"), name
            continue
        assert answer.status_code == 422, (name, answer.text)
        problems = answer.json()["problems"]
        got = ("refused", sorted(re.sub(r"[0-9]+", "N", p["message"]) for p in problems))
        if name in ("not JSON", "trailing garbage"):  # inside an object: another JSON error
            assert [p["message"][:15] for p in problems] == ["not valid JSON:"], name
            continue
        assert got == want, name
        library_fields = {field for field, _ in expected[name][1]} - {"report"}
        for field in library_fields:  # a key's path reaches into the prefetch
            assert any(p["field"].endswith(f"psoas-triage.{field}") for p in problems), name


FHIR_SHELL = b'{"resourceType": "QuestionnaireResponse", "status": "completed", "item": [%s]}'
FHIR_ITEMS = {
    "present twice, the red flag first": b'{"linkId": "saddle_numbness", '
    b'"answer": [{"valueBoolean": true}], "answer": []}',
    "lone surrogate escape": b'{"linkId": "\\ud800"}',
    "not UTF-8": b'{"linkId": "groin_pain\xff"}',
    "nested too deep": b'{"linkId": "groin_pain", "extension": '
    + b"[" * (MAX_JSON_DEPTH + 5)
    + b"]" * (MAX_JSON_DEPTH + 5)
    + b"}",
}


def test_fhir_bridge_answers_as_the_library(
    expected: dict[str, Outcome], shipped_book: RuleBook
) -> None:
    """The document-level flaws, and those a QuestionnaireResponse can carry, give the
    library's message (a duplicate key: the library's message, at the item's path)."""
    from psoas_triage.fhir import from_questionnaire_response

    saddle = b'{"linkId": "saddle_numbness", "answer": [{"valueBoolean": true}]}'
    documents = {
        "UTF-8 byte order mark": b"\xef\xbb\xbf" + FHIR_SHELL % saddle,
        "UTF-16 text": (FHIR_SHELL % saddle).decode().encode("utf-16"),
        **{name: FHIR_SHELL % item for name, item in FHIR_ITEMS.items()},
    }
    for name, document in documents.items():
        try:
            report = from_questionnaire_response(document, shipped_book)
        except ReportError as error:
            got = messages(refused(error.to_dict()))
        else:
            got = ("assessed", assess(report, shipped_book).triage_level.value)
        assert got == messages(expected[name]), name
