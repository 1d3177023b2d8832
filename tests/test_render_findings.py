"""The Findings table keeps rule titles and ids readable on an 80-column terminal.

The table is in the detailed report (``details``): titles, rule and source ids and evidence
grades, the sources listed with their titles at the end. The short report lists the heaviest
findings as its reasons, with their grades."""

from __future__ import annotations

import io

from rich.console import Console

from psoas_triage import RuleBook, assess
from psoas_triage.render import REASONS_SHOWN, render_assessment, source_titles

MANY = [
    "groin_pain", "hip_snapping", "pain_lifting_leg", "low_back_pain", "runner",
    "prolonged_sitting", "pain_radiates_to_knee", "fever",
]  # fmt: skip


def rendered(width: int, shipped_book: RuleBook, details: bool = True) -> tuple[list[str], list]:
    result = assess({"present": MANY, "duration_days": 10, "pain_intensity": 5}, shipped_book)
    out = io.StringIO()
    console = Console(file=out, width=width, color_system=None, legacy_windows=False)
    console.print(render_assessment(result, width, details, source_titles(shipped_book)))
    lines = [line.rstrip() for line in out.getvalue().splitlines()]
    start = lines.index("Findings")
    return lines[start:], list(result.findings)


def test_at_80_columns_titles_and_ids_stay_whole(shipped_book: RuleBook) -> None:
    lines, findings = rendered(80, shipped_book)
    assert len(findings) >= 10
    assert max(len(line) for line in lines) <= 80
    cells = [line.strip() for line in lines]
    for finding in findings:
        # A title that fits the column is on one line; an id is never cut.
        if len(finding.title) <= 60:
            assert any(cell.startswith(finding.title) for cell in cells), finding.title
        assert any(cell.split(",")[0] == finding.rule_id for cell in cells), finding.rule_id


def test_every_source_and_the_points_are_shown(shipped_book: RuleBook) -> None:
    lines, findings = rendered(80, shipped_book)
    text = " ".join(" ".join(lines).split())
    for finding in findings:
        for source in finding.sources:
            assert source in text
    groin = next(f for f in findings if f.rule_id == "groin_pain")
    title_line = next(line for line in lines if line.strip().startswith(groin.title + " "))
    assert title_line.split()[-1] == f"{groin.points:+d}"
    flag_line = next(line for line in lines if line.strip().startswith("Fever "))
    assert flag_line.rstrip().endswith("red flag")


def test_by_default_the_heaviest_findings_are_the_reasons_with_their_grades(
    shipped_book: RuleBook,
) -> None:
    result = assess({"present": MANY, "duration_days": 10, "pain_intensity": 5}, shipped_book)
    out = io.StringIO()
    console = Console(file=out, width=80, color_system=None, legacy_windows=False)
    console.print(render_assessment(result, 80, False, source_titles(shipped_book)))
    lines = [line.rstrip() for line in out.getvalue().splitlines()]
    assert max(len(line) for line in lines) <= 80
    text = "\n".join(lines)
    weighed = sorted(
        (f for f in result.findings if f.points and not f.red_flag), key=lambda f: -abs(f.points)
    )
    for finding in weighed[:REASONS_SHOWN]:
        line = f"{finding.points:+d} {finding.title} [{finding.evidence_grade.value}]"
        assert line in " ".join(text.split()), line
    assert f"and {len(weighed) - REASONS_SHOWN} more (--explain)" in text
    for finding in result.findings:
        if "_" in finding.rule_id:  # ids, sources and the whole table are for --details
            assert finding.rule_id not in text, finding.rule_id
