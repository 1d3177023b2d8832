"""Issue 22: no red flag lost on any door, no stray work after a fault.

One test per item of the audit, named after what it protects; each failed on the main of the day
the issue was filed. Items handled through the batch runner, the rule-book loader and the HTTP
service have their own sections below.
"""

from __future__ import annotations

import gc
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import psoas_triage.fhir.response as fhir_response
from psoas_triage import (
    ReportError,
    RuleBook,
    assess,
    engine_stats,
    load_rulebook,
    parse_report_json,
    set_max_engines,
)
from psoas_triage.errors import MAX_PROBLEMS, MORE_PROBLEMS
from psoas_triage.fhir import from_questionnaire_response
from psoas_triage.fhir.questionnaire import questionnaire_url
from psoas_triage.models import TriageLevel

SCRIPT = Path(sys.executable).with_name("psoas-triage")
SADDLE = '{"linkId": "saddle_numbness", "answer": [{"valueBoolean": true}]}'
GROIN = '{"linkId": "groin_pain", "answer": [{"valueBoolean": true}]}'


def response_text(items: str, *, status: str = '"completed"', extra: str = "") -> str:
    """A QuestionnaireResponse written as JSON text, so keys can be given twice."""
    return (
        '{"resourceType": "QuestionnaireResponse", "status": '
        f"{status}{extra}, " + f'"item": [{items}]' + "}"
    )


# --- item 2 (critical): the FHIR bridge takes the last of duplicate JSON keys -------------------


def test_fhir_response_with_saddle_numbness_alone_is_an_emergency(shipped_book: RuleBook) -> None:
    """The baseline the duplicates below must not lose."""
    report = from_questionnaire_response(response_text(SADDLE), shipped_book)
    assert assess(report, shipped_book).triage_level is TriageLevel.emergency


DUPLICATED_FHIR_KEYS = {
    "answer": (
        '{"linkId": "saddle_numbness", "answer": [{"valueBoolean": true}], "answer": []}',
        "item[0].answer",
    ),
    "valueBoolean": (
        '{"linkId": "saddle_numbness", "answer": [{"valueBoolean": true, "valueBoolean": false}]}',
        "item[0].answer[0].valueBoolean",
    ),
    "linkId": (
        '{"linkId": "saddle_numbness", "linkId": "groin_pain", "answer": [{"valueBoolean": true}]}',
        "item[0].linkId",
    ),
}


@pytest.mark.parametrize("key", sorted(DUPLICATED_FHIR_KEYS))
def test_fhir_duplicate_key_inside_an_item_is_refused_not_lost(
    key: str, shipped_book: RuleBook
) -> None:
    item, path = DUPLICATED_FHIR_KEYS[key]
    with pytest.raises(ReportError) as caught:
        from_questionnaire_response(response_text(item), shipped_book)
    [problem] = caught.value.problems
    assert problem.field == path
    assert "more than once" in problem.message


def test_fhir_item_list_given_twice_is_refused_not_lost(shipped_book: RuleBook) -> None:
    text = response_text(SADDLE)[:-1] + f', "item": [{GROIN}]' + "}"
    with pytest.raises(ReportError) as caught:
        from_questionnaire_response(text, shipped_book)
    assert [problem.field for problem in caught.value.problems] == ["item"]


def test_fhir_status_given_twice_is_refused_not_assessed(shipped_book: RuleBook) -> None:
    """``entered-in-error`` then ``completed``: the record was withdrawn; never assess it."""
    text = response_text(GROIN, status='"entered-in-error", "status": "completed"')
    with pytest.raises(ReportError) as caught:
        from_questionnaire_response(text.encode(), shipped_book)
    assert [problem.field for problem in caught.value.problems] == ["status"]


