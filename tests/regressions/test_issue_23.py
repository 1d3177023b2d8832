"""Issue 23: clinical precision. One test per item, named after what it protects.

Sections: the condition language that makes rules exact without lowering a red flag
(``unless_denied``, ``unless_sex``, ``started_within_days``, ``applies_to``), then the clinical
families the issue names, through the shipped book. The clinical vignettes
(``tests/test_vignettes.py``) and ``features/clinical_precision.feature`` carry the rest.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from psoas_triage import RuleBookError, TriageLevel, assess, default_rulebook, load_rulebook
from psoas_triage.engine import engine_for
from psoas_triage.models import Sex, SymptomReport
from psoas_triage.render import describe_condition
from psoas_triage.schema import AppliesTo, Condition
from psoas_triage.screening import reachable_rule_ids

# --- the condition language ----------------------------------------------------------------------

CAUTIOUS_RULE = """
  - id: cautious
    title: Groin pain, fever not yet denied
    status_reason: A fixture for the tests, not a clinical rule.
    description: Stays urgent until fever is denied.
    when: {all: [groin_pain], unless_denied: [fever, hip_snapping], unless_sex: female}
    red_flag: true
    triage_floor: urgent
    sources: [test_source]
    examples:
      fires: [{present: [groin_pain]}]
"""

WINDOW_RULE = """
  - id: new_snapping
    title: New snapping
    status_reason: A fixture for the tests, not a clinical rule.
    description: Snapping that started within ten days, or it is not known when.
    when: {all: [hip_snapping], started_within_days: 10}
    red_flag: true
    triage_floor: urgent
    sources: [test_source]
    examples:
      fires: [{present: [hip_snapping]}, {present: [hip_snapping], duration_days: 10}]
      does_not_fire: [{present: [hip_snapping], duration_days: 11}]
