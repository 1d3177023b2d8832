"""Invariants over random valid reports built from the shipped rule book's vocabulary.

Expectations come from the rule book itself (its rules, floors, bands and policy), never from
hard-coded outputs, so these tests keep holding as the rules grow:

- every result validates and survives a JSON round trip;
- the engine fires exactly the rules whose conditions a plain-Python reading says hold;
- adding a present finding never lowers the triage level and never un-fires a rule;
- a longer duration or more pain never lowers the triage level and never un-fires a rule;
- age and sex are context, not findings: rules may bound age from above (children) and name a
  sex, so an older age or another sex carries no such promise (only consistency is checked);
- a report with every finding present, at any age and sex, never fails the engine;
- a red flag gives at least its triage floor, whatever else is reported;
- marking an unmentioned code absent never raises the score;
- results are deterministic, whichever way the report is given;
- all of this in both modes: with experimental rules left out (the default) and included (each
  example draws its mode), and the default leaves out exactly the experimental rules that hold.
"""

from __future__ import annotations

import dataclasses
import json

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from psoas_triage import (
    Assessment,
    Likelihood,
    RuleBook,
    SymptomReport,
    TriageLevel,
    assess,
    build_assessment,
    default_rulebook,
    parse_report_json,
)
from psoas_triage.reports import is_empty
from psoas_triage.rulebook import LoadedRule
from psoas_triage.schema import AgeBound, AtLeast, Condition, OnsetWindow, Status
from psoas_triage.status import book_for

LIMITS = {"age": 120, "duration_days": 36500, "pain_intensity": 10}
"""The largest value the report model accepts for each number."""

