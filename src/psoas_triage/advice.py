"""Pick referrals and advice for an assessment from the rule book's advice file.

Selection is set membership over what the assessment already decided (triage level, likelihood,
fired rules, present codes), not symptom matching: the symptom rules are durable_rules' job.
Safety rule in code, whatever the advice file says: with a red flag, no self-care is offered.
Holdbacks (``holdbacks:`` in the advice file) leave out exercises that do not fit the person
(after a fall, in pregnancy, with severe pain...) and say why in ``Advice.held_back``.
An item's ``conflicts_with`` leaves out the items it contradicts, so no result says both.
Each kind is ranked (``AdviceItem.rank``, 1 = most relevant; see ``_ranked``) and cut to a
short list (``short_lists``): the rest goes to ``Assessment.more``.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from psoas_triage.memo import remember
from psoas_triage.models import (
    SHORT_LISTS,
    Advice,
    AdviceItem,
    HeldBack,
    Likelihood,
    MoreAdvice,
    Professional,
    Referral,
    TriageLevel,
)
from psoas_triage.rulebook import RuleBook, per_book
from psoas_triage.schema import Holdback, Selector, within_days


@dataclass(frozen=True)
class Situation:
    """What advice selection looks at."""

    triage_level: TriageLevel
    likelihood: Likelihood
    fired_rule_ids: AbstractSet[str]
    present: AbstractSet[str]
    red_flag: bool
    duration_days: int | None = None

    def matches(self, selector: Selector) -> bool:
        """True when every key set in ``selector`` holds for this situation."""
        return (
            (selector.triage_in is None or self.triage_level in selector.triage_in)
            and (selector.likelihood_in is None or self.likelihood in selector.likelihood_in)
            and (selector.present_any is None or not selector.present_any.isdisjoint(self.present))
            and (selector.present_none is None or selector.present_none.isdisjoint(self.present))
            and (
                selector.rules_any is None or not selector.rules_any.isdisjoint(self.fired_rule_ids)
            )
            and (selector.rules_none is None or selector.rules_none.isdisjoint(self.fired_rule_ids))
            and (selector.red_flag is None or self.red_flag == selector.red_flag)
            and within_days(self.duration_days, selector.started_within_days)
        )


class _Prepared:
    """Each advice-file entry with its selector and the frozen model it yields, once per book."""

    def __init__(self, book: RuleBook) -> None:
        self.referrals = [
            (
                entry.professional,
                entry.when,
                Referral(
                    professional=entry.professional,
                    reason=entry.reason,
                    sources=tuple(entry.sources),
                    evidence_grade=book.grade(entry.sources, entry.evidence),
                ),
            )
            for entry in book.advice.referrals
        ]
        self.advice = [
            (
                entry.kind,
                entry.when,
                AdviceItem(
                    id=entry.id,
                    title=entry.title,
                    text=entry.text,
                    category=entry.category,
                    sources=tuple(entry.sources),
                    evidence_grade=book.grade(entry.sources, entry.evidence),
                ),
                entry.conflicts_with,
                bool(entry.when.present_any or entry.when.rules_any),
            )
            for entry in book.advice.advice
        ]
        self.held_back = {
            entry.id: HeldBack(
                id=entry.id,
                reason=entry.reason,
                sources=tuple(entry.sources),
                evidence_grade=book.grade(entry.sources),
            )
            for entry in book.advice.holdbacks
        }
        self.ranked_items: dict[tuple[str, int], AdviceItem] = {}
        """Each advice item at each rank it was given, built once (at most items x items)."""
        self.shared_advice: dict[tuple[tuple[str, ...], ...], Advice] = {}


_prepared = per_book(_Prepared)


def holdbacks_for(book: RuleBook, situation: Situation) -> list[Holdback]:
    """The advice file's holdbacks that apply to this situation, in file order."""
    return [entry for entry in book.advice.holdbacks if situation.matches(entry.when)]


def select_referrals(
    book: RuleBook, situation: Situation, holdbacks: list[Holdback] | None = None
) -> tuple[Referral, ...]:
    """One referral per professional: the first matching entry in the advice file wins; a
    professional a holdback holds back for this person (massage on a blood thinner...) is
    left out, and ``select_advice`` says why. ``holdbacks``: ``holdbacks_for`` the situation,
    when the caller has them already."""
    if holdbacks is None:
        holdbacks = holdbacks_for(book, situation)
    held = frozenset().union(*(entry.professionals for entry in holdbacks))
    chosen: dict[Professional, Referral] = {}
    for professional, selector, referral in _prepared(book).referrals:
        if professional not in chosen and professional not in held and situation.matches(selector):
            chosen[professional] = referral
    return tuple(chosen.values())


