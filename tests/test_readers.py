"""What a reader gets (issue 14): the action first at emergency and urgent, help chosen by level,
advice that never contradicts itself, a short ranked report, and a banner that agrees with Who
to see. Expectations come from the rule book and the result itself, never from fixed outputs."""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console

from psoas_triage import (
    Assessment,
    RuleBook,
    SymptomReport,
    TriageLevel,
    assess,
    default_rulebook,
    load_rulebook,
)
from psoas_triage.errors import RuleBookError
from psoas_triage.models import SHORT_LISTS, Professional
from psoas_triage.render import humanise, render_assessment, source_titles

PROFILE = settings(
    max_examples=100,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@st.composite
def reports(draw: st.DrawFn) -> SymptomReport:
    """Valid, non-empty reports over the shipped vocabulary (an empty one is refused)."""
    vocabulary = sorted(default_rulebook().terms)
    present = draw(st.lists(st.sampled_from(vocabulary), unique=True, min_size=1, max_size=8))
    rest = [code for code in vocabulary if code not in present]
    absent = draw(st.lists(st.sampled_from(rest), unique=True, max_size=20))
    return SymptomReport(
        present=present,
        absent=absent,
        age=draw(st.none() | st.integers(0, 120)),
        duration_days=draw(st.none() | st.integers(0, 400)),
        pain_intensity=draw(st.none() | st.integers(0, 10)),
        sex=draw(st.sampled_from([None, "female", "male"])),
    )


EMERGENCY = {"present": ["saddle_numbness", "groin_pain", "hip_snapping"], "duration_days": 10}
CONSULTATION = {
    "present": ["groin_pain", "hip_snapping"],
    "absent": ["fever"],
    "age": 34,
    "duration_days": 10,
    "pain_intensity": 5,
}


def text_of(result: Assessment, book: RuleBook, details: bool = False) -> str:
    out = io.StringIO()
    console = Console(file=out, width=80, color_system=None, legacy_windows=False)
    console.print(render_assessment(result, 80, details, source_titles(book)))
    return out.getvalue()


# --- emergency and urgent: the action first, the score secondary ---


@pytest.mark.parametrize("level", ["emergency", "urgent"])
def test_at_emergency_and_urgent_the_score_follows_the_action(
    level: str, shipped_book: RuleBook
) -> None:
    report = EMERGENCY if level == "emergency" else {"present": ["fever", "groin_pain", "limp"]}
    result = assess(report, shipped_book)
    assert result.triage_level is TriageLevel(level)
    for details in (False, True):
        out = text_of(result, shipped_book, details)
        assert out.index("Who to see") < out.index("When to seek help") < out.index("Psoas score")
        assert "not the reason for this advice" in out
    assert out.index("Psoas score") < out.index("Findings")


def test_at_consultation_the_score_comes_before_who_to_see(shipped_book: RuleBook) -> None:
    result = assess(CONSULTATION, shipped_book)
    assert result.triage_level is TriageLevel.consultation
    out = text_of(result, shipped_book)
    assert out.index("Psoas score") < out.index("Who to see")
    assert "not the reason for this advice" not in out


@PROFILE
@given(reports())
def test_triage_reasons_name_only_what_set_the_level(report) -> None:
    result = assess(report)
    for reason in result.triage_reasons:
        tagged = re.search(r"\((emergency|urgent|consultation|self_care)\)$", reason)
        if tagged:  # screen notes above the floor carry no level: they only say "could"
            assert tagged.group(1) == result.triage_level.value, result.triage_reasons


def test_an_emergency_does_not_list_a_likely_psoas_picture_as_a_reason(
    shipped_book: RuleBook,
) -> None:
    # A psoas-specific sign (pain lifting the leg) makes the picture "likely" (issue 13).
    strong = {**EMERGENCY, "present": [*EMERGENCY["present"], "pain_lifting_leg"]}
    result = assess(strong, shipped_book)
    assert result.likelihood.value == "likely"
    assert not any("psoas involvement" in reason for reason in result.triage_reasons)


# --- when to seek help, by level ---


def test_an_emergency_page_never_says_book_a_check_up(shipped_book: RuleBook) -> None:
    result = assess(EMERGENCY, shipped_book)
    texts = " ".join(item.text.lower() for item in result.advice.seek_help)
    assert result.advice.seek_help
    assert "book" not in texts and "same day" not in texts
    lower = assess({"present": ["groin_pain"], "duration_days": 10}, shipped_book)
    assert "book a check-up" in " ".join(item.text for item in lower.advice.seek_help)


@PROFILE
@given(reports())
def test_every_seek_help_item_is_allowed_at_the_result_level(report) -> None:
    result = assess(report)
    book = default_rulebook()
    selectors = {item.id: item.when for item in book.advice.advice}
    for item in result.advice.seek_help:
        allowed = selectors[item.id].triage_in
        assert allowed is None or result.triage_level in allowed


# --- no contradictions ---


@PROFILE
@given(reports())
def test_no_result_offers_both_sides_of_a_conflict(report) -> None:
    result = assess(report)
    book = default_rulebook()
    conflicts = {item.id: item.conflicts_with for item in book.advice.advice}
    given_ids = {
        item.id
        for kind in ("self_care", "avoid", "seek_help")
        for item in getattr(result.advice, kind)
    }
    for item_id in given_ids:
        assert not conflicts[item_id] & given_ids, (item_id, conflicts[item_id] & given_ids)


def test_the_shipped_conflicts_are_resolved_on_the_cautious_side(shipped_book: RuleBook) -> None:
    kicker = {**CONSULTATION, "present": [*CONSULTATION["present"], "kicking_sports"]}
    result = assess(kicker, shipped_book)
    every_self_care = (*result.advice.self_care, *result.more.self_care)
    self_care = {item.id for item in every_self_care}
    avoid = {item.id for item in (*result.advice.avoid, *result.more.avoid)}
    assert "avoid_repetitive_jumping_and_hip_flexion" in avoid
    paused = {"standing_marching_strength", "supine_marching_activation", "lunges"}
    assert not paused & self_care
    every_text = " ".join(item.text.lower() for item in every_self_care)
    assert "hanging leg raise" not in every_text
    if "avoid_full_squats" in avoid:
        assert "squat" not in every_text


def _advice_copy(tmp_path: Path, change) -> Path:
    from psoas_triage.rulebook import DEFAULT_RULES_DIR

    target = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, target)
    path = target / "advice.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change({item["id"]: item for item in data["advice"]})
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return target


