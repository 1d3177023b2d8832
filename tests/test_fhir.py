"""The FHIR bridge: Questionnaire -> QuestionnaireResponse -> SymptomReport -> Assessment ->
RiskAssessment, every resource validated by fhir.resources (R4B), and named errors for bad input.

Skipped when the ``fhir`` extra is not installed; it is part of the ``test`` extra, so CI runs it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("fhir.resources.R4B.questionnaire")

from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import (
    QuestionnaireResponse,
    QuestionnaireResponseItem,
    QuestionnaireResponseItemAnswer,
)
from fhir.resources.R4B.riskassessment import RiskAssessment

from psoas_triage import (
    ReportError,
    RuleBook,
    SymptomReport,
    TriageLevel,
    assess,
)
from psoas_triage.fhir import (
    from_questionnaire_response,
    to_questionnaire,
    to_risk_assessment,
)
from psoas_triage.fhir.risk import PSOAS_SCORE, RULE_SYSTEM, TRIAGE_LEVEL
from psoas_triage.schema import Category

SCRIPT = Path(sys.executable).with_name("psoas-triage")
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"
ANSWER_CODE = {"yes": "Y", "no": "N", "dont_know": "asked-unknown"}


# --- helpers: a client that fills in the generated Questionnaire -------------------------------


def flat_items(items: list[Any]) -> list[Any]:
    """Every item of a Questionnaire, groups included, depth first."""
    found = []
    for item in items or []:
        found.append(item)
        found += flat_items(item.item)
    return found


def respond(
    questionnaire: Questionnaire, answers: dict[str, str | int], status: str = "completed"
) -> QuestionnaireResponse:
    """Fill in ``questionnaire`` like a form would: codes with the options it offers
    (``"yes"`` / ``"no"`` / ``"dont_know"``), numbers as integers, the rest left unanswered.
    The response mirrors the Questionnaire's own item tree, groups and all."""

    def answer_items(items: list[Any]) -> list[QuestionnaireResponseItem]:
        out = []
        for item in items or []:
            if item.type == "group":
                children = answer_items(item.item)
                if children:
                    out.append(QuestionnaireResponseItem(linkId=item.linkId, item=children))
                continue
            if item.linkId not in answers:
                continue
            given_answer = answers[item.linkId]
            if item.type == "integer":
                value: dict[str, Any] = {"valueInteger": given_answer}
            else:
                wanted = ANSWER_CODE.get(str(given_answer), given_answer)
                [option] = [o for o in item.answerOption if o.valueCoding.code == wanted]
                value = {"valueCoding": option.valueCoding}
            out.append(
                QuestionnaireResponseItem(
                    linkId=item.linkId, answer=[QuestionnaireResponseItemAnswer(**value)]
                )
            )
        return out

    return QuestionnaireResponse(
        status=status,
        questionnaire=f"{questionnaire.url}|{questionnaire.version}",
        item=answer_items(questionnaire.item),
    )


def revalidated(resource: Any) -> Any:
    """``resource`` serialised to JSON and read back by fhir.resources: proves it is valid R4B."""
    again = type(resource).model_validate_json(resource.model_dump_json())
    assert again.model_dump_json() == resource.model_dump_json()
    return again


def raw_response(*items: dict[str, Any], status: str = "completed") -> dict[str, Any]:
    return {"resourceType": "QuestionnaireResponse", "status": status, "item": list(items)}


def problem_of(data: Any, book: RuleBook | None = None) -> tuple[str, str, tuple[str, ...]]:
    """The single problem a malformed response raises: (field, message, suggestions)."""
    with pytest.raises(ReportError) as caught:
        from_questionnaire_response(data, book)
    assert len(caught.value.problems) == 1, caught.value
    problem = caught.value.problems[0]
    return problem.field, problem.message, problem.suggestions


@pytest.fixture(scope="module")
def questionnaire(shipped_book: RuleBook) -> Questionnaire:
    return to_questionnaire(shipped_book)


# --- the Questionnaire --------------------------------------------------------------------------


