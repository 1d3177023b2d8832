"""Issue 25 (second part): advice short by default, graded by its evidence, free of
contradictions, and fitted to long-standing pain and pregnancy.

The lists are cut to 5 self-care items, 3 things to avoid and 3 professionals (the rest in
``Assessment.more``), the default report of the demo consultation fits 40 lines and its JSON
8 KB, every rule and advice item carries an evidence grade, exposures resting only on source
claims weigh little, and ``rules lint`` refuses advice that contradicts itself or the level.
"""

from __future__ import annotations

import io
import json
import shutil
import warnings
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console
from typer.testing import CliRunner

from psoas_triage import (
    Assessment,
    Professional,
    ReportError,
    RuleBookError,
    assess,
    load_rulebook,
    next_question,
)
from psoas_triage import warning_sign_checklist as checklist
from psoas_triage.cli import app
from psoas_triage.lint import (
    MAX_SOURCE_CLAIM_EXPOSURE_POINTS,
    advice_problems,
    lint_directory,
    source_claim_exposure_problems,
)
from psoas_triage.models import SHORT_LISTS, EvidenceGrade
from psoas_triage.render import render_assessment
from psoas_triage.report_html import render_html
from psoas_triage.rulebook import DEFAULT_RULES_DIR, RuleBook

VIGNETTES = Path(__file__).resolve().parents[1] / "vignettes" / "guideline_vignettes.yaml"
DEMO = {
    "present": ["groin_pain", "hip_snapping"],
    "absent": ["fever"],
    "age": 34,
    "duration_days": 10,
    "pain_intensity": 5,
}
"""The README's demo: a consultation with most warning signs not yet asked."""

SIGNS = [sign.code for sign in checklist()]


def screened(present: list[str], **context: Any) -> Assessment:
    return assess({"present": present, "absent": [c for c in SIGNS if c not in present], **context})


def lines_of(result: Assessment, details: bool = False) -> list[str]:
    out = io.StringIO()
    Console(file=out, width=80, color_system=None).print(render_assessment(result, 80, details))
    return out.getvalue().rstrip("\n").split("\n")


def vignette_reports() -> list[dict[str, Any]]:
    return [case["report"] for case in yaml.safe_load(VIGNETTES.read_text())["vignettes"]]


def book_copy(tmp_path: Path, change: Any, file: str = "advice.yaml") -> Path:
    """The shipped rule book copied to ``tmp_path`` with ``change`` applied to one file's data."""
    target = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, target)
    path = target / file
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return target


def advice_entry(data: dict[str, Any], item_id: str) -> dict[str, Any]:
    return next(item for item in data["advice"] if item["id"] == item_id)


# --- short by default ----------------------------------------------------------------------------


def test_every_vignette_gets_short_lists_and_the_rest_in_more() -> None:
    longest = {"self_care": 0, "avoid": 0, "referrals": 0}
    cut_somewhere = False
    for report in vignette_reports():
        result = assess(report)
        lengths = {
            "self_care": len(result.advice.self_care),
            "avoid": len(result.advice.avoid),
            "referrals": len(result.referrals),
        }
        for kind, length in lengths.items():
            assert length <= SHORT_LISTS[kind], (report, kind, length)
            longest[kind] = max(longest[kind], length)
        more = result.more
        # the rest is only ever beyond a full short list
        assert not more.self_care or lengths["self_care"] == SHORT_LISTS["self_care"]
        assert not more.avoid or lengths["avoid"] == SHORT_LISTS["avoid"]
        assert not more.referrals or lengths["referrals"] == SHORT_LISTS["referrals"]
        cut_somewhere |= bool(more.self_care or more.avoid or more.referrals)
    assert longest == SHORT_LISTS and cut_somewhere


def test_the_demo_report_fits_forty_lines_and_names_what_was_not_checked_once() -> None:
    result = assess(DEMO)
    lines = lines_of(result)
    assert len(lines) <= 40, "\n".join(lines)
    text = " ".join(" ".join(lines).split())
    first = result.unchecked_red_flags[0].label
    assert text.count(first) == 1  # named once, not in the banner and again as a question
    assert f"and {len(result.unchecked_red_flags) - 3} more" in text
    assert len(lines_of(result, details=True)) > 2 * len(lines)  # the rest is one flag away


def test_piped_reports_carry_no_trailing_spaces() -> None:
    result = CliRunner().invoke(app, ["assess", "groin_pain", "hip_snapping", "--details"])
    assert result.exit_code == 0
    assert all(line == line.rstrip() for line in result.stdout.splitlines())


