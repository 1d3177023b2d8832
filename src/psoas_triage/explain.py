"""The explanation of an assessment: supporting and conflicting evidence, denials, floors.

Built from what the pipeline already has (fired rules, the score, the triage decision), so it
costs a few small frozen models per report; the per-rule items are built once per rule book.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from psoas_triage.models import Evidence, EvidenceGrade, EvidenceItem, Floor, Likelihood
from psoas_triage.rulebook import LoadedRule
from psoas_triage.schema import Bands
from psoas_triage.scoring import Scored
from psoas_triage.triage import TriageDecision


def evidence_item(loaded: LoadedRule, grade: EvidenceGrade) -> EvidenceItem:
    """One fired rule as an evidence item, with how firmly its sources support it."""
    rule = loaded.rule
    return EvidenceItem(
        rule_id=rule.id,
        title=rule.title,
        points=rule.points,
        sources=tuple(rule.sources),
        alternatives=tuple(rule.alternatives),
        evidence_grade=grade,
    )


def build_evidence(
    fired: Sequence[LoadedRule],
    scored: Scored,
    decision: TriageDecision,
    bands: Bands,
    items: Mapping[str, EvidenceItem],
) -> Evidence:
    """Sort the fired rules into supporting, conflicting and denied; list the floors.

    Supporting: positive points. Denials: rules on explicitly denied signs. Conflicting:
    negative points from present findings, and findings that raise another cause.
    Red-flag and floor-only rules appear among the floors, not in the psoas evidence.
    """
    supporting: list[EvidenceItem] = []
    conflicting: list[EvidenceItem] = []
    denials: list[EvidenceItem] = []
    for loaded in fired:
        rule = loaded.rule
        item = items[rule.id]
        if rule.is_denial:
            denials.append(item)
        elif rule.points > 0:
            supporting.append(item)
        elif rule.points < 0 or (rule.alternatives and not rule.red_flag):
            conflicting.append(item)
    floors = [
        Floor(level=level, reason=reason, rule_id=rule_id)
        for level, reason, rule_id in decision.floors
    ]
    return Evidence(
        supporting=tuple(supporting),
        conflicting=tuple(conflicting),
        denials=tuple(denials),
        psoas_specific_sign=scored.specific_sign,
        band_note=band_note(scored, bands),
        deciding_floor=floors[0] if floors else None,
        other_floors=tuple(floors[1:]),
    )


def band_note(scored: Scored, bands: Bands) -> str:
    """One sentence on why the band is what it is."""
    if scored.score == bands.likely - 1 and not scored.specific_sign:
        return (
            f"score held at {scored.score}: no sign specific to the psoas was reported, so the "
            "band stops at possible"
        )
    if scored.triage_likelihood is not scored.likelihood:
        return (
            f"denied signs lower the band to {scored.likelihood.value}; the triage level still "
            f"uses {scored.triage_likelihood.value}, the band before denials"
        )
    if scored.likelihood is Likelihood.likely:
        return f"score {scored.score} at or above {bands.likely}, with a psoas-specific sign"
    if scored.likelihood is Likelihood.possible:
        return f"score {scored.score} from {bands.possible} to {bands.likely - 1}"
    return f"score {scored.score} below {bands.possible}"