def test_questionnaire_is_valid_r4b_with_one_item_per_code(questionnaire, shipped_book):
    again = revalidated(questionnaire)
    assert again.status == "active"
    assert again.version == shipped_book.full_version
    items = flat_items(again.item)
    link_ids = [item.linkId for item in items]
    assert len(link_ids) == len(set(link_ids)), "linkIds must be unique"
    numbers = ["age", "duration_days", "pain_intensity"]
    extra = ["sex"] if "sex" in SymptomReport.model_fields else []
    assert set(link_ids) == {*shipped_book.terms, "warning_signs", *numbers, *extra}
    for item in items:
        if item.linkId in shipped_book.terms:
            term = shipped_book.terms[item.linkId]
            assert item.text == term.question
            assert item.type == "choice"
            assert [o.valueCoding.code for o in item.answerOption] == ["Y", "N", "asked-unknown"]
            assert item.code[0].code == term.code
            assert item.enableWhen is None  # none derivable from the vocabulary yet


def test_warning_signs_are_one_group_shown_first(questionnaire, shipped_book):
    first = questionnaire.item[0]
    assert first.linkId == "warning_signs" and first.type == "group"
    red = [t.code for t in shipped_book.terms.values() if t.category is Category.red_flag]
    assert len(red) >= 5
    assert [child.linkId for child in first.item] == red
    top_level = {item.linkId for item in questionnaire.item[1:]}
    assert not top_level & set(red)


def test_numbers_are_integer_items_with_the_report_ranges(questionnaire):
    by_id = {item.linkId: item for item in questionnaire.item}
    expected = {"age": (0, 120), "duration_days": (0, 36500), "pain_intensity": (0, 10)}
    for name, (low, high) in expected.items():
        item = by_id[name]
        assert item.type == "integer"
        limits = {ext.url: ext.valueInteger for ext in item.extension}
        assert limits == {MIN_VALUE: low, MAX_VALUE: high}
        assert item.text.endswith("?")


def test_sex_item_only_when_the_report_has_the_field(questionnaire):
    link_ids = {item.linkId for item in flat_items(questionnaire.item)}
    assert ("sex" in link_ids) == ("sex" in SymptomReport.model_fields)


def test_questionnaire_follows_the_given_rule_book(mini_book):
    items = flat_items(to_questionnaire(mini_book).item)
    codes = {item.linkId for item in items} - {"warning_signs", "age", "duration_days"}
    codes -= {"pain_intensity", "sex"}
    assert codes == {"groin_pain", "hip_snapping", "fever"}
    group = next(item for item in items if item.linkId == "warning_signs")
    assert [child.linkId for child in group.item] == ["fever"]


# --- the round trip -----------------------------------------------------------------------------


def round_trip(questionnaire, book, answers):
    response = revalidated(respond(questionnaire, answers))
    report = from_questionnaire_response(response, book)
    assessment = assess(report, book)
    risk = revalidated(to_risk_assessment(assessment, rulebook=book))
    return report, assessment, risk


def triage_code(risk: RiskAssessment) -> str:
    [extension] = [ext for ext in risk.extension if ext.url == TRIAGE_LEVEL]
    return extension.valueCoding.code


def test_red_flag_round_trip(questionnaire, shipped_book):
    answers: dict[str, str | int] = {"saddle_numbness": "yes", "groin_pain": "yes", "age": 40}
    answers |= {"fever": "no", "major_trauma": "dont_know"}
    report, assessment, risk = round_trip(questionnaire, shipped_book, answers)
    assert report == SymptomReport(
        present=("saddle_numbness", "groin_pain"), absent=("fever",), age=40
    )
    assert assessment.triage_level is TriageLevel.emergency
    assert risk.status == "final"
    assert triage_code(risk) == "emergency"
    assert risk.mitigation.startswith("Triage: emergency. ")
    assert risk.mitigation == f"Triage: emergency. {assessment.clinician_action}"
    assert "drive yourself" not in risk.mitigation
    basis = [(ref.identifier.system, ref.identifier.value) for ref in risk.basis]
    assert (RULE_SYSTEM, "saddle_numbness") in basis
    assert [value for _, value in basis] == list(assessment.fired_rule_ids)
    notes = [note.text for note in risk.note]
    assert notes[0] == assessment.clinician_disclaimer and "not a diagnosis" in notes[0]
    assert notes[1] == f"Action (emergency): {assessment.clinician_action}"
    assert any(text.startswith("Warning sign (emergency):") for text in notes)


