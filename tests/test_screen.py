"""The warning-sign screen: no self-care until the warning signs that matter are denied.

Expectations come from the rule book (its categories, rules and floors), not from hard-coded
outputs, except for the issue's own example.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import psoas_triage
from psoas_triage import (
    Assessment,
    RuleBook,
    SymptomReport,
    TriageLevel,
    UncheckedRedFlag,
    WarningSign,
    assess,
    default_rulebook,
    load_rulebook,
    unchecked_red_flags,
    warning_sign_checklist,
)
from psoas_triage.engine import engine_for
from psoas_triage.reports import is_empty
from psoas_triage.schema import Category
from psoas_triage.screening import (
    _CONTEXT_FREE,
    _book_screen,
    _number_values,
    _reachable_screen_rules,
    reachable_rule_ids,
    screen_engine,
)
from psoas_triage.status import without_experimental

PROFILE = settings(
    max_examples=150,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
LIMITS = {"age": 120, "duration_days": 36500, "pain_intensity": 10}


def book() -> RuleBook:
    return default_rulebook()


def signs(rulebook: RuleBook) -> list[str]:
    return [code for code, term in rulebook.terms.items() if term.category is Category.red_flag]


def denied_all(report: dict[str, object], rulebook: RuleBook) -> dict[str, object]:
    present = set(report.get("present", ()))  # type: ignore[arg-type]
    return {**report, "absent": [code for code in signs(rulebook) if code not in present]}


# --- the helpers an app builds its checklist from -----------------------------------------------


def test_the_checklist_is_every_warning_sign_in_vocabulary_order() -> None:
    rulebook = book()
    checklist = warning_sign_checklist()
    assert [sign.code for sign in checklist] == signs(rulebook)
    assert len(checklist) >= 9
    for sign in checklist:
        assert isinstance(sign, WarningSign)
        term = rulebook.terms[sign.code]
        assert (sign.label, sign.question) == (term.label, term.question)
    assert warning_sign_checklist(rulebook.path) == checklist
    assert {"warning_sign_checklist", "unchecked_red_flags", "UncheckedRedFlag", "WarningSign"} <= (
        set(psoas_triage.__all__)
    )


def test_the_assessment_schema_carries_the_unchecked_list() -> None:
    schema = Assessment.model_json_schema()
    assert "unchecked_red_flags" in schema["properties"]
    assert set(schema["$defs"]["UncheckedRedFlag"]["properties"]) == {"code", "label", "question"}


# --- the example and the behaviour around it ----------------------------------------------


def test_an_app_sending_only_groin_pain_is_not_told_self_care() -> None:
    result = assess({"present": ["groin_pain"]})
    assert result.triage_level is TriageLevel.consultation
    assert [flag.code for flag in result.unchecked_red_flags] == signs(book())
    assert all(isinstance(flag, UncheckedRedFlag) for flag in result.unchecked_red_flags)
    reason = result.triage_reasons[0]
    count = len(result.unchecked_red_flags)
    assert reason.startswith(f"warning signs not checked: {count}, among them ")
    first = [flag.label for flag in result.unchecked_red_flags[:3]]
    assert ", ".join(first) in reason  # the most dangerous first; the list has them all
    assert result.unchecked_red_flags[3].label not in reason
    assert unchecked_red_flags({"present": ["groin_pain"]}) == result.unchecked_red_flags
    as_json = json.loads(result.model_dump_json())
    assert as_json["unchecked_red_flags"][0]["question"] == result.unchecked_red_flags[0].question
    assert "not a diagnosis" in result.disclaimer.lower()


def test_denying_every_warning_sign_allows_self_care() -> None:
    result = assess(denied_all({"present": ["groin_pain"]}, book()))
    assert result.triage_level is TriageLevel.self_care
    assert result.unchecked_red_flags == ()


def _signs_with_a_floor_of_their_own() -> list[str]:
    """Warning signs with a rule that fires on the sign alone and sets a floor."""
    rulebook = default_rulebook()
    return [
        code
        for code in signs(rulebook)
        if any(
            loaded.rule.when.all == [code]
            and not loaded.rule.when.any
            and not loaded.rule.when.numbers()
            and loaded.rule.triage_floor is not None
            for loaded in rulebook.rules
        )
    ]


def test_every_shipped_warning_sign_today_has_a_floor_of_its_own() -> None:
    assert len(_signs_with_a_floor_of_their_own()) >= 9


@pytest.mark.parametrize("left_open", _signs_with_a_floor_of_their_own())
def test_each_warning_sign_left_open_holds_back_self_care(left_open: str) -> None:
    report = denied_all({"present": ["groin_pain"]}, book())
    report["absent"] = [code for code in report["absent"] if code != left_open]  # type: ignore[attr-defined]
    result = assess(report)
    assert result.triage_level is TriageLevel.consultation
    assert [flag.code for flag in result.unchecked_red_flags] == [left_open]
    assert book().terms[left_open].label in result.triage_reasons[0]


def test_above_consultation_only_signs_that_could_make_it_more_urgent_are_listed() -> None:
    rulebook = book()
    result = assess({"present": ["history_of_cancer", "low_back_pain"]})
    assert result.triage_level is TriageLevel.urgent
    listed = {flag.code for flag in result.unchecked_red_flags}
    could_reach_emergency = {
        code
        for code in signs(rulebook)
        for loaded in rulebook.rules
        if code in loaded.rule.when.codes() and loaded.rule.triage_floor is TriageLevel.emergency
    }
    assert listed == could_reach_emergency - {"history_of_cancer"}
    assert listed, "cauda equina signs can still make it an emergency"
    assert any("could make it more urgent" in reason for reason in result.triage_reasons)


def test_nothing_is_left_to_check_at_an_emergency() -> None:
    assert assess({"present": ["saddle_numbness"]}).unchecked_red_flags == ()


def test_the_screen_is_cheap_and_leaves_no_engine_session_behind() -> None:
    """A warning sign whose rule alone gives a floor is decided without asking the engine
    again; the others are asked of the screen's small engine once (with age and sex conditions
    left out while they are unknown), and the same answers about the screen's codes are
    remembered. The report's own engine still opens exactly one session per assessment."""
    rulebook = book()
    # The report's engine is the whole book's; the screen works on the rules assessments use
    # (by default the book without its experimental rules).
    main, small = engine_for(rulebook), screen_engine(without_experimental(rulebook))
    assert main is not small
    assess({"present": ["groin_pain"]})  # build the per-book screen data first

    def screen_sessions() -> int:
        # The small engine, and its copies without age or sex conditions (for unknown context).
        copies = _CONTEXT_FREE.get(small, {}).values()
        return small.sessions_started + sum(engine.sessions_started for engine in copies)

    def sessions(report: dict[str, object]) -> tuple[int, int]:
        before = (main.sessions_started, screen_sessions())
        assess(report)
        return main.sessions_started - before[0], screen_sessions() - before[1]

    prepared = _book_screen(without_experimental(rulebook))
    prepared.reachable_memo.clear()  # other tests saw these answers
    # Unknown age and sex: one call, of the small engine's rules without those conditions.
    assert sessions({"present": ["groin_pain"], "duration_days": 12}) == (1, 1)
    assert sessions({"present": ["groin_pain"], "duration_days": 12}) == (1, 0)  # remembered
    # Other codes reported, the same denials and the same side of every duration bound: what
    # can still fire is the same, so the engine is not asked again.
    assert sessions({"present": ["groin_pain", "hip_snapping"], "duration_days": 13}) == (1, 0)
    known = sessions({"present": ["groin_pain"], "duration_days": 12, "sex": "female", "age": 40})
    assert known[0] == 1 and known[1] <= 1  # nothing left to try: one call at most
    engines = [small, *_CONTEXT_FREE.get(small, {}).values()]
    for engine in engines:
        assert all(
            engine.session_state(str(sid)) is None for sid in range(1, engine.sessions_started + 1)
        )


