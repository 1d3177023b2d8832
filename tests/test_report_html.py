"""The visual report: structure, body map from data, contribution chart, escaping, no network."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from psoas_triage import RuleBook, TriageLevel, assess, load_rulebook, warning_sign_checklist
from psoas_triage.lint import body_map_problems, lint_directory
from psoas_triage.report_html import render_html
from psoas_triage.schema import BodyRegion, Category

ROOT = Path(__file__).resolve().parents[1]
BODY_MAP = yaml.safe_load((ROOT / "rules" / "body_map.yaml").read_text(encoding="utf-8"))
SEEDS = ROOT.parent / "shared" / "seeds"

EMERGENCY = {"present": ["saddle_numbness", "low_back_pain", "buttock_pain"], "pain_intensity": 8}
PSOAS = {
    "present": ["groin_pain", "hip_snapping", "front_of_hip_pain"],
    "absent": ["fever"],
    "age": 34,
    "duration_days": 10,
    "pain_intensity": 5,
}

# A completed warning-sign checklist: self-care needs every warning sign answered no.
WARNING_SIGNS = [sign.code for sign in warning_sign_checklist()]


class Page(HTMLParser):
    """Collects what the tests look at: elements in order, attributes, text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {name: value or "" for name, value in attrs}))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def with_attribute(self, name: str) -> list[dict[str, str]]:
        return [attrs for _, attrs in self.elements if name in attrs]

    def lit_regions(self) -> set[str]:
        return {
            attrs["data-region"]
            for attrs in self.with_attribute("data-region")
            if "on" in attrs.get("class", "").split()
        }


def expected_regions(present: list[str]) -> set[str]:
    """Computed from the YAML itself, independently of the renderer."""
    return {region for code in present for region in BODY_MAP["regions"].get(code, [])}


def test_triage_banner_is_the_first_thing_in_the_body(shipped_book: RuleBook) -> None:
    for report, level in ((EMERGENCY, "emergency"), (PSOAS, "consultation")):
        assessment = assess(report, shipped_book)
        assert assessment.triage_level.value == level
        page = Page(render_html(assessment, shipped_book))
        tags = [tag for tag, _ in page.elements]
        first_in_body = page.elements[tags.index("body") + 1]
        assert first_in_body[0] == "header"
        assert first_in_body[1]["id"] == "triage"
        assert first_in_body[1]["data-level"] == level
        assert assessment.triage_action in "".join(page.text)


def test_body_map_lights_exactly_the_reported_places(shipped_book: RuleBook) -> None:
    assessment = assess(PSOAS, shipped_book)
    page = Page(render_html(assessment, shipped_book))
    assert page.lit_regions() == {"groin", "front_of_hip", "thigh"}
    assert page.lit_regions() == expected_regions(PSOAS["present"])
    drawn = {attrs["data-region"] for attrs in page.with_attribute("data-region")}
    assert drawn == {region.value for region in BodyRegion}


LOCATIONS = sorted(BODY_MAP["regions"])


@settings(max_examples=60, deadline=None)
@given(
    codes=st.lists(st.sampled_from(LOCATIONS), unique=True, min_size=1, max_size=6),
    extra=st.sampled_from(LOCATIONS),
)
def test_body_map_follows_the_data_and_only_grows(codes: list[str], extra: str) -> None:
    book = _shipped()
    before = Page(render_html(assess({"present": codes}, book), book)).lit_regions()
    assert before == expected_regions(codes)
    after = Page(render_html(assess({"present": [*codes, extra]}, book), book)).lit_regions()
    assert before <= after
    assert after == expected_regions([*codes, extra])


def test_contribution_chart_has_one_row_per_fired_rule(shipped_book: RuleBook) -> None:
    assessment = assess(
        {"present": [*EMERGENCY["present"], "groin_pain", "fever"], "pain_intensity": 8},
        shipped_book,
    )
    page = Page(render_html(assessment, shipped_book))
    rows = page.with_attribute("data-rule")
    assert [row["data-rule"] for row in rows] == [f.rule_id for f in assessment.findings]
    assert [int(row["data-points"]) for row in rows] == [f.points for f in assessment.findings]
    flagged = {row["data-rule"] for row in rows if row["data-red-flag"] == "true"}
    assert flagged == {flag.rule_id for flag in assessment.red_flags}
    assert flagged, "the case has red flags"
    assert "RED FLAG, overrides the score" in "".join(page.text)
    bands = {row["data-band"]: int(row["data-score"]) for row in page.with_attribute("data-band")}
    assert bands == {
        "possible": shipped_book.policy.bands.possible,
        "likely": shipped_book.policy.bands.likely,
    }
    score = page.with_attribute("data-score")[-1]
    assert int(score["data-score"]) == assessment.psoas_score


def test_every_section_and_the_disclaimer_are_there(shipped_book: RuleBook) -> None:
    assessment = assess(PSOAS, shipped_book)
    html = render_html(assessment, shipped_book)
    page = Page(html)
    text = " ".join(" ".join(page.text).split())
    ids = {attrs.get("id") for _, attrs in page.elements}
    assert {"referrals", "self-care", "avoid", "seek-help", "sources", "disclaimer"} <= ids
    assert " ".join(assessment.disclaimer.split()) in text
    assert assessment.rulebook_version in text
    for item in assessment.advice.self_care:
        assert item.title in text
    for finding in assessment.findings:
        for source_id in finding.sources:
            assert shipped_book.sources[source_id].title in text


