"""The safety net around the psoas rules: checks that hold for the shipped book as a whole.

- lint refuses a warning-sign code (category red_flag) that no rule with a triage floor uses;
- every warning-sign code of the shipped vocabulary can raise the level through some rule;
- whenever a floor comes from something other than a psoas picture, a doctor is referred;
- self-care never contradicts "check before exercising after surgery";
- rules bounding age from above and naming a sex behave as written (children, men).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from psoas_triage import Professional, TriageLevel, assess, default_rulebook
from psoas_triage.lint import lint_directory
from psoas_triage.models import Assessment
from psoas_triage.schema import Category


def reasons(result: Assessment) -> list[str]:
    """The reasons the result gives for advice held back."""
    return [item.reason for item in result.advice.held_back]


MINI = Path(__file__).resolve().parent / "fixtures" / "mini_rules"
EXERCISE_CATEGORIES = {"stretch", "strengthen", "release"}


def test_lint_flags_a_warning_sign_that_no_floor_rule_uses(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(MINI, rules)
    text = (rules / "rules.yaml").read_text(encoding="utf-8")
    # Fever keeps a rule, but one that only gives points: it can no longer raise the level.
    text = text.replace(
        "    red_flag: true\n    triage_floor: urgent\n    alternatives: [infection]\n",
        "    points: 5\n",
    )
    (rules / "rules.yaml").write_text(text, encoding="utf-8")
    problems = [str(problem) for problem in lint_directory(rules)]
    assert any(
        "fever" in problem and "no rule with a triage floor" in problem for problem in problems
    ), problems
    assert not [str(p) for p in lint_directory(MINI) if p.severity == "error"]


def test_every_shipped_warning_sign_can_raise_the_level() -> None:
    book = default_rulebook()
    with_floor = {
        code
        for loaded in book.rules
        if loaded.rule.triage_floor is not None
        for code in loaded.rule.when.codes()
    }
    warning_signs = {
        code for code, term in book.terms.items() if term.category is Category.red_flag
    }
    assert warning_signs - with_floor == set()
    assert len(warning_signs) >= 20


def _floor_reports() -> list[tuple[str, dict[str, object]]]:
    """Each floor rule's own firing examples: reports whose floor may not be a psoas picture."""
    return [
        (loaded.rule.id, example.model_dump(exclude_defaults=True))
        for loaded in default_rulebook().rules
        if loaded.rule.triage_floor is not None and loaded.rule.points <= 0
        for example in loaded.rule.examples.fires
    ]


@pytest.mark.parametrize(("rule_id", "report"), _floor_reports())
def test_a_floor_that_is_not_a_psoas_picture_refers_to_a_doctor(
    rule_id: str, report: dict[str, object]
) -> None:
    result = assess(report)
    assert rule_id in result.fired_rule_ids
    referred = {referral.professional for referral in result.referrals}
    assert referred & {Professional.doctor, Professional.emergency_department}, (
        f"{rule_id}: a floor from outside the psoas picture but no doctor: {sorted(referred)}"
    )


@pytest.mark.parametrize("history", ["hip_replacement", "recent_surgery"])
def test_self_care_never_contradicts_the_check_before_exercising_item(history: str) -> None:
    book = default_rulebook()
    red_flag_codes = [
        code for code, term in book.terms.items() if term.category is Category.red_flag
    ]
    strong = ["groin_pain", "hip_snapping", "front_of_hip_pain", "pain_sit_to_stand", "runner"]
    result = assess({"present": [history, *strong], "absent": red_flag_codes})
    assert "check_exercises_after_surgery" in [item.id for item in result.advice.avoid]
    offered = [
        item.id
        for item in result.advice.self_care
        if item.category in EXERCISE_CATEGORIES
        or item.id in {"warm_up_and_regular_stretching", "gentle_walking"}
    ]
    assert offered == []
    assert any("surgical team" in reason for reason in reasons(result))


@pytest.mark.parametrize(
    ("age", "level"),
    [(2, TriageLevel.urgent), (3, TriageLevel.consultation), (15, TriageLevel.consultation)],
)
def test_a_limp_in_a_child_depends_on_age(age: int, level: TriageLevel) -> None:
    result = assess({"present": ["limp"], "age": age})
    assert result.triage_level is level
    assert Professional.doctor in {referral.professional for referral in result.referrals}


def test_sex_is_context_for_the_aneurysm_rule() -> None:
    report = {"present": ["sudden_onset", "low_back_pain"], "age": 55}
    assert assess({**report, "sex": "male"}).triage_level is TriageLevel.emergency
    assert assess({**report, "sex": "female"}).triage_level is TriageLevel.urgent
    assert assess(report).triage_level is TriageLevel.urgent