# --- a sign reported present whose rule waits for a follow-up ------------------------------------


@pytest.fixture
def companion_book(mini_copy: Path) -> RuleBook:
    """The mini book plus a warning sign that only counts together with groin pain."""
    vocabulary = mini_copy / "vocabulary.yaml"
    vocabulary.write_text(
        vocabulary.read_text(encoding="utf-8")
        + "  - code: vomiting\n"
        + "    label: vomiting\n"
        + "    question: Have you been sick (vomiting)?\n"
        + "    category: red_flag\n"
        + "    sources: [test_source]\n",
        encoding="utf-8",
    )
    (mini_copy / "companion.yaml").write_text(
        "family: companion\n"
        "title: Companion\n"
        "rules:\n"
        "  - id: vomiting_with_groin_pain\n"
        "    title: Vomiting with groin pain\n"
        "    description: Together they may mean an organ problem.\n"
        "    when: {all: [vomiting, groin_pain]}\n"
        "    red_flag: true\n"
        "    triage_floor: urgent\n"
        "    sources: [test_source]\n"
        "    examples:\n"
        "      fires: [{present: [vomiting, groin_pain]}]\n"
        "      does_not_fire: [{present: [vomiting]}]\n",
        encoding="utf-8",
    )
    return load_rulebook(mini_copy)


