"""Scoring, triage policy and advice selection, each on its own."""

from __future__ import annotations

import dataclasses

import pytest

from psoas_triage import (
    Likelihood,
    Professional,
    RuleBook,
    SymptomReport,
    TriageLevel,
    build_assessment,
)
from psoas_triage.advice import Situation, select_advice, select_referrals
from psoas_triage.schema import Bands, Selector
from psoas_triage.scoring import likelihood_band, psoas_score
from psoas_triage.triage import decide_triage


@pytest.mark.parametrize(
    ("points", "score"), [([], 0), ([12, 10], 22), ([-30, 10], 0), ([60, 50], 100), ([50, -5], 45)]
)
def test_score_is_the_clamped_sum_of_points(points: list[int], score: int) -> None:
    assert psoas_score(points) == score


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (0, "unlikely"),
        (19, "unlikely"),
        (20, "possible"),
        (44, "possible"),
        (45, "likely"),
        (100, "likely"),
    ],
)
def test_bands_come_from_the_rule_book_thresholds(score: int, band: str) -> None:
    assert likelihood_band(score, Bands(possible=20, likely=45)) == Likelihood(band)


def test_triage_is_the_most_urgent_floor_and_only_it_is_a_reason(
    mini_book: RuleBook,
) -> None:
    fired = [mini_book.rule("severe_pain"), mini_book.rule("fever_flag")]
    decision = decide_triage(fired, Likelihood.likely, mini_book.policy)
    assert decision.level is TriageLevel.urgent
    # The consultation floors (severe pain, a likely psoas picture) did not set the level.
    assert decision.reasons == ("red flag: Fever (urgent)",)
    below = decide_triage([mini_book.rule("severe_pain")], Likelihood.likely, mini_book.policy)
    assert below.reasons == (
        "finding: Severe pain (consultation)",
        "psoas involvement is likely (consultation)",
    )


def test_likely_psoas_involvement_alone_means_consultation(mini_book: RuleBook) -> None:
    assert decide_triage([], Likelihood.likely, mini_book.policy).level is TriageLevel.consultation
    assert decide_triage([], Likelihood.possible, mini_book.policy).level is TriageLevel.self_care


def _situation(**changes: object) -> Situation:
    values: dict[str, object] = {
        "triage_level": TriageLevel.self_care,
        "likelihood": Likelihood.possible,
        "fired_rule_ids": {"groin"},
        "present": {"groin_pain"},
        "red_flag": False,
    }
    values.update(changes)
    return Situation(**values)  # type: ignore[arg-type]


def test_referrals_follow_the_selectors(mini_book: RuleBook) -> None:
    plain = select_referrals(mini_book, _situation())
    assert [r.professional for r in plain] == [Professional.physiotherapist]
    flagged = select_referrals(
        mini_book, _situation(triage_level=TriageLevel.emergency, red_flag=True)
    )
    assert [r.professional for r in flagged] == [
        Professional.emergency_department,
        Professional.doctor,
    ]


def test_self_care_is_withheld_with_a_red_flag_whatever_the_advice_file_says(
    mini_book: RuleBook,
) -> None:
    assert [item.id for item in select_advice(mini_book, _situation()).self_care] == [
        "gentle_stretch"
    ]
    flagged = select_advice(mini_book, _situation(red_flag=True, likelihood=Likelihood.likely))
    assert flagged.self_care == ()
    assert [item.id for item in flagged.seek_help] == ["seek_help"]


def test_selectors_can_require_and_exclude_codes_and_rules() -> None:
    situation = _situation(present={"groin_pain", "hip_replacement"}, fired_rule_ids={"groin"})
    assert situation.matches(Selector(present_any=frozenset({"groin_pain", "fever"})))
    assert not situation.matches(Selector(present_none=frozenset({"hip_replacement"})))
    assert situation.matches(Selector(rules_none=frozenset({"fever_flag"})))
    assert not situation.matches(Selector(rules_any=frozenset({"fever_flag"})))
    assert not situation.matches(
        Selector(
            triage_in=frozenset({TriageLevel.emergency}), present_any=frozenset({"groin_pain"})
        )
    )
    assert situation.matches(Selector())


def test_build_assessment_refuses_a_rule_that_is_not_the_books(mini_book: RuleBook) -> None:
    """One path: every part comes from what the book shares, so a foreign rule is refused
    rather than mixed with parts remembered for the book's own rule."""
    report = SymptomReport(present=["groin_pain"])
    own = mini_book.rule("groin")
    changed = dataclasses.replace(own, rule=own.rule.model_copy(update={"points": 99}))
    with pytest.raises(ValueError, match="not a rule of rule book"):
        build_assessment(mini_book, report, [changed])
    with pytest.raises(ValueError, match="not a rule of rule book"):
        build_assessment(mini_book, report, ["no_such_rule"])
    assert build_assessment(mini_book, report, ["groin"]).fired_rule_ids == ("groin",)