def test_the_demo_json_is_at_most_8_kb_and_details_give_the_whole_model() -> None:
    result = assess(DEMO)
    short, whole = result.to_json(), result.to_json(details=True)
    assert len(short.encode()) <= 8000
    data = json.loads(short)
    assert "more" not in data and "evidence" not in data
    assert all(set(flag) == {"code"} for flag in data["unchecked_red_flags"])
    assert Assessment.model_validate_json(whole) == result
    again = Assessment.model_validate_json(short)  # the short form is still an Assessment
    assert again.triage_level is result.triage_level
    assert [i.text for i in again.advice.self_care] == [i.text for i in result.advice.self_care]
    assert json.loads(whole)["more"]["self_care"]


def test_every_door_sends_the_short_json_and_the_whole_one_on_request(tmp_path: Path) -> None:
    runner = CliRunner()
    args = ["assess", "groin_pain", "hip_snapping", "--absent", "fever", "--age", "34", "--json"]
    assert (
        runner.invoke(app, args).stdout
        == assess(
            {"present": ["groin_pain", "hip_snapping"], "absent": ["fever"], "age": 34}
        ).to_json()
        + "\n"
    )
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(DEMO) + "\n", encoding="utf-8")
    plain = runner.invoke(app, ["batch", str(source), "--quiet"])
    whole = runner.invoke(app, ["batch", str(source), "--quiet", "--details"])
    assert plain.stdout == assess(DEMO).to_json() + "\n"
    assert whole.stdout == assess(DEMO).to_json(details=True) + "\n"


def test_the_service_answers_short_and_whole_with_details() -> None:
    pytest.importorskip("fastapi")
    pytest.importorskip("httpx")
    with warnings.catch_warnings():  # newer Starlette suggests httpx2; httpx still works
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from psoas_triage.service import create_app

    client = TestClient(create_app())
    short = client.post("/v1/assess", json=DEMO)
    whole = client.post("/v1/assess?details=true", json=DEMO)
    assert short.text == assess(DEMO).to_json()
    assert whole.text == assess(DEMO).to_json(details=True)
    report = {"present": ["groin_pain"], "age": 40}
    step = client.post("/v1/next-question", json=report)
    step_whole = client.post("/v1/next-question?details=true", json=report)
    assert step.text == next_question(report).to_json()
    assert "more" not in json.loads(step.text)["assessment"]
    assert step_whole.text == next_question(report).to_json(details=True)


def test_the_short_list_puts_what_the_report_calls_for_first_and_mixes_kinds() -> None:
    result = screened(["low_back_pain", "front_of_hip_pain", "pain_sit_to_stand", "long_driving"])
    assert result.advice.self_care[0].id == "long_drive_breaks"  # chosen for this report
    categories = [item.category for item in result.advice.self_care]
    assert len(set(categories)) == len(categories)  # one of each kind before a second


# --- evidence grades ------------------------------------------------------------------------------


def test_findings_referrals_advice_and_holdbacks_carry_their_grade() -> None:
    result = screened(["groin_pain", "hip_snapping", "fever"], age=40)
    grades = {finding.rule_id: finding.evidence_grade for finding in result.findings}
    assert grades["groin_pain"] is EvidenceGrade.source_claim
    assert grades["fever_with_pain"] is EvidenceGrade.guideline
    evidence = result.evidence.supporting[0]
    assert evidence.evidence_grade is grades[evidence.rule_id]
    assert all(ref.evidence_grade is EvidenceGrade.guideline for ref in result.referrals[:1])
    held = result.advice.held_back[0]
    assert held.id == "warning_sign" and held.sources and held.evidence_grade
    pregnant = screened(["possible_pregnancy", "groin_pain"], age=30, sex="female")
    care = next(i for i in pregnant.advice.self_care if i.id == "pelvic_girdle_pain_care")
    assert care.evidence_grade is EvidenceGrade.guideline


def test_the_explanation_and_the_html_show_the_grades_and_what_was_held_back() -> None:
    result = screened(["groin_pain", "hip_snapping", "possible_pregnancy"], age=30, sex="female")
    html = render_html(result)
    assert "[source-claim: " in html and "Held back for you" in html
    assert result.advice.held_back[0].reason.split(",")[0] in html
    explained = CliRunner().invoke(app, ["assess", "groin_pain", "hip_snapping", "--explain"])
    assert "(source-claim)" in explained.stdout


