"""The visual report: one self-contained HTML page (inline CSS and SVG, nothing fetched).

An adapter: it imports the core and the core never imports it. The page is built as an
ElementTree, so every text from a rule file or a report is escaped by construction rather than by
remembering to call an escape function; only the constant style sheet is raw text.

Order on the page: the triage level and its action come first (nothing above them), then red
flags, the body map, the contribution chart, advice, other causes, sources and the disclaimer.
The body map's places come from the rule book's ``body_map.yaml``, not from code.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable

from psoas_triage.models import AdviceItem, Assessment, Finding, Referral, TriageLevel
from psoas_triage.rulebook import RuleBook, load_body_map, per_book
from psoas_triage.schema import BodyRegion, Category

LEVEL_TITLES = {
    TriageLevel.emergency: "Emergency",
    TriageLevel.urgent: "Urgent",
    TriageLevel.consultation: "Book a consultation",
    TriageLevel.self_care: "Self-care",
}

# Each region is drawn on one or both views as ellipses (cx, cy, rx, ry) in a 120 x 300 box,
# mirrored for the two sides. Side is not reported, so both sides light up together.
Shape = tuple[float, float, float, float]
FRONT: dict[BodyRegion, list[Shape]] = {
    BodyRegion.flank: [(39, 100, 4, 12)],
    BodyRegion.pelvis: [(60, 124, 15, 7)],
    BodyRegion.front_of_hip: [(47, 134, 6, 6)],
    BodyRegion.groin: [(53, 146, 5, 6)],
    BodyRegion.hip: [(36, 136, 5, 9)],
    BodyRegion.thigh: [(47, 180, 8, 22)],
    BodyRegion.knee: [(48, 214, 7, 7)],
    BodyRegion.below_knee: [(47, 252, 6, 24)],
}
BACK: dict[BodyRegion, list[Shape]] = {
    BodyRegion.upper_back: [(60, 68, 14, 13)],
    BodyRegion.flank: [(39, 100, 4, 12)],
    BodyRegion.paraspinal: [(55, 96, 2.5, 20)],
    BodyRegion.low_back: [(60, 106, 14, 9)],
    BodyRegion.lumbosacral: [(60, 121, 6, 4)],
    BodyRegion.sacroiliac: [(54, 128, 3.5, 3.5)],
    BodyRegion.buttock: [(50, 143, 9, 10)],
    BodyRegion.hip: [(36, 136, 5, 9)],
    BodyRegion.thigh: [(47, 182, 8, 22)],
    BodyRegion.knee: [(48, 214, 7, 7)],
    BodyRegion.below_knee: [(47, 252, 6, 24)],
}
SILHOUETTE = (
    "M52,33 L68,33 L70,41 L88,46 Q96,48 97,57 L102,128 L95,130 L88,72 L86,100 Q89,120 87,140 "
    "L80,152 L77,205 L75,218 L74,280 L80,293 L64,293 L64,218 L62,158 L58,158 L56,218 L56,293 "
    "L40,293 L46,280 L45,218 L43,205 L40,152 L33,140 Q31,120 34,100 L32,72 L25,130 L18,128 "
    "L23,57 Q24,48 32,46 L50,41 Z"
)
PSOAS = ("M56,88 C51,108 46,128 52,160", "M64,88 C69,108 74,128 68,160")

STYLE = """
*{box-sizing:border-box}
.grade{color:#666;font-size:.85em}
body{margin:0;font:15px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1a1a}
main{max-width:60rem;margin:0 auto;padding:0 .8rem 1rem}
.banner{padding:.8rem 1rem;color:#fff;background:#555}
.banner h1{margin:0;font-size:1.6rem}
.banner p{margin:.3rem 0 0;font-size:1.05rem}
.banner ul{margin:.3rem 0 0;padding-left:1.2rem;font-size:.9rem}
.level-emergency{background:#b00020}.level-urgent{background:#c45100}
.level-consultation{background:#1f5fa8}.level-self_care{background:#2e7d32}
h2{font-size:1.05rem;margin:.9rem 0 .3rem;border-bottom:1px solid #ddd}
ul{margin:.2rem 0;padding-left:1.2rem}li{margin:.1rem 0}
.flags li{color:#b00020;font-weight:600}
.figures{display:grid;grid-template-columns:1fr;gap:.5rem}
svg{width:100%;height:auto;max-height:22rem}
#contributions{max-height:none}
.region{fill:none;stroke:#999;stroke-width:.6;stroke-dasharray:2 1.5}
.region.on{fill:#d32f2f;fill-opacity:.7;stroke:#8e0000;stroke-dasharray:none}
.outline{fill:#f4efe9;stroke:#777;stroke-width:1}
.psoas{fill:none;stroke:#c0392b;stroke-opacity:.22;stroke-width:5;stroke-linecap:round}
.bar-pos{fill:#c45100}.bar-neg{fill:#2e7d32}.axis{stroke:#333;stroke-width:.8}
.band{stroke:#1f5fa8;stroke-dasharray:3 2;stroke-width:.8}
.small{font-size:.8rem;color:#555}
footer{margin-top:1rem;font-size:.85rem;color:#333;border-top:1px solid #ccc;padding-top:.4rem}
@media (min-width:48rem){.figures{grid-template-columns:1fr 1fr}}
@page{size:A4;margin:9mm}
@media print{
body{font-size:6.3pt;line-height:1.15}main{max-width:none;padding:0}
.banner{padding:.25rem .5rem;-webkit-print-color-adjust:exact;print-color-adjust:exact}
.banner h1{font-size:12pt}.banner p{font-size:8pt}.banner ul{font-size:7pt}
h2{font-size:7.5pt;margin:.25rem 0 .05rem}ul{padding-left:.9rem}li{margin:0}
.figures{grid-template-columns:1fr 1.6fr}
.columns{columns:3;column-gap:.9rem}
.columns h2{break-after:avoid-column}
svg,#contributions{max-height:4.6cm}.small{font-size:6pt}footer{margin-top:.3rem;font-size:6pt}
.region.on,.psoas,.bar-pos,.bar-neg{-webkit-print-color-adjust:exact;print-color-adjust:exact}
#self-care .detail,#avoid .detail{display:none}
}
"""


def render_html(assessment: Assessment, rulebook: RuleBook | None = None) -> str:
    """The assessment as one self-contained HTML page; ``rulebook`` is the book that made it.

    The book supplies what the Assessment does not carry: the body map, the score bands and the
    source titles. None means the shipped rule book.
    """
    if rulebook is None:
        from psoas_triage.assessment import default_rulebook

        rulebook = default_rulebook()
    html = ET.Element("html", lang="en")
    head = _add(html, "head")
    _add(head, "meta", charset="utf-8")
    _add(head, "meta", name="viewport", content="width=device-width, initial-scale=1")
    _add(head, "title", f"psoas-triage: {LEVEL_TITLES[assessment.triage_level]}")
    _add(head, "style", STYLE)
    body = _add(html, "body")
    _banner(body, assessment)
    main = _add(body, "main")
    _red_flags(main, assessment)
    _reported(main, assessment, rulebook)
    figures = _add(main, "div", class_="figures")
    _draw_body_map(_section(figures, "Where it hurts", "body-map-section"), assessment, rulebook)
    _chart(_section(figures, "What drove the result", "chart-section"), assessment, rulebook)
    columns = _add(main, "div", class_="columns")
    _advice(columns, assessment)
    _alternatives(columns, assessment)
    _sources(columns, assessment, rulebook)
    footer = _add(body, "footer")
    _add(footer, "p", assessment.disclaimer, id="disclaimer")
    _add(footer, "p", f"Rule book {rulebook.name} {assessment.rulebook_version}", id="version")
    return "<!DOCTYPE html>\n" + ET.tostring(html, encoding="unicode", method="html") + "\n"


def highlighted_regions(assessment: Assessment, rulebook: RuleBook) -> set[BodyRegion]:
    """The body-map regions the report's present codes light up (what the page must show)."""
    body_map = _body_map(rulebook)
    if body_map is None:
        return set()
    return {
        region for code in assessment.report.present for region in body_map.regions.get(code, [])
    }


_body_map = per_book(load_body_map)
"""The book's body map, read once per book (a bad file raises RuleBookError naming it)."""


# --- sections -----------------------------------------------------------------------------------


def _banner(body: ET.Element, assessment: Assessment) -> None:
    level = assessment.triage_level
    banner = _add(body, "header", id="triage", class_=f"banner level-{level.value}")
    banner.set("data-level", level.value)
    _add(banner, "h1", LEVEL_TITLES[level])
    _add(banner, "p", assessment.triage_action, id="action")
    if assessment.triage_reasons:
        reasons = _add(banner, "ul", id="reasons")
        for reason in assessment.triage_reasons:
            _add(reasons, "li", reason)


def _red_flags(main: ET.Element, assessment: Assessment) -> None:
    if not assessment.red_flags:
        return
    section = _section(main, "Warning signs reported", "red-flags")
    items = _add(section, "ul", class_="flags")
    for flag in assessment.red_flags:
        _add(items, "li", f"{flag.title}: {flag.description}")


def _reported(main: ET.Element, assessment: Assessment, rulebook: RuleBook) -> None:
    report = assessment.report
    section = _section(main, "What was reported", "reported")
    lines = _add(section, "ul")
    label = _labeller(rulebook)
    if report.present:
        _add(lines, "li", "Present: " + "; ".join(label(code) for code in report.present))
    if report.absent:
        _add(lines, "li", "Not present: " + "; ".join(label(code) for code in report.absent))
    numbers = [
        f"age {report.age}" if report.age is not None else "",
        f"pain for {report.duration_days} days" if report.duration_days is not None else "",
        f"pain {report.pain_intensity}/10" if report.pain_intensity is not None else "",
    ]
    if any(numbers):
        _add(lines, "li", ", ".join(part for part in numbers if part))
    _add(
        lines,
        "li",
        f"Psoas score {assessment.psoas_score}/100: psoas involvement "
        f"{assessment.likelihood.value}",
    )


def _draw_body_map(section: ET.Element, assessment: Assessment, rulebook: RuleBook) -> None:
    lit = highlighted_regions(assessment, rulebook)
    svg = _add(
        section,
        "svg",
        id="body-map",
        viewBox="0 0 260 312",
        role="img",
        xmlns="http://www.w3.org/2000/svg",
    )
    _add(svg, "title", "Body map, front and back, with the reported places of pain marked")
    for offset, name, regions in ((0, "front", FRONT), (140, "back", BACK)):
        view = _add(svg, "g", transform=f"translate({offset},0)", class_=f"view-{name}")
        _add(view, "circle", cx="60", cy="20", r="13", class_="outline")
        _add(view, "path", d=SILHOUETTE, class_="outline")
        if name == "front":
            for stroke in PSOAS:
                _add(view, "path", d=stroke, class_="psoas")
        for region, shapes in regions.items():
            on = region in lit
            group = _add(view, "g", class_="region on" if on else "region")
            group.set("data-region", region.value)
            _add(group, "title", region.value.replace("_", " "))
            for cx, cy, rx, ry in shapes:
                for x in (cx, 120 - cx) if cx != 60 else (cx,):
                    _add(group, "ellipse", cx=f"{x:g}", cy=f"{cy:g}", rx=f"{rx:g}", ry=f"{ry:g}")
        _add(view, "text", name, x="60", y="309", text_anchor="middle", font_size="11")
    label = _labeller(rulebook)
    places = [code for code in assessment.report.present if _is_location(code, rulebook)]
    text = "Marked: " + "; ".join(label(code) for code in places) if places else "No place of pain"
    _add(section, "p", text + ".", class_="small")
    _add(
        section,
        "p",
        "The faint band on the front view is the psoas muscle: it runs from the lower spine "
        "through the pelvis to the top of the thigh, which is why pain in these places can "
        "belong together.",
        class_="small",
    )


def _chart(section: ET.Element, assessment: Assessment, rulebook: RuleBook) -> None:
    """One row per fired rule: a bar from the running total, or a marker for a triage floor."""
    bands = rulebook.policy.bands
    total, low, high = 0, 0, 100
    for finding in assessment.findings:
        total += finding.points
        low, high = min(low, total), max(high, total)
    left, right, row = 6.0, 394.0, 26
    height = 36 + row * (len(assessment.findings) + 1)

    def x(value: float) -> float:
        return left + (value - low) * (right - left) / (high - low)

    svg = _add(
        section,
        "svg",
        id="contributions",
        viewBox=f"0 0 400 {height}",
        role="img",
        xmlns="http://www.w3.org/2000/svg",
    )
    _add(svg, "title", "Points each fired rule added to the psoas score, with the band limits")
    _add(svg, "line", x1=f"{x(0):g}", x2=f"{x(0):g}", y1="14", y2=str(height), class_="axis")
    for name, value in (("possible", bands.possible), ("likely", bands.likely)):
        band = _add(svg, "g", class_="threshold")
        band.set("data-band", name)
        band.set("data-score", str(value))
        _add(band, "line", x1=f"{x(value):.1f}", x2=f"{x(value):.1f}", y1="14", y2=str(height))
        band[-1].set("class", "band")
        _add(band, "text", f"{name} {value}", x=f"{x(value):.1f}", y="11", font_size="9")
        band[-1].set("text-anchor", "middle")
    running = 0
    for number, finding in enumerate(assessment.findings):
        top = 20 + number * row
        group = _add(svg, "g", class_="contribution")
        group.set("data-rule", finding.rule_id)
        group.set("data-points", str(finding.points))
        group.set("data-red-flag", "true" if finding.red_flag else "false")
        _add(group, "title", finding.title)
        _add(group, "text", _short(_row_label(finding), 78), x="6", y=str(top + 9), font_size="9")
        if finding.points:
            start, end = running, running + finding.points
            running = end
            _add(
                group,
                "rect",
                x=f"{x(min(start, end)):.1f}",
                y=str(top + 12),
                width=f"{abs(x(end) - x(start)):.1f}",
                height="9",
                class_="bar-pos" if finding.points > 0 else "bar-neg",
            )
        elif finding.triage_floor is not None:
            marker = _add(group, "text", "\u25b2", x=f"{x(running):.1f}", y=str(top + 22))
            marker.set("fill", "#b00020" if finding.red_flag else "#c45100")
    top = 20 + len(assessment.findings) * row
    score = _add(svg, "g", id="score")
    score.set("data-score", str(assessment.psoas_score))
    _add(
        score,
        "text",
        f"score {assessment.psoas_score}: {assessment.likelihood.value}",
        x="6",
        y=str(top + 9),
        font_size="9",
    )
    _add(
        score,
        "rect",
        x=f"{x(0):.1f}",
        y=str(top + 12),
        width=f"{x(assessment.psoas_score) - x(0):.1f}",
        height="9",
        fill="#555",
    )
    if not assessment.findings:
        _add(section, "p", "No rule fired.", class_="small")
    _add(
        section,
        "p",
        "Bars: points added (orange) or taken away (green), in order, with the score band limits "
        "as dashed lines. \u25b2 marks a rule that sets a minimum triage level; a red flag "
        "overrides the score.",
        class_="small",
    )


def _advice(parent: ET.Element, assessment: Assessment) -> None:
    """Who to see and the advice, each item with its evidence grade; the short lists first and
    what they leave out (``Assessment.more``) folded under them; what was held back, and why."""
    more = assessment.more
    section = _section(parent, "Who to see", "referrals")
    _referral_list(section, assessment.referrals)
    if more.referrals:
        _referral_list(_folded(section, f"{len(more.referrals)} more"), more.referrals)
    for title, key, advice, rest in (
        ("Self-care", "self-care", assessment.advice.self_care, more.self_care),
        ("What to avoid", "avoid", assessment.advice.avoid, more.avoid),
        ("When to seek help", "seek-help", assessment.advice.seek_help, ()),
    ):
        if advice:
            listed = _section(parent, title, key)
            _advice_list(listed, advice)
            if rest:
                _advice_list(_folded(listed, f"{len(rest)} more"), rest)
    if assessment.advice.held_back:
        section = _section(parent, "Held back for you", "held-back")
        items = _add(section, "ul")
        for held in assessment.advice.held_back:
            entry = _add(items, "li", held.reason)
            _grade(entry, held.evidence_grade.value, held.sources)


def _folded(parent: ET.Element, summary: str) -> ET.Element:
    """A closed ``<details>`` under ``parent``: the items beyond a short list."""
    details = _add(parent, "details")
    _add(details, "summary", summary)
    return details


def _referral_list(parent: ET.Element, referrals: Iterable[Referral]) -> None:
    items = _add(parent, "ul")
    for referral in referrals:
        name = referral.professional.value.replace("_", " ")
        entry = _add(items, "li", f"{name.capitalize()}: {referral.reason}")
        _grade(entry, referral.evidence_grade.value, referral.sources)


def _advice_list(section: ET.Element, advice: Iterable[AdviceItem]) -> None:
    items = _add(section, "ul")
    for item in advice:
        entry = _add(items, "li")
        _add(entry, "strong", item.title)
        _add(entry, "span", f": {item.text}", class_="detail")
        _grade(entry, item.evidence_grade.value, item.sources)


def _grade(entry: ET.Element, grade: str, sources: Iterable[str]) -> None:
    """The evidence grade and source ids after an item, so a reader weighs it (a source-claim
    is what the seed documents say, not established fact)."""
    _add(entry, "span", f" [{grade}: {', '.join(sources)}]", class_="grade")


def _alternatives(parent: ET.Element, assessment: Assessment) -> None:
    if not assessment.alternatives:
        return
    section = _section(parent, "Other causes to discuss with a professional", "alternatives")
    items = _add(section, "ul")
    for alternative in assessment.alternatives:
        _add(items, "li", f"{alternative.title}: {alternative.description}")


def _sources(parent: ET.Element, assessment: Assessment, rulebook: RuleBook) -> None:
    cited: dict[str, None] = {}
    for finding in assessment.findings:
        cited.update(dict.fromkeys(finding.sources))
    advice, more = assessment.advice, assessment.more
    for referral in (*assessment.referrals, *more.referrals):
        cited.update(dict.fromkeys(referral.sources))
    for item in (*advice.self_care, *advice.avoid, *advice.seek_help, *more.self_care, *more.avoid):
        cited.update(dict.fromkeys(item.sources))
    for held in advice.held_back:
        cited.update(dict.fromkeys(held.sources))
    for alternative in assessment.alternatives:
        cited.update(dict.fromkeys(alternative.sources))
    if not cited:
        return
    section = _section(parent, "Sources", "sources")
    items = _add(section, "ul", class_="small")
    for source_id in cited:
        source = rulebook.sources.get(source_id)
        if source is None:
            _add(items, "li", source_id)
            continue
        extra = ", ".join(part for part in (source.publisher, source.date) if part)
        _add(items, "li", f"{source.title}" + (f" ({extra})" if extra else ""))


# --- helpers ------------------------------------------------------------------------------------


def _add(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    """A child element; ``class_`` and ``text_anchor`` style names become HTML attribute names."""
    names = {key.rstrip("_").replace("_", "-"): value for key, value in attributes.items()}
    element = ET.SubElement(parent, tag, names)
    if text is not None:
        element.text = text
    return element


def _section(parent: ET.Element, title: str, key: str) -> ET.Element:
    section = _add(parent, "section", id=key)
    _add(section, "h2", title)
    return section


def _labeller(rulebook: RuleBook) -> Callable[[str], str]:
    def label(code: str) -> str:
        term = rulebook.terms.get(code)
        return term.label if term is not None else code

    return label


def _is_location(code: str, rulebook: RuleBook) -> bool:
    term = rulebook.terms.get(code)
    return term is not None and term.category is Category.pain_location


def _row_label(finding: Finding) -> str:
    if finding.red_flag and finding.triage_floor is not None:
        return f"RED FLAG, overrides the score (at least {finding.triage_floor.value}): " + (
            finding.title
        )
    if finding.points:
        return f"{finding.points:+d}  {finding.title} ({finding.evidence_grade.value})"
    if finding.triage_floor is not None:
        return f"at least {finding.triage_floor.value}: {finding.title}"
    return f"raises another cause: {finding.title}"


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"