def test_psoas_round_trip(questionnaire, shipped_book):
    red = {t.code: "no" for t in shipped_book.terms.values() if t.category is Category.red_flag}
    answers: dict[str, str | int] = {**red, "groin_pain": "yes", "hip_snapping": "yes"}
    answers |= {"front_of_hip_pain": "yes", "age": 34, "duration_days": 10, "pain_intensity": 5}
    report, assessment, risk = round_trip(questionnaire, shipped_book, answers)
    assert set(report.absent) == set(red)
    assert report.present == ("groin_pain", "front_of_hip_pain", "hip_snapping")
    direct = assess(
        {
            "present": ["groin_pain", "hip_snapping", "front_of_hip_pain"],
            "absent": list(red),
            "age": 34,
            "duration_days": 10,
            "pain_intensity": 5,
        },
        shipped_book,
    )
    assert assessment.model_dump(exclude={"report"}) == direct.model_dump(exclude={"report"})
    assert assessment.likelihood.value == "likely" and assessment.psoas_score >= 40
    [prediction] = risk.prediction
    risk_codes = [coding.code for coding in prediction.qualitativeRisk.coding]
    assert risk_codes == ["likely", "high"]
    [score] = [ext.valueInteger for ext in prediction.extension if ext.url == PSOAS_SCORE]
    assert score == assessment.psoas_score
    assert prediction.probabilityDecimal is None  # a points score is not a probability
    assert triage_code(risk) == assessment.triage_level.value
    for finding in assessment.findings:
        [note] = [n.text for n in risk.note if n.text.startswith(f"Rule {finding.rule_id}:")]
        for source in finding.sources:
            assert source in note
            assert shipped_book.sources[source].title in note


def test_unanswered_and_dont_know_stay_unknown(questionnaire, shipped_book):
    # Nothing known is nothing to assess: the same refusal as every other door.
    response = revalidated(respond(questionnaire, {"groin_pain": "dont_know"}))
    with pytest.raises(ReportError, match="nothing to assess"):
        from_questionnaire_response(response, shipped_book)
    report, _, _ = round_trip(
        questionnaire, shipped_book, {"groin_pain": "dont_know", "fever": "no"}
    )
    assert report == SymptomReport(absent=["fever"])


def test_object_dict_and_json_text_read_the_same(questionnaire, shipped_book):
    response = respond(questionnaire, {"groin_pain": "yes", "fever": "no", "pain_intensity": 3})
    as_dict = json.loads(response.model_dump_json())
    reports = [
        from_questionnaire_response(source, shipped_book)
        for source in (response, as_dict, response.model_dump_json())
    ]
    assert reports[0] == reports[1] == reports[2]
    assert reports[0] == SymptomReport(present=("groin_pain",), absent=("fever",), pain_intensity=3)


def test_another_fhir_release_object_is_read_as_r4b(shipped_book):
    from fhir.resources.questionnaireresponse import QuestionnaireResponse as R5Response

    r5 = R5Response.model_validate(
        {
            "resourceType": "QuestionnaireResponse",
            "status": "completed",
            "questionnaire": "urn:psoas-triage:questionnaire:psoas-triage%20default%20rule%20book",
            "item": [{"linkId": "groin_pain", "answer": [{"valueBoolean": True}]}],
        }
    )
    report = from_questionnaire_response(r5, shipped_book)
    assert report == SymptomReport(present=("groin_pain",))


def test_a_response_to_another_questionnaire_is_refused(shipped_book):
    data = raw_response({"linkId": "groin_pain", "answer": [{"valueBoolean": True}]})
    data["questionnaire"] = "http://example.org/Questionnaire/back-pain|1.0"
    field, message, _ = problem_of(data, shipped_book)
    assert field == "questionnaire"
    assert "answers another Questionnaire" in message


