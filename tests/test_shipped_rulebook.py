"""The shipped rule book is well formed: defined codes, real sources, reachable rules, paraphrase.

Expectations come from the issue that defines the vocabulary and from the rule book itself, not
from copies of its numbers.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from psoas_triage import RuleBook, TriageLevel, assess
from psoas_triage.lint import lint_rulebook
from psoas_triage.schema import Category, SourceKind

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"

REQUIRED_CODES = {
    Category.red_flag: [
        "saddle_numbness",
        "bladder_or_bowel_change",
        "leg_weakness_progressive",
        "fever",
        "unexplained_weight_loss",
        "history_of_cancer",
        "major_trauma",
        "night_pain",
        "abdominal_pain",
    ],
    None: [
        "low_back_pain", "lumbosacral_pain", "paraspinal_band_pain", "sacroiliac_pain",
        "buttock_pain", "groin_pain", "hip_pain", "front_of_hip_pain", "pelvic_pain", "knee_pain",
        "pain_radiates_to_knee", "pain_below_knee", "leg_numbness_tingling", "low_back_stiffness",
        "pain_lifting_leg", "weak_hip_flexion", "limited_hip_motion", "hip_snapping",
        "groin_catching", "pain_sit_to_stand", "difficulty_standing_upright", "pain_when_sitting",
        "worse_with_activity", "better_with_rest", "limp", "prolonged_sitting", "runner", "dancer",
        "jumping_sports", "kicking_sports", "cycling", "long_driving", "kayaking",
        "repetitive_hip_flexion_training", "fetal_sleep_position", "high_heels", "high_stress",
        "hip_replacement", "hip_arthritis", "hip_bursitis", "recent_surgery",
    ],
}  # fmt: skip

REQUIRED_FAMILIES = {
    "low_back", "buttock_pelvic", "groin", "hip", "snapping_catching", "radiating", "movement",
    "exposures", "history", "differentials", "red_flags", "triage",
}  # fmt: skip


def test_every_required_code_is_defined_with_the_right_category(shipped_book: RuleBook) -> None:
    for category, codes in REQUIRED_CODES.items():
        for code in codes:
            assert code in shipped_book.terms, f"vocabulary lacks {code}"
            term = shipped_book.terms[code]
            if category is Category.red_flag:
                assert term.category is Category.red_flag, code
            else:
                assert term.category is not Category.red_flag, code
            assert term.question.endswith("?"), f"{code}: a question should end with '?'"


def test_lint_finds_nothing_every_rule_fires_on_its_examples(shipped_book: RuleBook) -> None:
    # Notes list the texts a locale leaves in English (the French example is partial on purpose).
    problems = [problem for problem in lint_rulebook(shipped_book) if problem.severity != "note"]
    assert [str(problem) for problem in problems] == []


def test_every_pattern_family_has_rules(shipped_book: RuleBook) -> None:
    families = {loaded.family for loaded in shipped_book.rules}
    assert families >= REQUIRED_FAMILIES


def test_the_five_documents_and_named_guidance_a_clinician_can_check_are_the_sources(
    shipped_book: RuleBook,
) -> None:
    sources = shipped_book.sources.values()
    documents = [s for s in sources if s.kind is SourceKind.document]
    assert len(documents) == 5
    if SEEDS.is_dir():
        assert sorted(s.file for s in documents) == sorted(p.name for p in SEEDS.glob("*.txt"))
    # No stand-in for "general clinical practice": every other source is named guidance (a
    # guideline, a consensus statement or a review) with the section the rules use.
    assert [s.id for s in sources if s.kind is SourceKind.clinical_practice] == []
    assert not [s.id for s in sources if "general clinical practice" in s.title.lower()]
    named = [s for s in sources if s.kind is not SourceKind.document]
    assert named
    assert [s.id for s in named if not s.section] == [], "named guidance needs its section"
    assert [s.id for s in named if not s.note] == [], "say what the rules take from it"
    guidelines = [s for s in named if s.kind is SourceKind.guideline]
    assert [s.id for s in guidelines if not s.publisher] == [], "a guideline needs its publisher"
    reviews = [s for s in named if s.kind in (SourceKind.consensus, SourceKind.review)]
    assert [s.id for s in reviews if not (s.author and s.publisher)] == [], (
        "a consensus statement or review needs its authors and journal"
    )


def test_red_flags_rest_on_clinical_guidance_not_only_the_seed_documents(
    shipped_book: RuleBook,
) -> None:
    guidance = {s.id for s in shipped_book.sources.values() if s.kind is not SourceKind.document}
    for loaded in shipped_book.rules:
        if loaded.rule.red_flag:
            assert guidance & set(loaded.rule.sources), loaded.rule.id


def test_every_source_is_cited_by_a_rule_or_an_advice_entry(shipped_book: RuleBook) -> None:
    cited = {source for loaded in shipped_book.rules for source in loaded.rule.sources}
    advice = shipped_book.advice
    for entry in [*advice.referrals, *advice.advice, *advice.holdbacks]:
        cited.update(entry.sources)
    assert cited >= set(shipped_book.sources)
    documents = {s.id for s in shipped_book.sources.values() if s.kind is SourceKind.document}
    ruled = {source for loaded in shipped_book.rules for source in loaded.rule.sources}
    assert documents <= ruled  # every seed document behind some rule


@pytest.mark.parametrize("code", REQUIRED_CODES[Category.red_flag])
def test_each_red_flag_alone_and_with_a_strong_psoas_picture_keeps_its_floor(
    code: str, shipped_book: RuleBook
) -> None:
    alone = assess({"present": [code]}, shipped_book)
    floors = [f.triage_floor for f in alone.findings if f.red_flag and f.triage_floor]
    assert floors, f"{code} alone fires no red-flag rule"
    assert alone.triage_level.rank >= max(level.rank for level in floors)
    assert alone.advice.self_care == ()
    strong = ["groin_pain", "hip_snapping", "front_of_hip_pain", "pain_sit_to_stand", "runner"]
    combined = assess({"present": [*strong, code]}, shipped_book)
    assert combined.triage_level.rank >= alone.triage_level.rank
    assert combined.advice.self_care == ()


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the source documents live beside the repository")
def test_rule_and_advice_texts_paraphrase_rather_than_copy(shipped_book: RuleBook) -> None:
    run = 9
    seed_runs: set[tuple[str, ...]] = set()
    for seed in SEEDS.glob("*.txt"):
        words = _words(seed.read_text(encoding="utf-8"))
        seed_runs.update(tuple(words[i : i + run]) for i in range(len(words) - run + 1))
    texts = [(loaded.rule.id, loaded.rule.description) for loaded in shipped_book.rules]
    texts += [(item.id, item.text) for item in shipped_book.advice.advice]
    texts += [(term.code, term.question) for term in shipped_book.terms.values()]
    copied = []
    for name, text in texts:
        words = _words(text)
        for i in range(len(words) - run + 1):
            if tuple(words[i : i + run]) in seed_runs:
                copied.append(f"{name}: {' '.join(words[i : i + run])}")
                break
    assert copied == []


def test_the_disclaimer_says_it_is_not_a_diagnosis(shipped_book: RuleBook) -> None:
    assert "not a diagnosis" in shipped_book.policy.disclaimer.lower()
    assert set(shipped_book.policy.triage_actions) == set(TriageLevel)