def test_a_declared_grade_may_weaken_but_never_strengthen(tmp_path: Path) -> None:
    def stronger(data: dict[str, Any]) -> None:
        advice_entry(data, "lunges")["evidence"] = "guideline"

    with pytest.raises(RuleBookError) as caught:
        load_rulebook(book_copy(tmp_path / "a", stronger))
    problem = caught.value.problems[0]
    assert problem.rule == "lunges" and problem.file.endswith("advice.yaml")
    assert "firmer than the cited sources earn ('source-claim')" in problem.detail

    def weaker(data: dict[str, Any]) -> None:
        advice_entry(data, "emergency_warning_signs")["evidence"] = "review"

    book = load_rulebook(book_copy(tmp_path / "b", weaker))
    item = next(i for i in book.advice.advice if i.id == "emergency_warning_signs")
    assert book.grade(item.sources, item.evidence) is EvidenceGrade.review


# --- no more sure than the evidence ---------------------------------------------------------------


def test_shipped_exposures_resting_on_source_claims_weigh_little(shipped_book: RuleBook) -> None:
    assert source_claim_exposure_problems(shipped_book) == []
    everything = ["prolonged_sitting", "poor_posture", "fetal_sleep_position", "high_heels"]
    result = screened([*everything, "long_driving", "front_of_hip_pain"], duration_days=3)
    exposure = sum(
        finding.points
        for finding in result.findings
        if finding.family == "exposures" and finding.points > 0
    )
    assert exposure <= 15 and result.likelihood.value != "likely"


def test_lint_refuses_a_heavy_source_claim_exposure(tmp_path: Path) -> None:
    def heavier(data: dict[str, Any]) -> None:
        rule = next(r for r in data["rules"] if r["id"] == "sway_back_with_back_pain")
        rule["points"] = MAX_SOURCE_CLAIM_EXPOSURE_POINTS + 2

    problems = lint_directory(book_copy(tmp_path, heavier, "psoas/exposures.yaml"))
    messages = [p.message for p in problems if p.rule == "sway_back_with_back_pain"]
    assert any("rests only on source claims: at most 3" in m for m in messages), messages


# --- advice that does not contradict itself or the level ------------------------------------------


def test_the_shipped_advice_has_no_contradiction(shipped_book: RuleBook) -> None:
    assert advice_problems(shipped_book) == []


def test_lint_refuses_an_exercise_beside_an_avoid_item_that_pauses_it(tmp_path: Path) -> None:
    def drop_conflict(data: dict[str, Any]) -> None:
        pause = advice_entry(data, "avoid_repetitive_jumping_and_hip_flexion")
        pause["conflicts_with"].remove("lunges")

    problems = lint_directory(book_copy(tmp_path, drop_conflict))
    found = [p for p in problems if p.rule == "lunges" and p.severity == "error"]
    assert found and "avoid_repetitive_jumping_and_hip_flexion" in found[0].message
    assert "hip_flexion_strength" in found[0].message


def test_lint_refuses_an_exercise_that_could_be_offered_at_urgent(tmp_path: Path) -> None:
    def any_level(data: dict[str, Any]) -> None:
        del advice_entry(data, "kneeling_psoas_stretch")["when"]["triage_in"]

    problems = lint_directory(book_copy(tmp_path, any_level))
    found = [p.message for p in problems if p.rule == "kneeling_psoas_stretch"]
    assert any("urgent or emergency" in message for message in found), found


def test_no_vignette_is_offered_what_its_advice_pauses(shipped_book: RuleBook) -> None:
    items = {item.id: item for item in shipped_book.advice.advice}
    for report in vignette_reports():
        result = assess(report)
        offered = [*result.advice.self_care, *result.more.self_care]
        paused = set().union(
            *(items[item.id].pauses for item in (*result.advice.avoid, *result.more.avoid))
        )
        for item in offered:
            assert not (items[item.id].loads or set()) & paused, (report, item.id)
            if items[item.id].loads:
                assert result.triage_level.value in {"consultation", "self_care"}, report


def test_a_kickboxer_with_a_snapping_hip_is_not_told_to_pause_and_to_load_hip_flexion() -> None:
    result = screened(["kicking_sports", "groin_pain", "hip_snapping"], age=24, pain_intensity=3)
    every = {i.id for i in (*result.advice.avoid, *result.more.avoid)}
    assert "avoid_repetitive_jumping_and_hip_flexion" in every
    offered = {i.id for i in (*result.advice.self_care, *result.more.self_care)}
    assert not offered & {"lunges", "standing_leg_lifts", "supine_marching_activation"}
    assert len(result.advice.self_care) <= 5 and len(result.referrals) <= 3


