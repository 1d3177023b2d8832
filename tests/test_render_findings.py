"""The Findings table keeps rule titles and ids readable on an 80-column terminal.

By default it shows titles with numbered source notes (titles listed under Sources); with
``details`` it shows the rule and source ids, for authors."""

from __future__ import annotations

import io
import re

from rich.console import Console

from psoas_triage import RuleBook, assess
from psoas_triage.render import render_assessment, source_titles

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


def test_by_default_titles_and_numbered_source_notes_replace_ids(shipped_book: RuleBook) -> None:
    lines, findings = rendered(80, shipped_book, details=False)
    assert max(len(line) for line in lines) <= 80
    text = "\n".join(lines)
    notes = " ".join(" ".join(lines[lines.index("Sources") + 1 :]).split())
    used = {source for finding in findings for source in finding.sources}
    for source in used:
        assert source not in text  # ids are for --details and JSON
        assert f"] {shipped_book.sources[source].title}" in notes, source
    numbers = [int(number) for number in re.findall(r"\[(\d+)\] ", notes)]
    assert numbers == list(range(1, len(used) + 1))
    table = text[: text.index("\nSources")]
    for finding in findings:
        if "_" in finding.rule_id:  # a one-word id ("fever") reads as a word of the text
            assert finding.rule_id not in table, finding.rule_id
        if len(finding.title) <= 60:
            # whole words: the title starts a line, it is not folded mid-word
            assert any(line.strip().startswith(finding.title) for line in lines), finding.title
