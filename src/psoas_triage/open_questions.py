"""Which questions not asked yet could still change the triage level or the psoas band.

A *key* is a vocabulary code or a number field (``age``, ``duration_days``, ``pain_intensity``).
It is *asked* once the report has it in ``present``, ``absent`` or ``unknown``, or gives the
number. An unknown stays "not denied": the rules it could fire still count as reachable, so the
warning-sign screen keeps its floor and nothing is ever treated as a no.

For the triage level, which rules can still fire is the screen's own question
(``screening.reachable_rule_ids``, asked of the engine), so this module, the screen and the
interview cannot disagree. For the band, which every assessment reports on, an engine call per
assessment would cost more than the assessment itself: a rule with points counts as still
possible unless a code it needs was denied (the same test ``reachable_rule_ids`` makes before it
asks the engine). That can only over-count (a number bound is not checked), so the band is
called open too often, never too rarely. Conditions have no "not" clause, so a fired rule stays
fired whatever else is answered; only rules not fired yet can change anything, and each of them
mentions some key not asked yet.
"""

from __future__ import annotations

import bisect
import operator
from collections.abc import Iterable
from dataclasses import dataclass

from psoas_triage.models import NUMBER_FIELDS, Likelihood, SymptomReport, TriageLevel
from psoas_triage.rulebook import RuleBook, per_book
from psoas_triage.schema import NeededCodes, ruled_out
from psoas_triage.scoring import likelihood_band, psoas_score
from psoas_triage.screening import rule_mentions, rule_raises_to


@dataclass(frozen=True)
class Opening:
    """One key not asked yet, and what an answer to it could still change."""

    key: str
    rule_ids: tuple[str, ...]
    """The rules, able to fire, that mention the key and could make the change."""
    level: TriageLevel | None = None
    """For the triage level: the most urgent level an answer could lead to."""
    weight: int = 0
    """For the band: the points at stake (sum of absolute points of those rules)."""


@dataclass(frozen=True)
class BandRange:
    """The lowest and highest band any answers to the keys not asked could give."""

    low: Likelihood
    high: Likelihood

    @property
    def closed(self) -> bool:
        return self.low is self.high


class _BookKeys:
    """What this module needs from one rule book, derived once."""

    def __init__(self, book: RuleBook) -> None:
        self.codes = tuple(book.terms)
        self.point_rules = frozenset(loaded.rule.id for loaded in book.rules if loaded.rule.points)
        self.points = {loaded.rule.id: loaded.rule.points for loaded in book.rules}
        self.point_rules_of: dict[str, frozenset[str]] = {}
        for loaded in book.rules:
            if loaded.rule.points:
                for key in {*loaded.rule.when.codes(), *loaded.rule.when.numbers()}:
                    self.point_rules_of[key] = self.point_rules_of.get(key, frozenset()) | {
                        loaded.rule.id
                    }
        self.needs = {loaded.rule.id: loaded.rule.when.needed_codes() for loaded in book.rules}
        # Indexes so a denial only visits the rules it can rule out, and so a key whose every
        # point rule is still possible gets its opening without being rebuilt per assessment.
        self.rules_with: dict[str, list[str]] = {}
        for rule_id, needs in self.needs.items():
            for code in needs.all | needs.any | needs.cautious:
                self.rules_with.setdefault(code, []).append(rule_id)
        self.key_openings = {
            key: Opening(key, tuple(sorted(rules)), weight=sum(abs(self.points[r]) for r in rules))
            for key, rules in self.point_rules_of.items()
        }
        # Every key's band opening in the order band_openings gives them, and what reorders it.
        self.all_keys = frozenset((*self.codes, *NUMBER_FIELDS))
        self.position = {key: index for index, key in enumerate((*self.codes, *NUMBER_FIELDS))}
        self.ranked = sorted(
            (-opening.weight, self.position[key], key, opening)
            for key, opening in self.key_openings.items()
            if key in self.position
        )
        self.stakes = {
            key: tuple((rule_id, abs(self.points[rule_id])) for rule_id in opening.rule_ids)
            for key, opening in self.key_openings.items()
        }
        self.keys_of: dict[str, frozenset[str]] = {}
        for key, rules in self.point_rules_of.items():
            for rule_id in rules:
                self.keys_of[rule_id] = self.keys_of.get(rule_id, frozenset()) | {key}
        self.positive_points = {rule: max(self.points[rule], 0) for rule in self.point_rules}
        self.negative_points = {rule: min(self.points[rule], 0) for rule in self.point_rules}
        self.positive = sum(self.positive_points.values())
        self.negative = sum(self.negative_points.values())


_book_keys = per_book(_BookKeys)


def asked_keys(report: SymptomReport) -> frozenset[str]:
    """Every code and number field the report answers, including "don't know"."""
    numbers = {name for name in NUMBER_FIELDS if getattr(report, name) is not None}
    return frozenset({*report.present, *report.absent, *report.unknown, *numbers})


def unasked_keys(book: RuleBook, report: SymptomReport) -> list[str]:
    """Codes (vocabulary order) and number fields the report has not answered yet."""
    asked = asked_keys(report)
    return [key for key in (*_book_keys(book).codes, *NUMBER_FIELDS) if key not in asked]