def test_source_titles_only_from_the_book_that_assessed(mini_book, shipped_book):
    assessment = assess({"present": ["groin_pain"]}, mini_book)
    [finding] = assessment.findings
    [source] = finding.sources
    title = mini_book.sources[source].title

    def rule_note(risk: RiskAssessment) -> str:
        [note] = [n.text for n in risk.note if n.text.startswith("Rule ")]
        return note

    assert title in rule_note(to_risk_assessment(assessment, rulebook=mini_book))
    other = rule_note(to_risk_assessment(assessment, rulebook=shipped_book))
    assert source in other and title not in other


def test_subject_reference_is_kept(shipped_book):
    risk = to_risk_assessment(
        assess({"present": ["groin_pain"]}, shipped_book), subject="Patient/7"
    )
    assert revalidated(risk).subject.reference == "Patient/7"


def test_boolean_answers_are_accepted(shipped_book):
    data = raw_response(
        {"linkId": "groin_pain", "answer": [{"valueBoolean": True}]},
        {"linkId": "fever", "answer": [{"valueBoolean": False}]},
    )
    report = from_questionnaire_response(data, shipped_book)
    assert report == SymptomReport(present=("groin_pain",), absent=("fever",))


ANSWER = st.sampled_from(["yes", "no", "dont_know", None])


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_any_filled_in_form_reads_back_exactly(data, questionnaire, shipped_book):
    codes = list(shipped_book.terms)
    picks = data.draw(st.lists(ANSWER, min_size=len(codes), max_size=len(codes)))
    answers: dict[str, str | int] = {c: a for c, a in zip(codes, picks, strict=True) if a}
    for name, high in (("age", 120), ("duration_days", 36500), ("pain_intensity", 10)):
        value = data.draw(st.one_of(st.none(), st.integers(0, high)))
        if value is not None:
            answers[name] = value
    report, assessment, risk = round_trip(questionnaire, shipped_book, answers)
    layout_order = [item.linkId for item in flat_items(questionnaire.item)]
    in_order = [code for code in layout_order if code in answers]
    assert report.present == tuple(c for c in in_order if answers[c] == "yes")
    assert report.absent == tuple(c for c in in_order if answers[c] == "no")
    for name in ("age", "duration_days", "pain_intensity"):
        assert getattr(report, name) == answers.get(name)
    assert triage_code(risk) == assessment.triage_level.value


# --- malformed responses: one named error each ---------------------------------------------------


@pytest.mark.parametrize(
    ("items", "field", "fragment"),
    [
        ([{"linkId": "age", "answer": [{"valueInteger": 130}]}], "age", "out of range 0-120"),
        (
            [{"linkId": "pain_intensity", "answer": [{"valueInteger": -1}]}],
            "pain_intensity",
            "out of range 0-10",
        ),
        ([{"linkId": "age", "answer": [{"valueInteger": "34"}]}], "age", "must be a JSON integer"),
        (
            [{"linkId": "age", "answer": [{"valueDecimal": 34.5}]}],
            "age",
            "expected valueInteger, got valueDecimal",
        ),
        ([{"linkId": "fever", "answer": [{"valueString": "yes"}]}], "fever", "got valueString"),
        (
            [{"linkId": "fever", "answer": [{"valueBoolean": "true"}]}],
            "fever",
            "must be a JSON true or false",
        ),
        (
            [
                {
                    "linkId": "fever",
                    "answer": [{"valueCoding": {"system": "urn:other", "code": "Y"}}],
                }
            ],
            "fever",
            "of system 'urn:other'",
        ),
        (
            [{"linkId": "fever", "answer": [{"valueBoolean": True}, {"valueBoolean": False}]}],
            "fever",
            "2 answers given",
        ),
        (
            [
                {"linkId": "fever", "answer": [{"valueBoolean": True}]},
                {"linkId": "fever", "answer": [{"valueBoolean": False}]},
            ],
            "fever",
            "answered more than once",
        ),
        (
            [{"linkId": "age", "answer": [{"valueInteger": 3, "valueBoolean": True}]}],
            "age",
            "not valid FHIR R4B",
        ),
        (
            [{"linkId": "warning_signs", "answer": [{"valueBoolean": True}]}],
            "warning_signs",
            "no answer",
        ),
    ],
)
def test_malformed_answers_name_the_link_id(shipped_book, items, field, fragment):
    got_field, message, _ = problem_of(raw_response(*items), shipped_book)
    assert got_field == field
    assert fragment in message