def test_a_reported_sign_whose_follow_up_is_open_keeps_a_consultation(
    companion_book: RuleBook,
) -> None:
    unasked = assess({"absent": ["fever"]}, companion_book)
    assert unasked.triage_level is TriageLevel.consultation
    assert [flag.code for flag in unasked.unchecked_red_flags] == ["vomiting"]
    # Reporting it must not lower the level, although nothing fires yet (groin pain unknown).
    reported = assess({"present": ["vomiting"], "absent": ["fever"]}, companion_book)
    assert reported.fired_rule_ids == ()
    assert reported.triage_level is TriageLevel.consultation
    assert reported.unchecked_red_flags == ()
    assert "follow-up questions are unanswered: vomiting" in reported.triage_reasons[0]
    # Once the follow-up is denied, the sign cannot raise anything: self-care.
    answered = assess({"present": ["vomiting"], "absent": ["fever", "groin_pain"]}, companion_book)
    assert answered.triage_level is TriageLevel.self_care
    # And denying groin pain alone makes vomiting irrelevant: it is no longer asked about.
    assert assess({"absent": ["fever", "groin_pain"]}, companion_book).unchecked_red_flags == ()


# --- unknown numbers count as "could be satisfied" ---------------------------------------------


def _fake_book(bounds: dict[str, list[dict[str, int | None]]]) -> SimpleNamespace:
    rules = [
        SimpleNamespace(
            rule=SimpleNamespace(
                when=SimpleNamespace(
                    numbers=lambda name=name, dump=dump: {
                        name: SimpleNamespace(model_dump=lambda: dump)
                    }
                )
            )
        )
        for name, dumps in bounds.items()
        for dump in dumps
    ]
    return SimpleNamespace(rules=rules)


def test_a_missing_number_with_lower_bounds_only_is_tried_at_its_maximum() -> None:
    fake = _fake_book({"pain_intensity": [{"gt": None, "gte": 7}, {"gt": 3, "gte": None}]})
    assert _number_values(fake) == {"pain_intensity": (10,)}  # type: ignore[arg-type]


def test_a_missing_number_with_an_upper_bound_is_tried_on_each_side_of_every_bound() -> None:
    """Age ranges (children, adolescents) cannot all be satisfied by the maximum age."""
    fake = _fake_book({"age": [{"lt": 3}, {"gte": 9, "lte": 16}, {"gte": 65}]})
    values = _number_values(fake)["age"]  # type: ignore[arg-type]
    assert {0, 2, 9, 16, 65, 120} <= set(values)
    for low, high in ((0, 2), (9, 16), (65, 120)):
        assert any(low <= value <= high for value in values)
    assert all(0 <= value <= 120 for value in values)


def test_reachable_rules_include_rules_on_missing_numbers() -> None:
    rulebook = book()
    ids = reachable_rule_ids(rulebook, SymptomReport(present=("low_back_pain",)))
    assert {"severe_pain", "symptoms_longer_than_a_week", "back_pain_from_age_fifty"} <= ids
    given = reachable_rule_ids(rulebook, SymptomReport(present=("low_back_pain",), age=30))
    assert "back_pain_from_age_fifty" not in given


# --- invariants ----------------------------------------------------------------------------------


@st.composite
def screened_reports(draw: st.DrawFn) -> SymptomReport:
    """Valid reports whose warning signs are often all or mostly denied, so that self-care and
    the screen's edge both occur."""
    rulebook = book()
    vocabulary = sorted(rulebook.terms)
    warning = signs(rulebook)
    present = draw(st.lists(st.sampled_from(vocabulary), unique=True, max_size=6))
    open_signs = [code for code in warning if code not in present]
    denied = draw(
        st.one_of(
            st.just(open_signs),
            st.lists(st.sampled_from(open_signs), unique=True) if open_signs else st.just([]),
        )
    )
    others = [code for code in vocabulary if code not in present and code not in warning]
    denied += draw(st.lists(st.sampled_from(others), unique=True, max_size=5)) if others else []
    report = SymptomReport(
        present=present,
        absent=denied,
        age=draw(st.none() | st.integers(0, LIMITS["age"])),
        duration_days=draw(st.none() | st.integers(0, 30)),
        pain_intensity=draw(st.none() | st.integers(0, LIMITS["pain_intensity"])),
    )
    assume(not is_empty(report))  # an empty report is refused: "nothing to assess"
    return report


def _with(report: SymptomReport, **changes: object) -> SymptomReport:
    return SymptomReport.model_validate({**report.model_dump(), **changes})


@PROFILE
@given(screened_reports(), st.data())
def test_adding_a_present_finding_never_lowers_the_level_with_the_screen(
    report: SymptomReport, data: st.DataObject
) -> None:
    rulebook = book()
    candidates = sorted(set(rulebook.terms) - set(report.present))
    added = data.draw(st.sampled_from(candidates), label="added")
    bigger = _with(
        report,
        present=[*report.present, added],
        absent=[code for code in report.absent if code != added],
    )
    before, after = assess(report, rulebook), assess(bigger, rulebook)
    assert after.triage_level.rank >= before.triage_level.rank, (added, before.triage_reasons)


