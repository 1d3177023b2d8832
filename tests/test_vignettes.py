"""Clinical vignettes written from guideline families, run through the public ``assess()``.

The cases in ``tests/vignettes/guideline_vignettes.yaml`` were written from the guideline
families in ``rules/sources.yaml`` (and the psoas presentations of the seed documents) before
the rules were tuned; each names the levels practice accepts. Under-triage (a level below every
acceptable one) is the worst defect this project can have, so it must be zero. Run this file as
a script for the agreement table: ``.venv/bin/python tests/test_vignettes.py``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from psoas_triage import Assessment, Professional, TriageLevel, assess, default_rulebook
from psoas_triage.yaml_files import read_yaml

VIGNETTES = Path(__file__).resolve().parent / "vignettes" / "guideline_vignettes.yaml"
EXERCISE_CATEGORIES = {"stretch", "strengthen", "release"}
"""Self-care categories that load or stretch the hip and trunk."""
EXERCISE_ITEMS = {"warm_up_and_regular_stretching"}
"""Self-care items outside those categories that still ask for stretching or lunges."""


@dataclass(frozen=True)
class Vignette:
    id: str
    family: str
    description: str
    report: dict[str, Any]
    acceptable: frozenset[TriageLevel]
    screened: bool = True
    psoas_advice: bool = False
    no_exercises: bool = False
    doctor: bool = False
    held_back: bool = False
    known_gap: str | None = None

    def full_report(self) -> dict[str, Any]:
        """The report as assessed: with a completed checklist, unlisted warning signs denied."""
        report = dict(self.report)
        if self.screened:
            present = set(report.get("present", []))
            warning_signs = sorted(
                code
                for code, term in default_rulebook().terms.items()
                if term.category.value == "red_flag" and code not in present
            )
            report["absent"] = sorted({*report.get("absent", []), *warning_signs})
        return report


def load_vignettes() -> list[Vignette]:
    data = read_yaml(VIGNETTES)
    return [
        Vignette(
            **{**case, "acceptable": frozenset(TriageLevel(level) for level in case["acceptable"])}
        )
        for case in data["vignettes"]
    ]


def problems(vignette: Vignette, result: Assessment) -> list[str]:
    """Everything the result gets wrong for this vignette (empty when it is right)."""
    found = []
    level = result.triage_level
    if level not in vignette.acceptable:
        wanted = "/".join(sorted(choice.value for choice in vignette.acceptable))
        found.append(f"level {level.value}, practice accepts {wanted}")
    referred = {referral.professional for referral in result.referrals}
    exercises = [
        item.id
        for item in (*result.advice.self_care, *result.more.self_care)
        if item.category in EXERCISE_CATEGORIES or item.id in EXERCISE_ITEMS
    ]
    if vignette.psoas_advice:
        if result.likelihood.value == "unlikely":
            found.append("a genuine psoas picture scored unlikely")
        if not result.advice.self_care or Professional.physiotherapist not in referred:
            found.append("a genuine psoas picture lost its psoas advice")
    if vignette.no_exercises and exercises:
        found.append(f"exercises offered: {exercises}")
    if vignette.doctor and not referred & {Professional.doctor, Professional.emergency_department}:
        found.append(f"no doctor among the referrals: {sorted(p.value for p in referred)}")
    if vignette.held_back and not result.advice.held_back:
        found.append("the result does not say why exercises are held back")
    if not result.disclaimer:
        found.append("no disclaimer")
    return found


def is_under_triaged(vignette: Vignette, result: Assessment) -> bool:
    return result.triage_level.rank < min(level.rank for level in vignette.acceptable)


def is_over_triaged_to_emergency(vignette: Vignette, result: Assessment) -> bool:
    """Sent to an emergency department when practice does not accept an emergency."""
    return (
        TriageLevel.emergency not in vignette.acceptable
        and result.triage_level is TriageLevel.emergency
    )


CASES = load_vignettes()


def test_the_suite_is_large_and_covers_the_guidance_of_every_red_flag() -> None:
    assert len(CASES) >= 220
    assert len({case.id for case in CASES}) == len(CASES), "vignette ids must be unique"
    sources = default_rulebook().sources
    families = Counter(case.family for case in CASES)
    assert set(families) <= set(sources), set(families) - set(sources)
    # Every warning sign is exercised by cases written from (one of) the guidance it cites.
    untested = [
        loaded.rule.id
        for loaded in default_rulebook().rules
        if loaded.rule.red_flag and not set(loaded.rule.sources) & set(families)
    ]
    assert untested == [], f"red flags whose guidance has no vignette: {untested}"
    assert sum(1 for case in CASES if case.psoas_advice) >= 15


def _param(case: Vignette) -> Any:
    if case.known_gap:
        return pytest.param(
            case, id=case.id, marks=pytest.mark.xfail(strict=True, reason=case.known_gap)
        )
    return pytest.param(case, id=case.id)


@pytest.mark.parametrize("vignette", [_param(case) for case in CASES])
def test_vignette(vignette: Vignette) -> None:
    result = assess(vignette.full_report())
    assert problems(vignette, result) == [], f"{vignette.description}: {result.triage_reasons}"


@cache
def _result(index: int) -> Assessment:
    """The assessment of ``CASES[index]``, computed once per run."""
    return assess(CASES[index].full_report())


def results() -> list[tuple[Vignette, Assessment]]:
    return [(vignette, _result(index)) for index, vignette in enumerate(CASES)]


def _count(counts: Counter[str], vignette: Vignette, result: Assessment) -> None:
    counts["total"] += 1
    if result.triage_level in vignette.acceptable:
        counts["agreement"] += 1
    elif is_under_triaged(vignette, result):
        counts["under_triage"] += 1
    else:
        counts["over_triage"] += 1
        if is_over_triaged_to_emergency(vignette, result):
            counts["over_triage_to_emergency"] += 1
    if problems(vignette, result) and result.triage_level in vignette.acceptable:
        counts["other_problems"] += 1


SUMMARY_KEYS = (
    "total",
    "agreement",
    "under_triage",
    "over_triage",
    "over_triage_to_emergency",
    "other_problems",
)
"""The counts ``summary()`` reports; ``over_triage_to_emergency`` is the part of
``over_triage`` that went to emergency when practice does not accept it."""


def summary() -> dict[str, int]:
    """Counts over the whole suite: agreement, under-triage, over-triage (and, within it,
    over-triage to emergency), other problems."""
    counts: Counter[str] = Counter()
    for vignette, result in results():
        _count(counts, vignette, result)
    return {key: counts[key] for key in SUMMARY_KEYS}


def family_summary() -> dict[str, dict[str, int]]:
    """The same counts per guideline family."""
    per_family: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for vignette, result in results():
        _count(per_family[vignette.family], vignette, result)
    return {
        family: {key: counts[key] for key in SUMMARY_KEYS}
        for family, counts in sorted(per_family.items())
    }


def test_no_under_triage_over_the_whole_suite() -> None:
    counts = summary()
    print(f"vignettes: {counts}")  # shown with -s; the closing note quotes it
    assert counts["under_triage"] == 0, counts
    assert counts["agreement"] == counts["total"], counts


def test_no_vignette_is_sent_to_emergency_unless_practice_accepts_it() -> None:
    """Over-triage to an emergency department is its own failure: it is implied by agreement,
    but a failure here says which kind of disagreement it is."""
    sent = [
        f"{vignette.id} ({'/'.join(sorted(level.value for level in vignette.acceptable))})"
        for vignette, result in results()
        if is_over_triaged_to_emergency(vignette, result)
    ]
    assert sent == [], f"sent to emergency, practice accepts only: {sent}"


if __name__ == "__main__":
    for vignette, result in results():
        wrong = problems(vignette, result)
        if wrong:
            if is_under_triaged(vignette, result):
                mark = "UNDER"
            elif is_over_triaged_to_emergency(vignette, result):
                mark = "OVER!"
            else:
                mark = "wrong"
            print(f"{mark:5} {vignette.id:32} {'; '.join(wrong)}")
    print()
    for key, value in summary().items():
        print(f"{key:26} {value}")
    print()
    columns = ("total", "agree", "under", "over", "to_em", "other")
    print(f"{'family':36} " + " ".join(f"{column:>5}" for column in columns))
    for family, counts in family_summary().items():
        print(
            f"{family:36} {counts['total']:5} {counts['agreement']:5} {counts['under_triage']:5}"
            f" {counts['over_triage']:5} {counts['over_triage_to_emergency']:5}"
            f" {counts['other_problems']:5}"
        )


def test_the_readme_states_the_suite_size() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert f"`tests/test_vignettes.py`: {len(CASES)}\nclinical vignettes" in readme