PROFILE = settings(
    max_examples=150,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def book() -> RuleBook:
    return default_rulebook()


modes = st.booleans()
"""Whether experimental rules are included: every property holds in both modes."""


def expected_fired(rulebook: RuleBook, report: SymptomReport, include: bool) -> list[str]:
    """The rules a plain-Python reading says fire, in book order, in the given mode."""
    return [
        loaded.rule.id
        for loaded in rulebook.rules
        if condition_holds(loaded.rule.when, report)
        and (include or loaded.rule.status is not Status.experimental)
    ]


def _rule_codes(rulebook: RuleBook) -> list[str]:
    return sorted({code for loaded in rulebook.rules for code in loaded.rule.when.codes()})


@st.composite
def reports(draw: st.DrawFn) -> SymptomReport:
    """A valid report: present codes favour those the rules use, absent ones come from the rest."""
    rulebook = book()
    vocabulary = sorted(rulebook.terms)
    rule_codes = _rule_codes(rulebook) or vocabulary
    code = st.one_of(st.sampled_from(rule_codes), st.sampled_from(vocabulary))
    present = draw(st.lists(code, unique=True, max_size=8))
    remaining = [c for c in vocabulary if c not in present]
    absent = (
        draw(st.lists(st.sampled_from(remaining), unique=True, max_size=6)) if remaining else []
    )
    report = SymptomReport(
        present=present,
        absent=absent,
        age=draw(st.none() | st.integers(0, LIMITS["age"])),
        duration_days=draw(
            st.none() | st.integers(0, 400) | st.integers(0, LIMITS["duration_days"])
        ),
        pain_intensity=draw(st.none() | st.integers(0, LIMITS["pain_intensity"])),
        sex=draw(st.sampled_from([None, "female", "male"])),
    )
    assume(not is_empty(report))  # an empty report is refused: "nothing to assess"
    return report


def _with(report: SymptomReport, **changes: object) -> SymptomReport:
    return SymptomReport.model_validate({**report.model_dump(), **changes})


def _holds(bound: AtLeast | AgeBound | OnsetWindow, value: int | None) -> bool:
    """A plain reading of a bound, independent of the schema's own ``holds``: an onset window
    holds while the duration is unknown."""
    if value is None:
        return isinstance(bound, OnsetWindow)
    limits = {"gt": value.__gt__, "gte": value.__ge__, "lt": value.__lt__, "lte": value.__le__}
    return all(
        check(getattr(bound, operator))
        for operator, check in limits.items()
        if getattr(bound, operator, None) is not None
    )


def condition_holds(condition: Condition, report: SymptomReport) -> bool:
    """A plain-Python reading of a rule condition, independent of durable_rules."""
    present = set(report.present)
    return (
        all(code in present for code in condition.all)
        and all(code in report.absent for code in condition.absent)
        # cautious until answered: fires while any unless_denied code is left undenied
        and (
            not condition.unless_denied
            or any(code not in report.absent for code in condition.unless_denied)
        )
        and (not condition.any or any(code in present for code in condition.any))
        and all(_holds(bound, getattr(report, name)) for name, bound in condition.numbers().items())
        and (condition.sex is None or report.sex is condition.sex)
        and (condition.unless_sex is None or report.sex is not condition.unless_sex)
    )


def _meeting_value(bound: AtLeast | AgeBound, name: str, current: int | None) -> int:
    """A value that meets ``bound``: for pain and duration, at least the current one."""
    candidates = range(current or 0, LIMITS[name] + 1)
    if isinstance(bound, AgeBound):
        candidates = range(0, LIMITS[name] + 1)
    for value in candidates:
        if _holds(bound, value):
            return value
    raise AssertionError(f"no {name} in the report's range meets {bound.describe(name)}")


def assert_consistent(result: Assessment, rulebook: RuleBook) -> None:
    """What must hold for any assessment, derived from the rule book."""
    assert Assessment.model_validate(result.model_dump()) == result
    assert Assessment.model_validate_json(result.model_dump_json()) == result
    fired: list[LoadedRule] = [rulebook.rule(rule_id) for rule_id in result.fired_rule_ids]
    order = [loaded.rule.id for loaded in rulebook.rules]
    assert list(result.fired_rule_ids) == sorted(result.fired_rule_ids, key=order.index)
    bands = rulebook.policy.bands
    # "likely" needs a psoas-specific sign (when the book marks any); without one the score
    # is held just below the likely threshold. Denials count for the score, not for triage.
    specific = not rulebook.marks_specific_signs or any(
        loaded.rule.psoas_specific for loaded in fired
    )
    ceiling = 100 if specific else bands.likely - 1

    def band(score: int) -> Likelihood:
        if score >= bands.likely and specific:
            return Likelihood.likely
        return Likelihood.possible if score >= bands.possible else Likelihood.unlikely

    expected_score = max(0, min(ceiling, sum(loaded.rule.points for loaded in fired)))
    assert result.psoas_score == expected_score
    assert result.likelihood is band(result.psoas_score)
    before_denials = max(0, sum(f.rule.points for f in fired if not f.rule.is_denial))
    floors = [loaded.rule.triage_floor for loaded in fired if loaded.rule.triage_floor]
    by_band = rulebook.policy.likelihood_triage.get(band(min(100, before_denials)))
    if by_band is not None:
        floors.append(by_band)
    if result.unchecked_red_flags:
        floors.append(TriageLevel.consultation)  # the warning-sign screen's floor
    own_level = TriageLevel.most_urgent(*floors)
    assert result.triage_level in (
        own_level,
        TriageLevel.most_urgent(own_level, TriageLevel.consultation),
    ), (
        "only the warning-sign screen may add to the floors of the fired rules, and only up to "
        "a consultation"
    )
    if result.triage_level is TriageLevel.self_care:
        assert result.unchecked_red_flags == ()
    warning_signs = {
        code for code, term in rulebook.terms.items() if term.category.value == "red_flag"
    }
    assert {flag.code for flag in result.unchecked_red_flags} <= warning_signs - set(
        result.report.present
    ) - set(result.report.absent)
    assert result.triage_action == rulebook.policy.triage_actions[result.triage_level]
    assert {flag.rule_id for flag in result.red_flags} == {
        loaded.rule.id for loaded in fired if loaded.rule.red_flag
    }
    if result.red_flags:
        assert result.advice.self_care == (), "no self-care is offered with a red flag"
    assert result.rulebook_version == rulebook.full_version
    assert result.disclaimer == rulebook.policy.disclaimer


@PROFILE
@given(reports(), modes)
def test_every_result_validates_and_is_consistent_with_the_rule_book(
    report: SymptomReport, include: bool
) -> None:
    result = assess(report, book(), include_experimental=include)
    assert_consistent(result, book())
    assert result.experimental_included is include


@PROFILE
@given(reports(), modes)
def test_the_engine_fires_exactly_the_rules_whose_conditions_hold(
    report: SymptomReport, include: bool
) -> None:
    rulebook = book()
    result = assess(report, rulebook, include_experimental=include)
    assert list(result.fired_rule_ids) == expected_fired(rulebook, report, include)
    left_out = (
        []
        if include
        else sorted(set(expected_fired(rulebook, report, True)) - set(result.fired_rule_ids))
    )
    assert sorted(result.experimental_left_out) == left_out


@PROFILE
@given(reports(), st.data(), modes)
def test_adding_a_present_finding_never_lowers_the_triage_level(
    report: SymptomReport, data: st.DataObject, include: bool
) -> None:
    rulebook = book()
    candidates = sorted(set(rulebook.terms) - set(report.present))
    if not candidates:
        return
    added = data.draw(st.sampled_from(candidates), label="added")
    bigger = _with(
        report,
        present=[*report.present, added],
        absent=[code for code in report.absent if code != added],
    )
    before = assess(report, rulebook, include_experimental=include)
    after = assess(bigger, rulebook, include_experimental=include)
    assert after.triage_level.rank >= before.triage_level.rank
    # Denial rules (issue 13) fire on an explicit "no", so turning that no into a yes stops
    # them by design; they give bounded negative points and never a floor. Every other rule
    # that fired still fires.
    denials = {loaded.rule.id for loaded in book().rules if loaded.rule.is_denial}
    assert set(before.fired_rule_ids) - denials <= set(after.fired_rule_ids)
    assert {f.rule_id for f in before.red_flags} <= {f.rule_id for f in after.red_flags}


@PROFILE
@given(reports(), st.sampled_from(["duration_days", "pain_intensity"]), st.integers(1, 200), modes)
def test_more_pain_or_a_longer_duration_never_lowers_the_triage_level(
    report: SymptomReport, name: str, increase: int, include: bool
) -> None:
    current = getattr(report, name)
    larger = min(LIMITS[name], (current or 0) + increase)
    before = assess(report, book(), include_experimental=include)
    after = assess(_with(report, **{name: larger}), book(), include_experimental=include)
    lost = set(before.fired_rule_ids) - set(after.fired_rule_ids)
    windowed = _onset_window_rules()
    if current is not None or name == "pain_intensity":
        # The only rules a longer duration may stop are those with an onset window ("new"
        # symptoms), and only by leaving it.
        assert lost <= windowed, lost - windowed
    if not lost & windowed:
        assert after.triage_level.rank >= before.triage_level.rank
    else:
        # Leaving an onset window may lower the level, never below a professional's look.
        assert after.triage_level.rank >= TriageLevel.consultation.rank


def _onset_window_rules() -> set[str]:
    rules = book().rules
    return {loaded.rule.id for loaded in rules if loaded.rule.when.started_within_days is not None}


def _red_flag_rules() -> list[LoadedRule]:
    return [loaded for loaded in book().rules if loaded.rule.red_flag]


@PROFILE
@given(reports(), st.data(), modes)
def test_a_red_flag_gives_at_least_its_floor(
    report: SymptomReport, data: st.DataObject, include: bool
) -> None:
    flags = _red_flag_rules()
    assert flags, "the rule book should have red-flag rules"
    loaded = data.draw(st.sampled_from(flags), label="red flag")
    rule = loaded.rule
    wanted = list(rule.when.all)
    if rule.when.any:
        wanted.append(data.draw(st.sampled_from(rule.when.any), label="any"))
    changes: dict[str, object] = {
        "present": list(dict.fromkeys([*report.present, *wanted])),
        "absent": [
            code
            for code in report.absent
            if code not in wanted and code not in rule.when.unless_denied
        ],
    }
    for name, bound in rule.when.numbers().items():
        current = getattr(report, name)
        if isinstance(bound, OnsetWindow):
            changes[name] = current if bound.holds(current) else None
        else:
            changes[name] = _meeting_value(bound, name, current)
    if rule.when.sex is not None:
        changes["sex"] = rule.when.sex.value
    if rule.when.unless_sex is not None and report.sex is rule.when.unless_sex:
        changes["sex"] = None
    flagged = _with(report, **changes)
    result = assess(flagged, book(), include_experimental=include)
    assert rule.id in result.fired_rule_ids
    assert rule.id in {flag.rule_id for flag in result.red_flags}
    assert rule.triage_floor is not None
    assert result.triage_level.rank >= rule.triage_floor.rank, (
        f"red flag {rule.id} must give at least {rule.triage_floor.value}, "
        f"got {result.triage_level.value} with score {result.psoas_score}"
    )
    assert result.advice.self_care == ()


@PROFILE
@given(reports(), st.data())
def test_marking_a_code_absent_never_raises_the_score(
    report: SymptomReport, data: st.DataObject
) -> None:
    rulebook = book()
    unmentioned = sorted(set(rulebook.terms) - set(report.present) - set(report.absent))
    if not unmentioned:
        return
    denied = data.draw(st.sampled_from(unmentioned), label="denied")
    before = assess(report, rulebook)
    after = assess(_with(report, absent=[*report.absent, denied]), rulebook)
    assert after.psoas_score <= before.psoas_score


@PROFILE
@given(reports())
def test_results_are_deterministic_whichever_way_the_report_is_given(
    report: SymptomReport,
) -> None:
    rulebook = book()
    first = assess(report, rulebook)
    assert assess(report, rulebook) == first
    assert assess(report.model_dump(), rulebook) == first
    assert assess(report.model_dump(exclude_none=True), rulebook) == first
    as_json = parse_report_json(json.dumps(report.model_dump()), rulebook)
    assert assess(as_json, rulebook) == first
    # Order of codes does not change what fires, the score or the triage level.
    shuffled = _with(report, present=list(reversed(report.present)))
    again = assess(shuffled, rulebook)
    assert (again.fired_rule_ids, again.psoas_score, again.triage_level) == (
        first.fired_rule_ids,
        first.psoas_score,
        first.triage_level,
    )


@PROFILE
@given(reports(), modes)
def test_remembered_parts_match_a_fresh_build(report: SymptomReport, include: bool) -> None:
    """assess() reuses parts per fired-rule set; building again from the fired ids, or from
    equal copies of the rules, gives the same assessment (build_assessment does not know the
    mode: assess() adds it)."""
    rulebook = book()
    result = assess(report, rulebook, include_experimental=include)
    copies = [dataclasses.replace(rulebook.rule(rule_id)) for rule_id in result.fired_rule_ids]
    used = book_for(rulebook, include)
    mode = {"experimental_included": False, "experimental_left_out": ()}
    assert build_assessment(used, report, copies) == result.model_copy(update=mode)
    assert build_assessment(used, report, result.fired_rule_ids) == result.model_copy(update=mode)


def test_a_rule_directory_path_gives_the_same_results_as_the_loaded_book() -> None:
    rulebook = book()
    report = SymptomReport(present=_rule_codes(rulebook)[:3], pain_intensity=6)
    assert assess(report, rulebook.path) == assess(report, rulebook)
    assert assess(report, str(rulebook.path)) == assess(report, rulebook)


@PROFILE
@given(reports(), st.integers(0, LIMITS["age"]), st.sampled_from([None, "female", "male"]), modes)
def test_age_and_sex_are_context_and_results_stay_consistent(
    report: SymptomReport, age: int, sex: str | None, include: bool
) -> None:
    """No monotone promise for age or sex (a rule for children stops firing at 16), but every
    result still follows the rule book, and present findings still only add rules."""
    rulebook = book()
    changed = _with(report, age=age, sex=sex)
    result = assess(changed, rulebook, include_experimental=include)
    assert_consistent(result, rulebook)
    assert list(result.fired_rule_ids) == expected_fired(rulebook, changed, include)


def test_only_age_may_be_bounded_from_above() -> None:
    assert Condition.model_validate({"all": ["limp"], "age": {"lt": 3}}).age == AgeBound(lt=3)
    assert Condition.model_validate({"any": ["limp", "knee_pain"], "age": {"gte": 9, "lte": 16}})
    for name in ("pain_intensity", "duration_days"):
        with pytest.raises(ValidationError, match="lt"):
            Condition.model_validate({"all": ["limp"], name: {"lt": 5}})
    # The one upper bound on duration: an onset window, which fires while duration is unknown.
    window = Condition.model_validate({"all": ["limp"], "started_within_days": 90})
    assert window.numbers()["duration_days"].holds(None)
    with pytest.raises(ValidationError, match="not both"):
        Condition.model_validate(
            {"all": ["limp"], "started_within_days": 9, "duration_days": {"gt": 1}}
        )
    with pytest.raises(ValidationError, match="no age from 0 to 120"):
        Condition.model_validate({"all": ["limp"], "age": {"gte": 20, "lt": 10}})


def test_a_report_with_every_finding_present_never_fails_the_engine() -> None:
    """The worst case for durable_rules' fixed match stack: every code present (matching is
    monotone in present codes), at every age and sex, with the largest numbers."""
    rulebook = book()
    everything = sorted(rulebook.terms)
    for sex in (None, "female", "male"):
        for age in (None, *range(0, LIMITS["age"] + 1)):
            report = SymptomReport(
                present=everything, age=age, sex=sex, pain_intensity=10, duration_days=36500
            )
            result = assess(report, rulebook)
            assert result.triage_level is TriageLevel.emergency
