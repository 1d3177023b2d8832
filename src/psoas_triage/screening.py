"""The warning-sign screen: no self-care until the warning signs that matter have been denied.

A *warning sign* is a vocabulary code of category ``red_flag``. An app that sends only
``{"present": ["groin_pain"]}`` has never asked about fever or numbness between the legs, so
"self-care is fine" would be a guess. The rule:

- a warning sign is *open* for a report when it is not denied (not in ``absent``) and some rule
  that mentions it can still fire with an effect above the report's own level (its triage floor,
  or points while the likelihood table could still ask for more);
- an open warning sign the report does not mention is *unchecked*: the Assessment lists it, the
  reasons name it, and the level is at least ``consultation``;
- an open warning sign reported *present* (its rule still waits for another answer, such as
  where the pain is) keeps the level at ``consultation`` too: it was not denied, and adding a
  present finding must never lower the level.

Which rules "can still fire" is asked of the engine itself, on optimistic reports: every code
not answered is present, every number not given takes each value that could satisfy some bound.
The interview decides which questions to ask with the same ``reachable_rule_ids``: one logic,
not two.

Monotone: adding a present finding (or raising a number that has only lower bounds) only grows
the reachable rules and never shrinks the denied set, so the open set can only grow while the
report's own level stays, and when that level rises it is at least ``consultation`` anyway.
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
import weakref
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from annotated_types import Ge, Le

from psoas_triage.engine import RuleEngine, engine_for
from psoas_triage.memo import remember
from psoas_triage.models import SymptomReport, TriageLevel, UncheckedRedFlag, WarningSign
from psoas_triage.rulebook import RuleBook, per_book
from psoas_triage.schema import Category, ruled_out

LOWER_BOUND_KEYS = frozenset({"gt", "gte"})
"""Bound keys that only ask for a number to be large enough (its maximum satisfies them all)."""


@dataclass(frozen=True)
class Screen:
    """Open warning signs of one report, in checklist order."""

    unchecked: tuple[UncheckedRedFlag, ...] = ()
    reported: tuple[WarningSign, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.unchecked or self.reported)


NO_SCREEN = Screen()


class _BookScreen:
    """What the screen needs from one rule book, derived once."""

    def __init__(self, book: RuleBook) -> None:
        self.items = tuple(
            UncheckedRedFlag(code=term.code, label=term.label, question=term.question)
            for term in book.terms.values()
            if term.category is Category.red_flag
        )
        self.by_code = {item.code: item for item in self.items}
        rules = [loaded.rule for loaded in book.rules]
        likelihood_floor = TriageLevel.most_urgent(*book.policy.likelihood_triage.values())
        self.mentions = {
            rule.id: frozenset([*rule.when.codes(), *rule.when.numbers()]) for rule in rules
        }
        self.raise_to = {
            rule.id: TriageLevel.most_urgent(
                *([rule.triage_floor] if rule.triage_floor is not None else []),
                *([likelihood_floor] if rule.points > 0 else []),
            )
            for rule in rules
        }
        self.rule_codes = frozenset(code for rule in rules for code in rule.when.codes())
        self.number_values = _number_values(book)
        # Most any rule mentioning the sign could give: at or below a report's level, never open.
        ceiling = {
            code: TriageLevel.most_urgent(
                *(self.raise_to[rule_id] for rule_id, keys in self.mentions.items() if code in keys)
            )
            for code in self.by_code
        }
        rules_of = {
            code: frozenset(rule_id for rule_id, keys in self.mentions.items() if code in keys)
            for code in self.by_code
        }
        self.screen_rules = frozenset().union(*rules_of.values())
        self.all_rules = frozenset(rule.id for rule in rules)
        self.condition_codes = {rule.id: rule.when.needed_codes() for rule in rules}
        self.cautious_codes = frozenset(code for rule in rules for code in rule.when.unless_denied)
        shared = Counter(code for rule in rules for code in rule.when.any)
        self.any_preference = lambda code: (-shared[code], code)
        self.rules_on_number = {
            name: frozenset(rule.id for rule in rules if name in rule.when.numbers())
            for name in self.number_values
        }
        self.rules_on_sex = frozenset(rule.id for rule in rules if rule.when.has_context())
        screen_rules = [rule for rule in rules if rule.id in self.screen_rules]
        self.screen_codes = frozenset(code for rule in screen_rules for code in rule.when.codes())
        screen_numbers = sorted({name for rule in screen_rules for name in rule.when.numbers()})
        number_cuts = _number_cuts(book)
        self.screen_cuts = tuple((name, number_cuts[name]) for name in screen_numbers)
        self.reachable_memo: dict[tuple[object, ...], frozenset[str]] = {}
        self.screen_rules_with = {
            code: [
                rule_id for rule_id in sorted(self.screen_rules) if code in self.mentions[rule_id]
            ]
            for code in self.screen_codes
        }
        self.screen_engine = _screen_engine(book, self.screen_rules)
        # What the sign alone fires (asked of the engine): since adding codes never un-fires a
        # rule, a sign not denied whose solo level is above the report's level is open, no
        # further engine call needed. Reported alone, it also sets that level, so only signs
        # not reported can be decided this way.
        solo = {
            code: self._raise(
                self.screen_engine.fired_rule_ids(SymptomReport(present=(code,))), code
            )
            for code in self.by_code
        }
        # Shared models: the screen runs on every assessment.
        self.reported = {item.code: WarningSign(**item.model_dump()) for item in self.items}
        # For each level: the signs some rule could raise above it (checklist order), whether
        # the sign alone does, and the rules that could.
        self.signs_above = {
            level: tuple(
                (
                    item,
                    solo[item.code].rank > level.rank,
                    frozenset(
                        rule_id
                        for rule_id in rules_of[item.code]
                        if self.raise_to[rule_id].rank > level.rank
                    ),
                )
                for item in self.items
                if ceiling[item.code].rank > level.rank
            )
            for level in TriageLevel
        }

    def _raise(self, rule_ids: Iterable[str], key: str) -> TriageLevel:
        return TriageLevel.most_urgent(
            *(self.raise_to[rule_id] for rule_id in rule_ids if key in self.mentions[rule_id])
        )


_book_screen = per_book(_BookScreen)


def warning_sign_items(book: RuleBook) -> tuple[UncheckedRedFlag, ...]:
    """Every warning sign of ``book`` (category ``red_flag``), in vocabulary (display) order."""
    return _book_screen(book).items


def warning_sign_codes(book: RuleBook) -> tuple[str, ...]:
    """Codes of category ``red_flag``, in vocabulary (display) order."""
    return tuple(item.code for item in _book_screen(book).items)


def screen(book: RuleBook, report: SymptomReport, level: TriageLevel) -> Screen:
    """The open warning signs of ``report``, whose own triage level (before the screen) is
    ``level``.

    Cheap on every assessment: signs whose solo level decides them need no engine call; for
    the others, what can still fire is asked of the screen's small engine and remembered under
    the little it depends on (``_reachable_screen_rules``), so even a stream of distinct
    reports rarely asks the engine twice.
    """
    if level is TriageLevel.emergency:
        return NO_SCREEN
    return _screen(book, _book_screen(book), report, level)


def _screen(
    book: RuleBook, prepared: _BookScreen, report: SymptomReport, level: TriageLevel
) -> Screen:
    absent, present = report.absent, report.present
    # A sign that cannot apply to this person (a man and vaginal bleeding) is never asked:
    # as good as denied, here and in what can still fire.
    never = book.never_applies(report)
    unchecked: list[UncheckedRedFlag] = []
    reported: list[WarningSign] = []
    reachable: frozenset[str] | None = None
    for item, opens_alone, raising in prepared.signs_above[level]:
        code = item.code
        if code in absent or code in never:
            continue
        if code in present or not opens_alone:
            # Open only if a rule mentioning it that could raise the level can still fire.
            if reachable is None:
                reachable = _reachable_screen_rules(book, prepared, report, never)
            if reachable.isdisjoint(raising):
                continue
        if code in present:
            reported.append(prepared.reported[code])
        else:
            unchecked.append(item)
    if not unchecked and not reported:
        return NO_SCREEN
    return Screen(unchecked=tuple(unchecked), reported=tuple(reported))


def _reachable_screen_rules(
    book: RuleBook,
    prepared: _BookScreen,
    report: SymptomReport,
    never: frozenset[str] | None = None,
) -> frozenset[str]:
    """``reachable_rule_ids(book, report, prepared.screen_rules)``, asking the engine rarely.

    Under the optimistic reading a rule can still fire exactly when no code it needs was denied
    (``reachable_rule_ids`` checks that before it asks) and the engine fires it on the codes it
    needs with the report's numbers and sex. The screen's rules only ask for codes to be present
    (denial rules, the one kind with ``absent``, never raise the level, so none is a screen
    rule), so the engine's part depends on neither the codes reported nor denied: only on which
    side of every bound each known number falls (``_number_cuts``) and on the sex. That answer
    is remembered under that small key, for a report with nothing reported or denied; the
    rules the report's own denials (and ``never``, the codes that cannot apply to the person,
    ``RuleBook.never_applies``) rule out are then taken away.
    """
    sides: list[object] = [report.sex]
    for name, cuts in prepared.screen_cuts:
        value = getattr(report, name)
        sides.append(None if value is None else bisect.bisect_right(cuts, value))
    key = tuple(sides)
    possible = prepared.reachable_memo.get(key)
    if possible is None:
        bare = report.model_copy(update={"present": (), "absent": (), "unknown": ()})
        # Who a code applies to is taken as a denial below, like the report's own denials.
        possible = reachable_rule_ids(book, bare, prepared.screen_rules, applicability=False)
        remember(prepared.reachable_memo, key, possible)
    if never is None:
        never = book.never_applies(report)
    denied = prepared.screen_codes.intersection((*report.absent, *never))
    if not denied:
        return possible
    return possible - ruled_out(denied, prepared.screen_rules_with, prepared.condition_codes)


def reachable_rule_ids(
    book: RuleBook,
    report: SymptomReport,
    among: Collection[str] | None = None,
    engine: RuleEngine | None = None,
    *,
    applicability: bool = True,
) -> frozenset[str]:
    """Ids of the rules (of ``among``, default all) that can still fire when every code the
    report neither reports nor denies may yet be present and every number it leaves out may yet
    take any value.

    Decided by the engine on optimistic reports. Each carries, for every rule asked about, the
    codes it needs that are not denied: all of its ``all`` codes and one ``any`` code (a present
    one, else the one most rules share), which fires the rule exactly when some answers could;
    listing every ``any`` code would fire the same rules, but once per code, many times the
    cost. Each missing number is tried at each value that could matter: only its maximum when
    every bound on it is a lower bound, as today; each side of every bound otherwise (an age
    range for children, say). A rule that fires until its codes are denied (``unless_denied``)
    fires on an unanswered code, so the report's denials of such codes go along. A code that
    cannot apply to the person counts as denied (``applicability=False`` leaves that to the
    caller, as the screen's memo does: it is a denial a present finding overrides). The screen
    asks it of its small engine, through a memo (``_reachable_screen_rules``); the interview
    asks it directly.
    """
    prepared = _book_screen(book)
    wanted = prepared.all_rules if among is None else frozenset(among)
    if engine is None:  # ``engine``: one holding at least ``among`` (fewer rules fire: faster)
        engine = prepared.screen_engine if wanted <= prepared.screen_rules else engine_for(book)
    absent = set(report.absent)
    if applicability:  # a code that cannot apply to this person is never asked: as good as no
        absent |= book.never_applies(report)
    chosen = set(report.present)
    for rule_id in sorted(wanted):
        needs = prepared.condition_codes[rule_id]
        if needs.ruled_out_by(absent):
            continue  # can never fire: a code it needs was denied
        chosen |= needs.all
        if needs.any and not needs.any & chosen:
            chosen.add(min(needs.any - absent, key=prepared.any_preference))
    names = [name for name in prepared.number_values if wanted & prepared.rules_on_number[name]]
    known = {name: getattr(report, name) for name in names if getattr(report, name) is not None}
    missing = [name for name in names if name not in known]
    # Age and sex are context: while one is unknown, any rule's bound on it can still be met
    # (the schema refuses an age bound no age meets), so the engine is asked once, of the same
    # rules with that part of their condition left out, instead of once per age and sex.
    no_age = "age" in missing
    no_sex = report.sex is None and bool(wanted & prepared.rules_on_sex)
    if no_age or no_sex:
        engine = _without_context(book, engine, no_age, no_sex)
        missing = [name for name in missing if name != "age"]
    optimistic = tuple(sorted(chosen))
    # A rule that fires until its codes are denied (``unless_denied``) reads the denials too.
    denials = tuple(sorted(prepared.cautious_codes.intersection(absent)))
    fired: set[str] = set()
    for values in itertools.product(*(prepared.number_values[name] for name in missing)):
        numbers = {**known, **dict(zip(missing, values, strict=True))}
        candidate = SymptomReport.model_construct(
            present=optimistic, absent=denials, sex=report.sex, **numbers
        )
        fired.update(engine.fired_rule_ids(candidate))
    return frozenset(fired & wanted)


_CONTEXT_FREE: weakref.WeakKeyDictionary[RuleEngine, dict[tuple[bool, bool], RuleEngine]] = (
    weakref.WeakKeyDictionary()
)


def _without_context(book: RuleBook, engine: RuleEngine, no_age: bool, no_sex: bool) -> RuleEngine:
    """``engine``'s rules with their age (``no_age``) and sex (``no_sex``) conditions removed,
    built once per engine and kind (and cached and bounded like every engine)."""
    known = _CONTEXT_FREE.setdefault(engine, {})
    found = known.get((no_age, no_sex))
    if found is None:
        found = known[(no_age, no_sex)] = _strip_context(book, engine, no_age, no_sex)
    return found


def _strip_context(book: RuleBook, engine: RuleEngine, no_age: bool, no_sex: bool) -> RuleEngine:
    drop = {
        **({"age": None} if no_age else {}),
        **({"sex": None, "unless_sex": None} if no_sex else {}),
    }
    rules = tuple(
        dataclasses.replace(
            loaded,
            rule=loaded.rule.model_copy(update={"when": loaded.rule.when.model_copy(update=drop)}),
        )
        for loaded in engine.book.rules
    )
    ids = frozenset(loaded.rule.id for loaded in rules)
    variant = f"context-free:{'age' if no_age else ''}{'+sex' if no_sex else ''}"
    return engine_for(dataclasses.replace(book, rules=rules), only=ids, variant=variant)


def _screen_engine(book: RuleBook, rule_ids: frozenset[str]) -> RuleEngine:
    """An engine holding only the rules that mention a warning sign, so an optimistic report
    fires a handful of rules instead of most of the book. Cached and bounded with the book's
    own engines (``engine_for``): durable_rules frees a ruleset only once nothing refers to it."""
    return engine_for(book, only=rule_ids)


def screen_engine(book: RuleBook) -> RuleEngine:
    """The screen's own engine for ``book`` (for tests that check it leaves no session)."""
    return _book_screen(book).screen_engine


def _number_values(book: RuleBook) -> dict[str, tuple[int, ...]]:
    """For each number some rule bounds: the values an optimistic report tries when it is
    missing."""
    bounds: dict[str, list[dict[str, int | None]]] = {}
    for loaded in book.rules:
        for name, bound in loaded.rule.when.numbers().items():
            bounds.setdefault(name, []).append(bound.model_dump())
    values: dict[str, tuple[int, ...]] = {}
    for name, dumps in sorted(bounds.items()):
        low, high = _limits(name)
        if all(
            {key for key, value in dump.items() if value is not None} <= LOWER_BOUND_KEYS
            for dump in dumps
        ):
            values[name] = (high,)
            continue
        points = {low, high}
        for dump in dumps:
            for value in dump.values():
                if isinstance(value, int):
                    points.update((value - 1, value, value + 1))
        values[name] = tuple(sorted(value for value in points if low <= value <= high))
    return values


def _number_cuts(book: RuleBook) -> dict[str, tuple[int, ...]]:
    """For each number some rule bounds: the values at which one of its bounds changes answer.

    Two values with the same ``bisect_right`` position among them meet exactly the same
    bounds (``gt v`` and ``lte v`` turn at v + 1, ``gte v`` and ``lt v`` at v), so every rule
    treats them alike."""
    turns = {"gt": 1, "gte": 0, "lt": 0, "lte": 1}
    cuts: dict[str, set[int]] = {}
    for loaded in book.rules:
        for name, bound in loaded.rule.when.numbers().items():
            points = cuts.setdefault(name, set())
            points.update(value + turns[operator] for operator, value in bound.comparisons())
    return {name: tuple(sorted(points)) for name, points in cuts.items()}


def _limits(name: str) -> tuple[int, int]:
    """The smallest and largest value the report model accepts for a number field."""
    low, high = 0, 0
    for constraint in SymptomReport.model_fields[name].metadata:
        if isinstance(constraint, Ge):
            low = int(constraint.ge)  # type: ignore[call-overload]
        elif isinstance(constraint, Le):
            high = int(constraint.le)  # type: ignore[call-overload]
    return low, high


def rule_raises_to(book: RuleBook) -> dict[str, TriageLevel]:
    """For each rule id: the most urgent level its firing could lead to (its floor, or the
    likelihood table's most urgent level when it has points). Shared with the interview."""
    return _book_screen(book).raise_to


def rule_mentions(book: RuleBook) -> dict[str, frozenset[str]]:
    """For each rule id: the codes and number fields its condition mentions."""
    return _book_screen(book).mentions