def short_lists(
    referrals: tuple[Referral, ...], advice: Advice
) -> tuple[tuple[Referral, ...], Advice, MoreAdvice]:
    """Cut each list to its ``SHORT_LISTS`` length (they are already in rank order); what is
    cut goes to ``MoreAdvice``. When to seek help is never cut."""
    cut_self_care, cut_avoid = SHORT_LISTS["self_care"], SHORT_LISTS["avoid"]
    cut_referrals = SHORT_LISTS["referrals"]
    more = MoreAdvice(
        self_care=advice.self_care[cut_self_care:],
        avoid=advice.avoid[cut_avoid:],
        referrals=referrals[cut_referrals:],
    )
    if not (more.self_care or more.avoid or more.referrals):
        return referrals, advice, more
    short = advice.model_copy(
        update={"self_care": advice.self_care[:cut_self_care], "avoid": advice.avoid[:cut_avoid]}
    )
    return referrals[:cut_referrals], short, more


def select_advice(
    book: RuleBook, situation: Situation, holdbacks: list[Holdback] | None = None
) -> Advice:
    """Self-care (never with a red flag, never what a holdback holds back), what to avoid, when
    to seek help, and the reasons for anything held back (``holdbacks`` as for referrals)."""
    if holdbacks is None:
        holdbacks = holdbacks_for(book, situation)
    held_categories = frozenset().union(*(entry.categories for entry in holdbacks))
    held_items = frozenset().union(*(entry.items for entry in holdbacks))
    picked: dict[str, list[tuple[bool, AdviceItem]]] = {
        "self_care": [],
        "avoid": [],
        "seek_help": [],
    }
    excluded: set[str] = set()
    for kind, selector, item, conflicts, specific in _prepared(book).advice:
        if kind == "self_care" and (
            situation.red_flag or item.category in held_categories or item.id in held_items
        ):
            continue
        if situation.matches(selector):
            picked[kind].append((specific, item))
            excluded |= conflicts
    prepared = _prepared(book)
    ranked = {
        kind: _ranked(prepared, items, excluded, by_relevance=kind != "seek_help")
        for kind, items in picked.items()
    }
    held_back = tuple(prepared.held_back[entry.id] for entry in holdbacks)
    key = (
        *(tuple(item.id for item in ranked[kind]) for kind in KINDS),
        tuple(entry.id for entry in holdbacks),
    )
    advice = prepared.shared_advice.get(key)
    if advice is None:
        advice = remember(prepared.shared_advice, key, Advice(**ranked, held_back=held_back))
    return advice


KINDS = ("self_care", "avoid", "seek_help")


def _ranked(
    prepared: _Prepared,
    items: list[tuple[bool, AdviceItem]],
    excluded: set[str],
    by_relevance: bool = True,
) -> tuple[AdviceItem, ...]:
    """``items`` without the excluded ones, most relevant first, numbered from 1.

    Relevance: items chosen for something in this report (a present code or a fired rule)
    before general ones; then the firmer evidence grade; then one item of each category before
    a second of any (a short list of five should not be five strengthening exercises); then the
    advice file's order. When to seek help keeps the file's order (``by_relevance`` False):
    the file puts the emergency signs first, and that safety net leads every list.

    A ranked item is frozen and depends only on its id and rank, so each (id, rank) is built
    once per book and shared: a memo of advice holds no model of its own (flat memory).
    """
    kept = [entry for entry in items if entry[1].id not in excluded]
    seen: dict[str, int] = {}
    keys = []
    for position, (specific, item) in enumerate(kept):
        repeat = seen.get(item.category, 0)
        seen[item.category] = repeat + 1
        keys.append(
            (not specific, -item.evidence_grade.rank, repeat, position)
            if by_relevance
            else (False, 0, 0, position)
        )
    order = sorted(range(len(kept)), key=keys.__getitem__)
    shared = prepared.ranked_items
    ranked = []
    for rank, index in enumerate(order, start=1):
        item = kept[index][1]
        found = shared.get((item.id, rank))
        if found is None:
            found = shared[(item.id, rank)] = item.model_copy(update={"rank": rank})
        ranked.append(found)
    return tuple(ranked)
