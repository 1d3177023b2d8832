"""The band's open questions: the fast ``band_openings`` against its plain reading.

``band_openings`` runs on every assessment, so it starts from openings ranked once per book
and rebuilds only the keys whose rules were fired or denied. The reference below is the plain
reading of the rule (every key not asked, every rule with points not fired and not denied);
both must give the same band and the same openings, in the same order, for any report.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from psoas_triage import RuleBook, SymptomReport, default_rulebook
from psoas_triage.engine import engine_for
from psoas_triage.models import NUMBER_FIELDS
from psoas_triage.open_questions import (
    BandRange,
    Opening,
    asked_keys,
    band_open_keys,
    band_openings,
    band_range,
)
from psoas_triage.status import without_experimental


def plain_band_openings(
    book: RuleBook, report: SymptomReport, fired: frozenset[str]
) -> tuple[BandRange, list[Opening]]:
    points = {loaded.rule.id: loaded.rule.points for loaded in book.rules}
    needs = {
        loaded.rule.id: (set(loaded.rule.when.all), set(loaded.rule.when.any))
        for loaded in book.rules
    }
    absent = set(report.absent)
    unasked = [key for key in (*book.terms, *NUMBER_FIELDS) if key not in asked_keys(report)]
    candidates = {
        rule_id
        for rule_id, value in points.items()
        if value
        and rule_id not in fired
        and not needs[rule_id][0] & absent
        and not (needs[rule_id][1] and needs[rule_id][1] <= absent)
    }
    if not unasked:
        return band_range(book, fired, ()), []
    band = band_range(book, fired, candidates)
    if band.closed:
        return band, []
    found = []
    for position, key in enumerate(unasked):
        rules = sorted(
            loaded.rule.id
            for loaded in book.rules
            if loaded.rule.id in candidates
            and key in {*loaded.rule.when.codes(), *loaded.rule.when.numbers()}
        )
        if rules:
            weight = sum(abs(points[rule_id]) for rule_id in rules)
            found.append((-weight, position, Opening(key, tuple(rules), weight=weight)))
    return band, [opening for *_, opening in sorted(found, key=lambda entry: entry[:2])]


BOOK = without_experimental(default_rulebook())
CODES = sorted(BOOK.terms)
RULE_CODES = sorted({code for loaded in BOOK.rules for code in loaded.rule.when.codes()})


@st.composite
def reports(draw: st.DrawFn) -> SymptomReport:
    """Reports leaning on the codes rules use, with denials, unknowns and numbers."""
    present = draw(st.lists(st.sampled_from(RULE_CODES), unique=True, max_size=6))
    rest = [code for code in CODES if code not in present]
    absent = draw(st.lists(st.sampled_from(rest), unique=True, max_size=8))
    others = [code for code in rest if code not in absent]
    unknown = draw(st.lists(st.sampled_from(others), unique=True, max_size=2))
    numbers = {
        name: draw(st.none() | st.integers(0, top))
        for name, top in (("age", 100), ("duration_days", 400), ("pain_intensity", 10))
    }
    return SymptomReport(present=present, absent=absent, unknown=unknown, **numbers)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reports())
def test_band_openings_match_the_plain_reading(report: SymptomReport) -> None:
    fired = frozenset(
        rule_id
        for rule_id in engine_for(BOOK).fired_rule_ids(report)
        if rule_id in {loaded.rule.id for loaded in BOOK.rules}
    )
    band, openings = band_openings(BOOK, report, fired)
    assert (band, openings) == plain_band_openings(BOOK, report, fired)
    assert band_open_keys(BOOK, report, fired) == tuple(opening.key for opening in openings)


def test_a_report_answering_every_key_has_no_open_question() -> None:
    """Everything asked: the band is whatever the fired rules give, and nothing is open."""
    report = SymptomReport(
        present=["groin_pain"],
        absent=[code for code in CODES if code != "groin_pain"],
        age=40,
        duration_days=10,
        pain_intensity=4,
    )
    band, openings = band_openings(BOOK, report, frozenset())
    assert openings == [] and band.closed
    assert band == plain_band_openings(BOOK, report, frozenset())[0]


def test_an_open_band_lists_keys_heaviest_first() -> None:
    """One finding leaves the band open: the openings come most points at stake first."""
    report = SymptomReport(present=["groin_pain"])
    fired = frozenset(engine_for(BOOK).fired_rule_ids(report))
    band, openings = band_openings(BOOK, report, fired)
    assert not band.closed and len(openings) > 3
    weights = [opening.weight for opening in openings]
    assert weights == sorted(weights, reverse=True) and weights[0] > weights[-1]
    assert "groin_pain" not in {opening.key for opening in openings}
