"""Denials, psoas-specific signs and the evidence section (issue 13).

A denial (a core psoas sign explicitly answered "no") lowers the score by a bounded amount and is
listed as conflicting evidence, but never changes the triage level; adding a present finding,
including the new look-alike codes, never lowers the level.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from psoas_triage import SymptomReport, TriageLevel, assess, default_rulebook
from psoas_triage.lint import MAX_DENIAL_POINTS, lint_rulebook
from psoas_triage.schema import Category

BOOK = default_rulebook()
DENIABLE = sorted({code for loaded in BOOK.rules for code in loaded.rule.when.absent})
FINDINGS = sorted(
    code for code, term in BOOK.terms.items() if term.category is not Category.red_flag
)
WARNING_SIGNS = sorted(
    code for code, term in BOOK.terms.items() if term.category is Category.red_flag
)
PROFILE = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def reports(draw: st.DrawFn) -> SymptomReport:
    # Never empty: an empty report is refused ("nothing to assess").
    present = draw(st.lists(st.sampled_from(FINDINGS), min_size=1, max_size=7, unique=True))
    screened = draw(st.booleans())
    return SymptomReport(
        present=tuple(present),
        absent=tuple(WARNING_SIGNS) if screened else (),
        age=draw(st.none() | st.integers(0, 120)),
        duration_days=draw(st.none() | st.integers(0, 60)),
        pain_intensity=draw(st.none() | st.integers(0, 10)),
    )


def test_the_shipped_book_has_denials_of_the_core_signs() -> None:
    assert {"pain_lifting_leg", "groin_pain", "front_of_hip_pain", "pain_sit_to_stand"} <= set(
        DENIABLE
    )


@PROFILE
@given(report=reports(), data=st.data())
def test_denials_never_change_the_triage_level(report: SymptomReport, data: st.DataObject) -> None:
    free = [code for code in DENIABLE if code not in report.present]
    denied = data.draw(
        st.lists(st.sampled_from(free), min_size=1, unique=True) if free else st.just([])
    )
    before = assess(report)
    after = assess(report.model_copy(update={"absent": (*report.absent, *denied)}))
    assert after.triage_level is before.triage_level
    assert before.psoas_score - MAX_DENIAL_POINTS <= after.psoas_score <= before.psoas_score
    assert {item.rule_id for item in after.evidence.denials} == {
        loaded.rule.id
        for loaded in BOOK.rules
        if loaded.rule.is_denial and set(loaded.rule.when.absent) <= set(denied)
    }


@PROFILE
@given(report=reports(), code=st.sampled_from(FINDINGS))
def test_adding_a_finding_never_lowers_the_level(report: SymptomReport, code: str) -> None:
    before = assess(report)
    after = assess(
        report.model_copy(
            update={
                "present": (*report.present, code)
                if code not in report.present
                else report.present,
                "absent": tuple(c for c in report.absent if c != code),
            }
        )
    )
    assert after.triage_level.rank >= before.triage_level.rank


def test_an_explicit_no_moves_the_score_where_unknown_does_not() -> None:
    unknown = assess({"present": ["front_of_hip_pain", "low_back_pain"]})
    denied = assess(
        {"present": ["front_of_hip_pain", "low_back_pain"], "absent": ["pain_lifting_leg"]}
    )
    assert denied.psoas_score == unknown.psoas_score - 8
    assert [item.rule_id for item in denied.evidence.denials] == ["denies_pain_lifting_leg"]
    assert denied.triage_level is unknown.triage_level


def test_location_and_exposure_alone_never_reach_likely() -> None:
    result = assess(
        {
            "present": [
                "prolonged_sitting",
                "kayaking",
                "runner",
                "low_back_pain",
                "paraspinal_band_pain",
                "lumbosacral_pain",
                "hip_pain",
                "groin_pain",
                "front_of_hip_pain",
                "buttock_pain",
            ]
        }
    )
    assert result.likelihood.value == "possible"
    assert not result.evidence.psoas_specific_sign
    assert result.psoas_score == BOOK.policy.bands.likely - 1
    with_sign = assess({"present": [*result.report.present, "pain_lifting_leg"]})
    assert with_sign.likelihood.value == "likely"
    assert with_sign.evidence.psoas_specific_sign


def test_evidence_names_supporting_conflicting_and_the_deciding_floor() -> None:
    result = assess(
        {
            "present": ["groin_pain", "deep_hip_clicking"],
            "absent": [*WARNING_SIGNS, "pain_lifting_leg"],
        }
    )
    evidence = result.evidence
    assert [item.rule_id for item in evidence.supporting] == ["groin_pain"]
    clicking = next(item for item in evidence.conflicting if item.rule_id == "deep_hip_clicking")
    assert clicking.points < 0 and clicking.alternatives == ("hip_impingement",)
    assert evidence.deciding_floor is not None
    assert evidence.deciding_floor.level is TriageLevel.consultation
    assert evidence.deciding_floor.rule_id == "deep_hip_clicking"
    assert result.triage_level is evidence.deciding_floor.level


def test_self_care_has_no_deciding_floor() -> None:
    result = assess({"present": ["knee_pain"], "absent": WARNING_SIGNS})
    assert result.triage_level is TriageLevel.self_care
    assert result.evidence.deciding_floor is None


def test_the_shipped_book_passes_the_calibration_lint() -> None:
    assert [str(problem) for problem in lint_rulebook(BOOK) if problem.severity == "error"] == []


def _rules_citing_no_seed_document() -> list[str]:
    """The README's list of rules that rest only on named guidance, generated from the book.

    One line per set of sources (sorted by source id), the rules in the book's order, formatted
    as the README writes them: "- `source`, `source`: `rule`, `rule`".
    """
    named = {sid for sid, source in BOOK.sources.items() if source.kind.value != "document"}
    groups: dict[tuple[str, ...], list[str]] = {}
    for loaded in BOOK.rules:
        if set(loaded.rule.sources) <= named:
            key = tuple(sorted(set(loaded.rule.sources)))
            groups.setdefault(key, []).append(loaded.rule.id)
    return [
        "- " + ", ".join(f"`{s}`" for s in key) + ": " + ", ".join(f"`{r}`" for r in rules)
        for key, rules in sorted(groups.items())
    ]


def _readme_citation_list() -> list[str]:
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme.split("\n## Citations\n", 1)[1].split("\n## ", 1)[0]
    return [line for line in section.splitlines() if line.startswith("- `")]


def test_every_rule_cites_a_source_and_the_readme_lists_the_rules_without_a_document() -> None:
    for loaded in BOOK.rules:
        assert loaded.rule.sources, loaded.rule.id
    expected = _rules_citing_no_seed_document()
    assert _readme_citation_list() == expected, (
        "README.md '## Citations' is out of date; replace its list with:\n" + "\n".join(expected)
    )