def test_the_page_fetches_nothing(shipped_book: RuleBook) -> None:
    html = render_html(assess(EMERGENCY, shipped_book), shipped_book)
    assert not re.search(r"\b(src|href|srcset|action)\s*=", html, re.IGNORECASE)
    for needle in ("<script", "<link", "<img", "<iframe", "url(", "@import"):
        assert needle not in html.lower()


def test_rule_and_report_texts_are_escaped(mini_copy: Path) -> None:
    hostile = '<script>alert(1)</script>"><img src=x onerror=alert(2)>&amp;'
    rules = (mini_copy / "rules.yaml").read_text(encoding="utf-8")
    rules = rules.replace("title: Groin pain\n", f"title: {json.dumps(hostile)}\n", 1)
    (mini_copy / "rules.yaml").write_text(rules, encoding="utf-8")
    advice = (mini_copy / "advice.yaml").read_text(encoding="utf-8")
    advice = advice.replace("text: Stretch gently.", f"text: {json.dumps(hostile)}", 1)
    (mini_copy / "advice.yaml").write_text(advice, encoding="utf-8")
    book = load_rulebook(mini_copy)
    assessment = assess({"present": ["groin_pain"]}, book)
    assert assessment.findings[0].title == hostile
    html = render_html(assessment, book)
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert hostile in "".join(Page(html).text)  # shown as text, exactly
    assert Page(html).lit_regions() == set()  # the mini book has no body map


def test_cli_writes_the_same_page(tmp_path: Path, shipped_book: RuleBook) -> None:
    target = tmp_path / "report.html"
    result = subprocess.run(
        [
            *(sys.executable, "-m", "psoas_triage", "assess", "groin_pain", "hip_snapping"),
            *("--duration-days", "10", "--json", "--html", str(target)),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assessment = assess(json.loads(result.stdout)["report"], shipped_book)
    assert target.read_text(encoding="utf-8") == render_html(assessment, shipped_book)


def test_every_shipped_pain_location_has_a_region(shipped_book: RuleBook) -> None:
    locations = {
        term.code for term in shipped_book.terms.values() if term.category is Category.pain_location
    }
    missing = sorted(locations - set(BODY_MAP["regions"]))
    assert missing == [], f"add these pain_location codes to rules/body_map.yaml: {missing}"
    assert body_map_problems(shipped_book) == []


def test_lint_names_an_unmapped_or_unknown_code(tmp_path: Path) -> None:
    import shutil

    target = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", target)
    regions = dict(BODY_MAP["regions"])
    del regions["groin_pain"]
    regions["elbow_pain"] = ["knee"]
    (target / "body_map.yaml").write_text(yaml.safe_dump({"regions": regions}), encoding="utf-8")
    messages = [str(problem) for problem in lint_directory(target)]
    assert any("'groin_pain' has no body-map region" in message for message in messages)
    assert any("'elbow_pain' is not a pain_location code" in message for message in messages)


def test_a_bad_region_is_an_error_naming_the_file(tmp_path: Path) -> None:
    import shutil

    target = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", target)
    (target / "body_map.yaml").write_text("regions:\n  groin_pain: [elbow]\n", encoding="utf-8")
    problems = lint_directory(target)
    assert any(
        problem.file and problem.file.endswith("body_map.yaml") and "groin_pain" in str(problem)
        for problem in problems
    ), problems


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the source documents live beside the repository")
def test_the_report_s_own_words_paraphrase_the_sources(mini_book: RuleBook) -> None:
    # The mini book's texts are the tests' own, so what is left is the renderer's fixed words.
    run = 9
    words = re.compile(r"[a-z0-9']+")
    seeds: set[tuple[str, ...]] = set()
    for seed in SEEDS.glob("*.txt"):
        found = words.findall(seed.read_text(encoding="utf-8").lower())
        seeds.update(tuple(found[i : i + run]) for i in range(len(found) - run + 1))
    assessment = assess({"present": ["groin_pain", "fever"], "pain_intensity": 8}, mini_book)
    own = " ".join(Page(render_html(assessment, mini_book)).text).lower()
    found = words.findall(own)
    copied = [
        found[i : i + run]
        for i in range(len(found) - run + 1)
        if tuple(found[i : i + run]) in seeds
    ]
    assert copied == []


def test_every_level_renders(shipped_book: RuleBook) -> None:
    cases = {
        TriageLevel.emergency: EMERGENCY,
        TriageLevel.urgent: {"present": ["fever", "groin_pain"]},
        TriageLevel.consultation: PSOAS,
        TriageLevel.self_care: {
            "present": ["low_back_pain"],
            "absent": WARNING_SIGNS,
            "pain_intensity": 2,
        },
    }
    for level, report in cases.items():
        assessment = assess(report, shipped_book)
        assert assessment.triage_level is level
        assert f'class="banner level-{level.value}"' in render_html(assessment, shipped_book)


def _shipped() -> RuleBook:
    from psoas_triage import default_rulebook

    return default_rulebook()