def test_cli_assess_fhir_refuses_a_duplicate_answer(tmp_path: Path) -> None:
    source = tmp_path / "response.json"
    source.write_text(response_text(DUPLICATED_FHIR_KEYS["answer"][0]), encoding="utf-8")
    result = subprocess.run(
        [str(SCRIPT), "assess", "--input", str(source), "--fhir"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "item[0].answer" in result.stderr
    assert "more than once" in result.stderr
    assert '"resourceType"' not in result.stdout  # no RiskAssessment written


# --- item 7 (major): the engine cache has no bound across rule directories ----------------------


def test_engines_of_many_rule_directories_stay_bounded(tmp_path: Path) -> None:
    """Loading distinct rule directories one after another keeps at most the total bound of
    engines compiled and alive (each holds a durable_rules ruleset of about 5 MB)."""
    from psoas_triage.assessment import default_rulebook

    set_max_engines(3)
    try:
        built_before = engine_stats().built
        for number in range(8):
            folder = tmp_path / f"tenant{number}"
            shutil.copytree(default_rulebook().path, folder)
            book = load_rulebook(folder, cache=False)
            result = assess({"present": ["saddle_numbness"]}, book)
            assert result.triage_level is TriageLevel.emergency
            del book, result
        gc.collect()
        stats = engine_stats()
        assert stats.built - built_before >= 8
        assert stats.total == 3
        assert stats.cached <= 3
        assert stats.alive <= 3
    finally:
        set_max_engines(16)
    assert engine_stats().total == 16


@pytest.mark.parametrize("bad", [0, -1, 2.5, True, "8"])
def test_engine_bound_must_be_a_whole_number_of_at_least_one(bad: Any) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        set_max_engines(bad)


# --- minor: FHIR ---------------------------------------------------------------------------------


def test_fhir_items_nested_2000_deep_in_a_dict_are_refused_cleanly(
    shipped_book: RuleBook,
) -> None:
    """A dict, not text: the same depth limit as JSON text, and no RecursionError."""
    item: dict[str, Any] = {"linkId": "groin_pain"}
    outermost = item
    for _ in range(2_000):
        inner: dict[str, Any] = {"linkId": "groin_pain"}
        item["item"] = [inner]
        item = inner
    data = {"resourceType": "QuestionnaireResponse", "status": "completed", "item": [outermost]}
    with pytest.raises(ReportError) as caught:
        from_questionnaire_response(data, shipped_book)
    [problem] = caught.value.problems
    assert problem.field == "QuestionnaireResponse"
    assert "nested deeper than" in problem.message


@pytest.mark.parametrize("version", ["", "|0.0.1", "|2020.1.0+0000"])
def test_fhir_response_to_another_version_or_an_empty_questionnaire_is_refused(
    version: str, shipped_book: RuleBook
) -> None:
    canonical = "" if version == "" else questionnaire_url(shipped_book) + version
    text = response_text(GROIN, extra=f', "questionnaire": {json.dumps(canonical)}')
    with pytest.raises(ReportError) as caught:
        from_questionnaire_response(text, shipped_book)
    [problem] = caught.value.problems
    assert problem.field == "questionnaire"


def test_fhir_response_to_this_version_or_with_no_version_is_read(shipped_book: RuleBook) -> None:
    url = questionnaire_url(shipped_book)
    for canonical in (url, f"{url}|{shipped_book.full_version}"):
        text = response_text(GROIN, extra=f', "questionnaire": {json.dumps(canonical)}')
        assert from_questionnaire_response(text, shipped_book).present == ("groin_pain",)


def test_fhir_error_for_10000_unknown_link_ids_is_capped(
    shipped_book: RuleBook, monkeypatch: pytest.MonkeyPatch
) -> None:
    """50 problems listed, the rest counted; suggestions looked up for the listed ones only."""
    looked_up = 0
    real_closest = fhir_response.closest

    def counting_closest(*args: Any, **kwargs: Any) -> tuple[str, ...]:
        nonlocal looked_up
        looked_up += 1
        return real_closest(*args, **kwargs)

    monkeypatch.setattr(fhir_response, "closest", counting_closest)
    items = ", ".join(f'{{"linkId": "nosuch{number}"}}' for number in range(10_000))
    with pytest.raises(ReportError) as caught:
        from_questionnaire_response(response_text(items), shipped_book)
    problems = caught.value.problems
    assert len(problems) == MAX_PROBLEMS + 1
    assert problems[-1].field == MORE_PROBLEMS
    assert problems[-1].value == 10_000 - MAX_PROBLEMS
    assert "9,950 more problems" in problems[-1].message
    assert looked_up <= MAX_PROBLEMS
    assert len(str(caught.value)) < 10_000


# --- the one JSON reader -------------------------------------------------------------------------


def test_a_byte_order_mark_is_read_like_the_same_report_without_it(shipped_book: RuleBook) -> None:
    text = '{"present": ["groin_pain"], "age": 40}'
    plain = parse_report_json(text, shipped_book)
    assert parse_report_json("\ufeff" + text, shipped_book) == plain
    assert parse_report_json(b"\xef\xbb\xbf" + text.encode(), shipped_book) == plain


def test_a_duplicate_key_names_its_path_in_the_report(shipped_book: RuleBook) -> None:
    with pytest.raises(ReportError) as caught:
        parse_report_json('{"present": ["saddle_numbness"], "present": []}', shipped_book)
    [problem] = caught.value.problems
    assert (problem.field, problem.value) == ("present", "present")
