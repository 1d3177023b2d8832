"""Simulated patients through the stateless interview (``benchmarks/interview_depth.py``).

A vignette of ``tests/vignettes/guideline_vignettes.yaml`` is a patient that starts from its
chief complaint with its age and sex and answers each question of ``next_question`` from its
full truth (variant ``knows``: a code its truth does not mention is a no). No interview ends
below the assessment of every answer the patient would give, none asks a question twice, none
runs past the harness's 200 questions, none asks a question that cannot apply to the person
(``applies_to``), at every depth; and the triage depth meets issue 24's targets.

"Every answer" (``harness.answers_report``), not ``assess()`` of the vignette's truth: a few
vignettes leave a key sign unsaid (the torsion cases that never asked about the testicles), the
truth then stays cautious, and a patient who denies the sign rightly ends lower. The table of
``python benchmarks/interview_depth.py`` lists those cases apart.

A deterministic sample: every second vignette in the suite's order, shared between two spawned
processes. ``PSOAS_SIMULATE_ALL=1`` runs every vignette; ``python benchmarks/interview_depth.py``
always does.
"""

from __future__ import annotations

import os
import statistics
import sys
from functools import cache
from pathlib import Path

import pytest

from psoas_triage import Question, TriageLevel, default_rulebook

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import interview_depth as harness  # benchmarks/, beside tests/

WORKERS = min(2, os.cpu_count() or 1)
EVERY = 1 if os.environ.get("PSOAS_SIMULATE_ALL") == "1" else 2
"""Every how many vignettes one is simulated (see the module's docstring)."""
DEPTHS = harness.depths()


@cache
def outcomes(depth: str | None) -> tuple[harness.Outcome, ...]:
    """The sampled patients' interviews at ``depth`` (variant knows, with sex), run once."""
    book = default_rulebook()
    patients = harness.load_patients(book, with_sex=True)[::EVERY]
    return tuple(harness.run_all(patients, book, variant="knows", depth=depth, workers=WORKERS))


def _ids(found: list[harness.Outcome]) -> list[str]:
    return [outcome.id for outcome in found]


def test_the_truth_is_the_vignette_suites() -> None:
    """The harness's truth is exactly what tests/test_vignettes.py assesses."""
    from test_vignettes import CASES

    book = default_rulebook()
    patients = harness.load_patients(book)
    assert [patient.id for patient in patients] == [case.id for case in CASES]
    for patient, case in zip(patients, CASES, strict=True):
        assert patient.truth == case.full_report(), case.id
        assert set(patient.start["present"]) <= set(patient.truth["present"]), case.id


def test_a_patient_answers_from_its_truth() -> None:
    book = default_rulebook()
    patient = next(p for p in harness.load_patients(book) if p.id == "aaa_man_70")
    # The chief complaint: its pain locations (abdominal_pain is a warning sign, asked later).
    assert patient.start == {"present": ["low_back_pain"], "age": 70, "sex": "male"}
    unsexed = next(p for p in harness.load_patients(book, with_sex=False) if p.id == "aaa_man_70")
    assert "sex" not in unsexed.start
    assert "vaginal_bleeding" in harness.inapplicable_codes(
        book,
        Question(kind="group", codes=("fever", "vaginal_bleeding"), text="?", why="?"),
        patient,
    )
    group = Question(kind="group", codes=("sudden_onset", "fever", "limp"), text="?", why="?")
    knows = harness.record_answers(patient.start, group, patient.truth, "knows")
    assert knows["present"][-1] == "sudden_onset"
    assert knows["absent"] == ["fever", "limp"]  # fever denied in the truth, limp unmentioned
    unsure = harness.record_answers(patient.start, group, patient.truth, "dont_know")
    assert unsure["absent"] == ["fever"] and unsure["unknown"] == ["limp"]
    number = Question(kind="number", field="duration_days", text="?", why="?")
    assert harness.record_answers(patient.start, number, patient.truth, "knows")["unknown"] == [
        "duration_days"
    ]


@pytest.mark.parametrize("depth", DEPTHS, ids=[str(depth) for depth in DEPTHS])
def test_no_interview_ends_below_the_assessment_of_its_full_answers(depth: str | None) -> None:
    below = [o for o in outcomes(depth) if o.final_level.rank < o.answers_level.rank]
    assert _ids(below) == [], [(o.id, o.final_level.value, o.answers_level.value) for o in below]


@pytest.mark.parametrize("depth", DEPTHS, ids=[str(depth) for depth in DEPTHS])
def test_no_question_is_asked_twice(depth: str | None) -> None:
    repeated = {o.id: o.repeated for o in outcomes(depth) if o.repeated}
    assert repeated == {}


@pytest.mark.parametrize("depth", DEPTHS, ids=[str(depth) for depth in DEPTHS])
def test_every_interview_stops_within_the_limit(depth: str | None) -> None:
    unfinished = [o for o in outcomes(depth) if not o.finished]
    assert _ids(unfinished) == []
    assert all(o.questions <= harness.MAX_QUESTIONS for o in outcomes(depth))
    # An emergency is not kept answering: once the level is one, at most the answers that could
    # settle it are asked (sudden groin pain is torsion until testicle pain is asked about).
    for outcome in outcomes(depth):
        if outcome.final_level is TriageLevel.emergency:
            assert outcome.questions - outcome.level_after <= 2, outcome.id


@pytest.mark.parametrize("depth", DEPTHS, ids=[str(depth) for depth in DEPTHS])
def test_no_inapplicable_question_is_asked(depth: str | None) -> None:
    asked = {o.id: o.inapplicable for o in outcomes(depth) if o.inapplicable}
    assert asked == {}


def _quantile(values: list[int], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def test_a_triage_interview_settles_the_level_in_about_ten_questions() -> None:
    """Issue 24's targets on the project's own vignettes (a group question counts as one): a
    median of at most 10, p90 at most 16, none over 25; self-care reached within 15."""
    counts = [o.questions for o in outcomes("triage")]
    assert statistics.median(counts) <= 10 and _quantile(counts, 0.9) <= 16, counts
    assert max(counts) <= 25
    to_self_care = [o.questions for o in outcomes("triage") if o.final_level.value == "self_care"]
    assert to_self_care and max(to_self_care) <= 15


def test_a_full_interview_settles_the_band_in_at_most_25_questions_on_median() -> None:
    assert statistics.median(o.questions for o in outcomes("full")) <= 25