def level_openings(
    book: RuleBook,
    report: SymptomReport,
    level: TriageLevel,
    reachable: frozenset[str],
    keys: Iterable[str],
) -> list[Opening]:
    """The keys among ``keys`` whose answer could raise the level above ``level`` (the level
    before the screen), most urgent first; then a key that would fire a rule on its own (every
    other code that rule needs is already reported); then codes before numbers; then by how
    many rules could do it.

    A key counts for a rule only if its answer could still matter there: a code of the rule's
    ``any`` list does not, once another code of that list is reported (hip pain is reported, so
    groin pain adds nothing to the hip-fracture rule; the fall does)."""
    raises, mentions = rule_raises_to(book), rule_mentions(book)
    needs = _book_keys(book).needs
    present = frozenset(report.present)
    found = []
    for position, key in enumerate(keys):
        rules = sorted(
            rule_id
            for rule_id in reachable
            if key in mentions[rule_id]
            and raises[rule_id].rank > level.rank
            and not _already_met(needs[rule_id], key, present)
        )
        if rules:
            top = TriageLevel.most_urgent(*(raises[rule_id] for rule_id in rules))
            decisive = any(
                raises[rule_id] is top and _one_answer_away(needs[rule_id], key, present)
                for rule_id in rules
            )
            order = (-top.rank, not decisive, key in NUMBER_FIELDS, -len(rules), position)
            found.append((order, Opening(key, tuple(rules), top)))
    return [opening for _, opening in sorted(found, key=lambda entry: entry[0])]


def _already_met(needs: NeededCodes, key: str, present: frozenset[str]) -> bool:
    """``key`` is only one of the rule's ``any`` codes, and another one is already reported."""
    return key in needs.any and key not in needs.all and not needs.any.isdisjoint(present)


def _one_answer_away(needs: NeededCodes, key: str, present: frozenset[str]) -> bool:
    """A yes to ``key`` gives the rule every code it needs (numbers and sex aside)."""
    if not (needs.all - {key}) <= present:
        return False
    return not needs.any or key in needs.any or not needs.any.isdisjoint(present)


def band_range(book: RuleBook, fired: Iterable[str], candidates: Iterable[str]) -> BandRange:
    """The bands reachable when any of ``candidates`` (rules not fired yet) may still fire."""
    points = _book_keys(book).points
    total = sum(points[rule_id] for rule_id in fired)
    extra = [points[rule_id] for rule_id in candidates]
    low = psoas_score([total, *(value for value in extra if value < 0)])
    high = psoas_score([total, *(value for value in extra if value > 0)])
    bands = book.policy.bands
    return BandRange(likelihood_band(low, bands), likelihood_band(high, bands))


_KEY = operator.itemgetter(2)
Entry = tuple[int, int, str, Opening]
"""An opening with its place: (minus the points at stake, the key's place in the book, key)."""


def band_openings(
    book: RuleBook, report: SymptomReport, fired: Iterable[str]
) -> tuple[BandRange, list[Opening]]:
    """The keys not asked yet whose answer could change the psoas band, most points at stake
    first (then in the book's key order, as ``unasked_keys``); empty once the band is settled
    whatever the remaining answers."""
    band, entries = _band_entries(book, report, fired)
    return band, [entry[3] for entry in entries]


def band_open_keys(book: RuleBook, report: SymptomReport, fired: Iterable[str]) -> tuple[str, ...]:
    """Only the keys of ``band_openings``, in its order (what every Assessment lists)."""
    return tuple(map(_KEY, _band_entries(book, report, fired)[1]))


def _band_entries(
    book: RuleBook, report: SymptomReport, fired: Iterable[str]
) -> tuple[BandRange, list[Entry]]:
    """``band_openings``, as sorted entries. Runs on every assessment, so it starts from the
    whole book's openings, ranked once, and only rebuilds those of keys whose rules were fired
    or ruled out by a denial (a few)."""
    prepared = _book_keys(book)
    fired_ids = frozenset(fired)
    total = sum(prepared.points[rule_id] for rule_id in fired_ids)
    # Rules with points that can no longer change anything: fired, or needing a denied code.
    denied = ruled_out(frozenset(report.absent), prepared.rules_with, prepared.needs)
    settled = prepared.point_rules & (fired_ids | denied)
    asked = asked_keys(report)
    if len(settled) == len(prepared.point_rules) or prepared.all_keys <= asked:
        return _band(book, total, total), []
    low = total + prepared.negative - sum(prepared.negative_points[rule] for rule in settled)
    high = total + prepared.positive - sum(prepared.positive_points[rule] for rule in settled)
    band = _band(book, low, high)
    if band.closed:
        return band, []
    changed = {key for rule_id in settled for key in prepared.keys_of[rule_id]}
    left_out = asked | changed
    found = [entry for entry in prepared.ranked if entry[2] not in left_out]
    for key in changed - asked:
        rules, weight = [], 0
        for rule_id, at_stake in prepared.stakes[key]:
            if rule_id not in settled:
                rules.append(rule_id)
                weight += at_stake
        if rules:
            opening = Opening(key, tuple(rules), weight=weight)
            bisect.insort(found, (-weight, prepared.position[key], key, opening))
    return band, found


def _band(book: RuleBook, low: int, high: int) -> BandRange:
    bands = book.policy.bands
    return BandRange(
        likelihood_band(psoas_score([low]), bands), likelihood_band(psoas_score([high]), bands)
    )