def test_an_unknown_conflict_id_is_a_load_error_with_a_suggestion(tmp_path: Path) -> None:
    def change(items):
        items["avoid_full_squats"]["conflicts_with"] = ["warm_up_and_regular_stretchin"]

    with pytest.raises(RuleBookError) as caught:
        load_rulebook(_advice_copy(tmp_path, change))
    text = "\n".join(str(problem) for problem in caught.value.problems)
    assert "avoid_full_squats" in text and "warm_up_and_regular_stretching" in text


def test_two_items_excluding_each_other_are_a_load_error(tmp_path: Path) -> None:
    def change(items):
        items["avoid_full_squats"]["conflicts_with"] = ["lunges"]
        items["lunges"]["conflicts_with"] = ["avoid_full_squats"]

    with pytest.raises(RuleBookError) as caught:
        load_rulebook(_advice_copy(tmp_path, change))
    assert "no winner" in "\n".join(str(problem) for problem in caught.value.problems)


def test_a_declared_conflict_removes_the_other_item(tmp_path: Path) -> None:
    def change(items):
        items["avoid_full_squats"]["conflicts_with"] = ["lunges"]

    book = load_rulebook(_advice_copy(tmp_path, change))

    def given(result: Assessment) -> set[str]:
        items = (*result.advice.self_care, *result.advice.avoid)
        return {item.id for item in (*items, *result.more.self_care, *result.more.avoid)}

    assert "avoid_full_squats" in given(assess(CONSULTATION, book))
    assert "lunges" not in given(assess(CONSULTATION, book))
    assert "lunges" in given(assess(CONSULTATION))


# --- a short ranked report ---


def test_the_default_report_shows_the_top_items_and_says_how_to_see_the_rest(
    shipped_book: RuleBook,
) -> None:
    result = assess(CONSULTATION, shipped_book)
    self_care, avoid = result.advice.self_care, result.advice.avoid
    assert len(self_care) == SHORT_LISTS["self_care"] and len(avoid) == SHORT_LISTS["avoid"]
    assert result.more.self_care and result.more.avoid
    out = " ".join(text_of(result, shipped_book).split())
    every = (*self_care, *avoid, *result.more.self_care, *result.more.avoid)
    shown = [item for item in every if item.title in out]
    assert shown == [*self_care, *avoid]
    assert "Self-care: " + "; ".join(item.title for item in self_care) in out
    more = result.more
    hidden = len(more.self_care) + len(more.avoid) + len(more.referrals)
    assert f"--details: {hidden} more items" in out
    whole = " ".join(text_of(result, shipped_book, details=True).split())
    assert all(f"{item.title}: {item.text}" in whole for item in every)
    full = text_of(result, shipped_book, details=True)
    assert all(item.title in full for item in (*self_care, *avoid))
    assert len(out.splitlines()) < len(full.splitlines())


def test_json_keeps_every_item_with_its_rank(shipped_book: RuleBook) -> None:
    result = assess(CONSULTATION, shipped_book)
    data = json.loads(result.model_dump_json())
    for kind in ("self_care", "avoid", "seek_help"):
        ranks = [item["rank"] for item in data["advice"][kind]]
        assert ranks == list(range(1, len(ranks) + 1))


def test_items_chosen_for_this_report_rank_before_general_ones(shipped_book: RuleBook) -> None:
    result = assess({**CONSULTATION, "present": [*CONSULTATION["present"], "long_driving"]})
    ids = [item.id for item in result.advice.self_care]
    assert ids[0] == "long_drive_breaks"
    general = [item for item in result.advice.self_care if item.id != "long_drive_breaks"]
    file_order = [item.id for item in shipped_book.advice.advice]
    assert [item.id for item in general] == sorted(
        (item.id for item in general), key=file_order.index
    )


# --- the banner and Who to see agree ---


@PROFILE
@given(reports())
def test_every_professional_the_action_names_is_in_who_to_see(report) -> None:
    result = assess(report)
    # The first sentence is the advice; later ones are fallbacks ("if no doctor can see you
    # today, go to an emergency department") that need no referral of their own.
    action = result.triage_action.lower().split(". ")[0]
    referred = {referral.professional for referral in result.referrals}
    for professional in Professional:
        if humanise(professional.value) in action:
            assert professional in referred, (result.triage_level, professional, referred)
    if "who to see" in action:
        assert referred, result.triage_level