# --- long-standing pain and pregnancy -------------------------------------------------------------


def test_pain_for_six_months_gets_a_plan_not_a_check_up_after_a_week() -> None:
    result = screened(["low_back_pain"], age=45, duration_days=180, pain_intensity=4)
    texts = " ".join(
        [item.text for item in result.advice.seek_help]
        + [referral.reason for referral in (*result.referrals, *result.more.referrals)]
    )
    assert "more than a week" not in texts
    seek = {item.id for item in result.advice.seek_help}
    assert "long_standing_pain_changes" in seek and "persistent_or_worsening" not in seek
    offered = {item.id for item in (*result.advice.self_care, *result.more.self_care)}
    assert "keep_active_with_long_standing_pain" in offered
    doctor = next(r for r in result.referrals if r.professional is Professional.doctor)
    assert "12 weeks" in doctor.reason and doctor.evidence_grade is EvidenceGrade.guideline
    assert result.triage_level.value == "consultation"


def test_a_week_of_pain_keeps_the_short_term_advice() -> None:
    result = screened(["low_back_pain"], age=45, duration_days=10, pain_intensity=4)
    seek = {item.id for item in result.advice.seek_help}
    assert "persistent_or_worsening" in seek and "long_standing_pain_changes" not in seek


def test_pregnancy_offers_pelvic_girdle_care_instead_of_the_held_back_exercises() -> None:
    result = screened(
        ["pregnant_14_weeks_or_more", "groin_pain", "pain_sit_to_stand", "front_of_hip_pain"],
        age=31,
        sex="female",
        duration_days=5,
        pain_intensity=4,
    )
    offered = {item.id for item in (*result.advice.self_care, *result.more.self_care)}
    assert "pelvic_girdle_pain_care" in offered
    assert not offered & {"lunges", "kneeling_psoas_stretch", "bridge", "pelvic_tilts"}
    assert [item.id for item in result.advice.held_back] == ["pregnancy"]


# --- invariants over any report -------------------------------------------------------------------

_BOOK_CODES = sorted(load_rulebook().terms)
_CONTEXT = [
    "possible_pregnancy", "pregnant_14_weeks_or_more", "recently_gave_birth", "recent_surgery",
    "hip_replacement", "anticoagulant_use", "sudden_movement_strain", "kicking_sports",
]  # fmt: skip


@st.composite
def any_report(draw: st.DrawFn) -> dict[str, Any]:
    """A report mixing findings with the contexts that change advice, screened or not."""
    present = draw(st.lists(st.sampled_from(_BOOK_CODES), min_size=1, max_size=6, unique=True))
    present += draw(st.lists(st.sampled_from(_CONTEXT), max_size=2, unique=True))
    present = list(dict.fromkeys(present))
    screened = draw(st.booleans())
    return {
        "present": present,
        "absent": [code for code in SIGNS if code not in present] if screened else [],
        "age": draw(st.none() | st.integers(1, 95)),
        "sex": draw(st.none() | st.sampled_from(["female", "male"])),
        "duration_days": draw(st.none() | st.integers(0, 400)),
        "pain_intensity": draw(st.none() | st.integers(0, 10)),
    }


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(report=any_report())
def test_advice_never_contradicts_itself_the_level_or_its_context(report: dict[str, Any]) -> None:
    book = load_rulebook()
    try:
        result = assess(report, book)
    except ReportError:  # a code its person cannot have (a man pregnant): refused, not guessed
        return
    items = {item.id: item for item in book.advice.advice}
    offered = [*result.advice.self_care, *result.more.self_care]
    avoided = [*result.advice.avoid, *result.more.avoid]
    paused = set().union(*(items[item.id].pauses for item in avoided))
    referred = {r.professional for r in (*result.referrals, *result.more.referrals)}
    held = {item.id for item in result.advice.held_back}
    for item in offered:
        loads = items[item.id].loads or frozenset()
        assert not loads & paused, (item.id, loads & paused)
        assert not loads or result.triage_level.value in {"consultation", "self_care"}
    if result.red_flags:
        assert not offered
    for holdback in book.advice.holdbacks:
        if holdback.id in held:
            assert not holdback.professionals & referred, (holdback.id, referred)
    assert len(result.advice.self_care) <= SHORT_LISTS["self_care"]
    assert len(result.advice.avoid) <= SHORT_LISTS["avoid"]
    assert len(result.referrals) <= SHORT_LISTS["referrals"]
    assert result.advice.seek_help[0].id == "emergency_warning_signs"  # the safety net, always
