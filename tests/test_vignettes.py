"""Clinical vignettes written from guideline families, run through the public ``assess()``.

The cases in ``tests/vignettes/guideline_vignettes.yaml`` were written from the guideline
families in ``rules/sources.yaml`` (and the psoas presentations of the seed documents) before
the rules were tuned; each names the levels practice accepts. Under-triage (a level below every
acceptable one) is the worst defect this project can have, so it must be zero. Run this file as
a script for the agreement table: ``.venv/bin/python tests/test_vignettes.py``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
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
        for item in result.advice.self_care
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


CASES = load_vignettes()


def test_the_suite_is_large_and_covers_every_guideline_family() -> None:
    assert len(CASES) >= 120
    assert len({case.id for case in CASES}) == len(CASES), "vignette ids must be unique"
    sources = default_rulebook().sources
    families = Counter(case.family for case in CASES)
    assert set(families) <= set(sources), set(families) - set(sources)
    practice = {sid for sid, source in sources.items() if source.kind.value == "clinical_practice"}
    assert practice <= set(families), f"families without a vignette: {practice - set(families)}"
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


def summary() -> dict[str, int]:
    """Counts over the whole suite: agreement, under- and over-triage, other problems."""
    counts = Counter(total=len(CASES))
    for vignette in CASES:
        result = assess(vignette.full_report())
        if result.triage_level in vignette.acceptable:
            counts["agreement"] += 1
        elif is_under_triaged(vignette, result):
            counts["under_triage"] += 1
        else:
            counts["over_triage"] += 1
        if problems(vignette, result) and result.triage_level in vignette.acceptable:
            counts["other_problems"] += 1
    return dict(counts)


def test_no_under_triage_over_the_whole_suite() -> None:
    counts = summary()
    print(f"vignettes: {counts}")  # shown with -s; the closing note quotes it
    assert counts.get("under_triage", 0) == 0, counts
    assert counts["agreement"] == counts["total"], counts


if __name__ == "__main__":
    for vignette in CASES:
        result = assess(vignette.full_report())
        wrong = problems(vignette, result)
        if wrong:
            mark = "UNDER" if is_under_triaged(vignette, result) else "wrong"
            print(f"{mark:5} {vignette.id:28} {'; '.join(wrong)}")
    print(summary())