@PROFILE
@given(screened_reports(), st.sampled_from(["duration_days", "pain_intensity"]), st.integers(1, 50))
def test_raising_a_given_pain_or_duration_never_lowers_the_level(
    report: SymptomReport, name: str, increase: int
) -> None:
    current = getattr(report, name)
    if current is None:
        return
    larger = _with(report, **{name: min(LIMITS[name], current + increase)})
    assert assess(larger, book()).triage_level.rank >= assess(report, book()).triage_level.rank


@PROFILE
@given(screened_reports())
def test_self_care_implies_no_unchecked_warning_sign(report: SymptomReport) -> None:
    rulebook = book()
    result = assess(report, rulebook)
    answered = set(report.present) | set(report.absent)
    if result.unchecked_red_flags:
        assert result.triage_level.rank >= TriageLevel.consultation.rank
        assert all(flag.code not in answered for flag in result.unchecked_red_flags)
    if result.triage_level is not TriageLevel.self_care:
        return
    assert result.unchecked_red_flags == ()
    # Independent check: even with every unanswered code present and every missing number at its
    # maximum, no rule with a floor that mentions a warning sign not denied can fire.
    optimistic = _with(
        report,
        present=[*report.present, *sorted(set(rulebook.terms) - answered)],
        **{name: LIMITS[name] for name in LIMITS if getattr(report, name) is None},
    )
    not_denied = set(signs(rulebook)) - set(report.absent)
    for rule_id in assess(optimistic, rulebook).fired_rule_ids:
        rule = rulebook.rule(rule_id).rule
        if rule.triage_floor is not None:
            assert not not_denied & set(rule.when.codes()), (rule_id, sorted(not_denied))


@PROFILE
@given(screened_reports(), st.data())
def test_denying_a_code_lowers_the_level_only_from_the_screens_consultation_to_self_care(
    report: SymptomReport, data: st.DataObject
) -> None:
    rulebook = book()
    unmentioned = sorted(set(rulebook.terms) - set(report.present) - set(report.absent))
    if not unmentioned:
        return
    denied = data.draw(st.sampled_from(unmentioned), label="denied")
    before = assess(report, rulebook)
    after = assess(_with(report, absent=[*report.absent, denied]), rulebook)
    assert after.triage_level.rank <= before.triage_level.rank
    if after.triage_level is not before.triage_level:
        assert (before.triage_level, after.triage_level) == (
            TriageLevel.consultation,
            TriageLevel.self_care,
        )
        assert "warning signs" in before.triage_reasons[0]


def test_unknown_age_and_sex_reach_exactly_what_some_age_and_sex_reach() -> None:
    """Leaving the age and sex conditions out while they are unknown is exact: the rules that
    can still fire are the union of those that can fire at each age and for each sex."""
    from psoas_triage.models import Sex
    from psoas_triage.workload import mixed_reports

    rulebook = book()
    # Every age where some rule's bound turns on or off, and the ends of the range.
    ages = _number_values(rulebook)["age"]
    for report in mixed_reports(rulebook, 12, seed=7):
        unknown = report.model_copy(update={"age": None, "sex": None})
        union: set[str] = set()
        for age in ages:
            for sex in Sex:
                known = unknown.model_copy(update={"age": age, "sex": sex})
                union |= reachable_rule_ids(rulebook, known)
        assert reachable_rule_ids(rulebook, unknown) == union


@PROFILE
@given(screened_reports(), st.data())
def test_the_remembered_reachable_rules_are_the_engines_answer_for_each_report(
    first: SymptomReport, data: st.DataObject
) -> None:
    """The screen remembers what can still fire under a key without the reported codes and with
    numbers reduced to their side of every bound; for a neighbour of a report (other codes
    present, numbers moved a little, so the keys often match) the remembered answer must be
    exactly what the engine says for that very report."""
    rulebook = without_experimental(book())
    prepared = _book_screen(rulebook)
    vocabulary = sorted(set(rulebook.terms) - set(first.absent))
    moved = {
        name: min(LIMITS[name], max(0, value + data.draw(st.integers(-3, 3), label=name)))
        for name in LIMITS
        if (value := getattr(first, name)) is not None
    }
    second = _with(
        first, present=data.draw(st.lists(st.sampled_from(vocabulary), unique=True)), **moved
    )
    prepared.reachable_memo.clear()
    for report in (first, second):
        remembered = _reachable_screen_rules(rulebook, prepared, report)
        assert remembered == reachable_rule_ids(rulebook, report, prepared.screen_rules)