def test_unknown_link_id_suggests_the_closest(shipped_book):
    data = raw_response(
        {
            "linkId": "warning_signs",
            "item": [{"linkId": "groin_pian", "answer": [{"valueBoolean": True}]}],
        }
    )
    field, message, suggestions = problem_of(data, shipped_book)
    assert field == "groin_pian"
    assert "unknown linkId" in message
    assert suggestions[0] == "groin_pain"


def test_every_problem_is_reported_at_once(shipped_book):
    data = raw_response(
        {"linkId": "age", "answer": [{"valueInteger": 500}]},
        {"linkId": "hip_pian", "answer": [{"valueBoolean": True}]},
    )
    with pytest.raises(ReportError) as caught:
        from_questionnaire_response(data, shipped_book)
    assert [problem.field for problem in caught.value.problems] == ["age", "hip_pian"]


@pytest.mark.parametrize(
    ("data", "field", "fragment"),
    [
        ("{not json", "QuestionnaireResponse", "not valid JSON"),
        ({"resourceType": "Patient"}, "resourceType", "expected 'QuestionnaireResponse'"),
        ({"resourceType": "QuestionnaireResponse"}, "QuestionnaireResponse.status", "required"),
        (
            {
                "resourceType": "QuestionnaireResponse",
                "status": "completed",
                "item": [{"answer": []}],
            },
            "QuestionnaireResponse.item.0.linkId",
            "required",
        ),
        (
            {"resourceType": "QuestionnaireResponse", "status": "completed", "colour": "red"},
            "QuestionnaireResponse.colour",
            "Extra inputs",
        ),
        (raw_response(status="entered-in-error"), "status", "cannot be assessed"),
        (42, "QuestionnaireResponse", "got int"),
    ],
)
def test_not_a_questionnaire_response(shipped_book, data, field, fragment):
    got_field, message, _ = problem_of(data, shipped_book)
    assert got_field == field
    assert fragment in message


# --- the command line, through the installed entry point ----------------------------------------


def run_cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), *args], input=stdin, capture_output=True, text=True, timeout=120
    )


def test_cli_prints_the_questionnaire(shipped_book):
    result = run_cli("fhir", "questionnaire")
    assert result.returncode == 0, result.stderr
    printed = Questionnaire.model_validate_json(result.stdout)
    assert printed.model_dump_json() == to_questionnaire(shipped_book).model_dump_json()


def test_cli_assess_fhir_prints_a_risk_assessment(tmp_path, questionnaire, shipped_book):
    answers: dict[str, str | int] = {"groin_pain": "yes", "hip_snapping": "yes", "fever": "yes"}
    path = tmp_path / "qr.json"
    path.write_text(respond(questionnaire, answers).model_dump_json(), encoding="utf-8")
    result = run_cli("assess", "--input", str(path), "--fhir")
    assert result.returncode == 0, result.stderr
    risk = RiskAssessment.model_validate_json(result.stdout)
    expected = assess({"present": ["groin_pain", "hip_snapping", "fever"]}, shipped_book)
    assert triage_code(risk) == expected.triage_level.value == "urgent"
    assert result.stdout == to_risk_assessment(expected).model_dump_json(indent=2) + "\n"


def test_cli_bad_response_is_one_line_naming_the_link_id(tmp_path):
    path = tmp_path / "qr.json"
    path.write_text(json.dumps(raw_response({"linkId": "age", "answer": [{"valueInteger": 999}]})))
    result = run_cli("assess", "--input", str(path), "--fhir")
    assert result.returncode == 2
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith(f"psoas-triage: error: {path}: invalid symptom report: age: ")
    assert "out of range 0-120" in line


def test_cli_fhir_needs_input():
    result = run_cli("assess", "groin_pain", "--fhir")
    assert result.returncode == 2
    assert "--fhir needs --input FILE" in result.stderr