"""


def _book_with(mini_copy: Path, rule: str) -> Any:
    path = mini_copy / "rules.yaml"
    path.write_text(path.read_text() + rule)
    return load_rulebook(mini_copy)


def _fired(book: Any, **report: Any) -> bool:
    rule_id = book.rules[-1].rule.id
    return rule_id in engine_for(book).fired_rule_ids(SymptomReport(**report))


def test_unless_denied_fires_until_every_listed_code_is_denied(mini_copy: Path) -> None:
    book = _book_with(mini_copy, CAUTIOUS_RULE)
    assert _fired(book, present=("groin_pain",))  # not asked: the cautious reading
    assert _fired(book, present=("groin_pain", "fever"))  # present: a finding never stops it
    assert _fired(book, present=("groin_pain",), absent=("fever",))  # one of two denied
    assert not _fired(book, present=("groin_pain",), absent=("fever", "hip_snapping"))
    assert not _fired(book, present=("hip_snapping",))  # it narrows, never replaces, `all`


def test_unless_sex_fires_for_the_other_sex_and_for_an_unknown_one(mini_copy: Path) -> None:
    book = _book_with(mini_copy, CAUTIOUS_RULE)
    assert _fired(book, present=("groin_pain",), sex="male")
    assert _fired(book, present=("groin_pain",))
    assert not _fired(book, present=("groin_pain",), sex="female")


def test_an_onset_window_fires_while_the_duration_is_unknown_or_within_it(
    mini_copy: Path,
) -> None:
    book = _book_with(mini_copy, WINDOW_RULE)  # loading ran the rule's examples through lint
    assert _fired(book, present=("hip_snapping",))
    assert _fired(book, present=("hip_snapping",), duration_days=0)
    assert not _fired(book, present=("hip_snapping",), duration_days=11)


def test_the_screen_knows_a_cautious_rule_is_reachable_until_its_codes_are_denied(
    mini_copy: Path,
) -> None:
    book = _book_with(mini_copy, CAUTIOUS_RULE)
    one = SymptomReport(present=("groin_pain",), absent=("fever",))
    both = SymptomReport(present=("groin_pain",), absent=("fever", "hip_snapping"))
    assert "cautious" in reachable_rule_ids(book, one)
    assert "cautious" not in reachable_rule_ids(book, both)


@pytest.mark.parametrize(
    ("when", "message"),
    [
        ({"absent": ["hip_snapping"], "unless_denied": ["fever"]}, "give all, any or a number"),
        ({"all": ["fever"], "unless_denied": ["fever"]}, "unless_denied and in all"),
        ({"all": ["fever"], "sex": "male", "unless_sex": "female"}, "not both"),
        ({"started_within_days": 5, "pain_intensity": {"gte": 3}}, "needs codes"),
        ({"all": ["fever"], "started_within_days": -1}, "greater than or equal to 0"),
    ],
)
def test_the_new_condition_keys_refuse_what_cannot_mean_anything(
    when: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        Condition.model_validate(when)


def test_a_rule_that_needs_a_code_its_people_cannot_have_is_refused(mini_copy: Path) -> None:
    vocabulary = mini_copy / "vocabulary.yaml"
    vocabulary.write_text(
        vocabulary.read_text().replace(
            "    category: red_flag\n", "    category: red_flag\n    applies_to: {sex: female}\n", 1
        )
    )
    rules = mini_copy / "rules.yaml"
    rules.write_text(
        rules.read_text().replace("when: {all: [fever]}", "when: {all: [fever], sex: male}")
    )
    with pytest.raises(RuleBookError, match=r"applies only to female .* it can never fire"):
        load_rulebook(mini_copy)


def test_applies_to_rules_out_only_a_known_sex_or_age() -> None:
    women = AppliesTo.model_validate({"sex": "female", "age": {"gte": 10, "lte": 55}})
    assert women.includes(None, None)
    assert women.includes(Sex.female, 30)
    assert not women.includes(Sex.male, 30)
    assert not women.includes(None, 70)
    with pytest.raises(ValidationError, match="give a sex, an age range or both"):
        AppliesTo.model_validate({})


def test_rules_show_says_unless_denied_and_the_onset_window() -> None:
    book = default_rulebook()
    assert "unless denied: scrotal_pain" in describe_condition(
        book.rule("sudden_groin_pain_young_man").rule
    )
    assert "duration_days <= 90 or not given" in describe_condition(
        book.rule("back_pain_with_both_legs").rule
    )


# --- the clinical families, through the shipped book ---------------------------------------------

WARNING_SIGNS = [
    code for code, term in default_rulebook().terms.items() if term.category.value == "red_flag"
]


def _screened(present: list[str], **numbers: Any) -> dict[str, Any]:
    """A report after a completed checklist: every warning sign not present is denied."""
    absent = [code for code in WARNING_SIGNS if code not in present]
    return {"present": present, "absent": absent, **numbers}


def _level(report: dict[str, Any]) -> TriageLevel:
    return assess(report).triage_level


def test_sudden_groin_pain_in_a_young_man_is_torsion_until_the_testicles_are_asked_about() -> None:
    asked = _screened(["groin_pain", "sudden_onset", "sudden_movement_strain"], age=24, sex="male")
    not_asked = {**asked, "absent": [code for code in asked["absent"] if code != "scrotal_pain"]}
    assert _level(not_asked) is TriageLevel.emergency
    assert _level(asked) is TriageLevel.consultation


def test_a_teenage_sprinters_avulsion_is_an_x_ray_today_not_an_emergency() -> None:
    report = _screened(
        ["groin_pain", "sudden_onset", "sudden_movement_strain", "pain_lifting_leg"], age=15
    )
    result = assess(report)
    assert result.triage_level is TriageLevel.urgent
    assert "adolescent_avulsion" in result.fired_rule_ids


def test_long_standing_stenosis_is_a_consultation_and_new_symptoms_in_both_legs_an_emergency() -> (
    None
):
    stenosis = ["low_back_pain", "bilateral_leg_symptoms", "leg_heaviness_walking"]
    assert _level(_screened(stenosis, age=72, duration_days=730)) is TriageLevel.consultation
    assert _level(_screened(stenosis, age=72, duration_days=20)) is TriageLevel.emergency
    assert _level(_screened(stenosis, age=72)) is TriageLevel.emergency  # "new" until told


def test_sudden_back_pain_after_lifting_in_an_older_woman_with_osteoporosis_is_urgent() -> None:
    report = _screened(["low_back_pain", "sudden_onset", "osteoporosis"], age=76, sex="female")
    assert _level(report) is TriageLevel.urgent
    assert _level({**report, "sex": "male"}) is TriageLevel.emergency  # aneurysm risk in men
    assert _level({**report, "sex": None}) is TriageLevel.emergency  # when in doubt


def test_a_femoral_nerve_deficit_is_urgent_and_no_longer_a_point_against_the_psoas() -> None:
    result = assess(_screened(["weak_hip_flexion", "front_of_thigh_numbness", "groin_pain"]))
    assert result.triage_level is TriageLevel.urgent
    assert all(finding.points >= 0 for finding in result.findings)
    assert "weak_hip_flexion_with_numbness" in {flag.rule_id for flag in result.red_flags}


def test_a_hip_replacement_years_ago_is_not_the_window_for_a_clot_after_surgery() -> None:
    old = assess({"present": ["breathlessness", "hip_replacement"]})
    recent = assess({"present": ["breathlessness", "recent_surgery"]})
    assert old.triage_level is TriageLevel.urgent
    assert recent.triage_level is TriageLevel.emergency


def test_bone_stress_needs_a_bone_sign_not_activity_related_pain_alone() -> None:
    running = ["runner", "training_increase", "worse_with_activity", "groin_pain"]
    assert _level(_screened(running, age=25)) is TriageLevel.consultation
    hopping = _screened([*running, "pain_every_step_or_hopping"], age=25)
    assert _level(hopping) is TriageLevel.urgent


def test_pelvic_girdle_pain_in_later_pregnancy_is_a_consultation() -> None:
    report = _screened(
        ["possible_pregnancy", "pregnant_14_weeks_or_more", "pelvic_girdle_pain"],
        age=31,
        sex="female",
    )
    assert _level(report) is TriageLevel.consultation
    bleeding = {**report, "present": [*report["present"], "vaginal_bleeding", "abdominal_pain"]}
    bleeding["absent"] = [code for code in bleeding["absent"] if code not in bleeding["present"]]
    assert _level(bleeding) is TriageLevel.emergency
