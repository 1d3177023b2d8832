"""The visual report in a real headless Chromium (Debian's /usr/bin/chromium, driven by playwright).

Playwright never downloads a browser here: it is pointed at the distribution's Chromium. Checks
from the DOM that the body map lights exactly the reported places, that the triage banner is
above the fold on a 375 x 667 phone, that the page asks for nothing over the network, and that
it prints on one A4 page. ``python tests/test_report_html_browser.py docs/`` redraws the README's
two screenshots.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import pytest

from psoas_triage import RuleBook, assess, default_rulebook
from psoas_triage.report_html import highlighted_regions, render_html

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 375, "height": 667}
CASES = {
    "emergency": {
        "present": ["saddle_numbness", "low_back_pain", "buttock_pain", "leg_numbness_tingling"],
        "pain_intensity": 8,
        "age": 58,
    },
    "psoas": {
        "present": ["groin_pain", "hip_snapping", "front_of_hip_pain", "pain_sit_to_stand"],
        "absent": ["fever", "saddle_numbness"],
        "age": 34,
        "duration_days": 10,
        "pain_intensity": 5,
    },
}

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - depends on the installation
    sync_playwright = None  # type: ignore[assignment]

pytestmark = [
    pytest.mark.skipif(
        not CHROMIUM.is_file(),
        reason="no Chromium at /usr/bin/chromium (apt-get install -y chromium; .ci/run does)",
    ),
    pytest.mark.skipif(sync_playwright is None, reason="playwright is not installed"),
]


def load(
    html_file: Path,
    profile: Path,
    screenshot: Path | None = None,
    viewport: dict[str, int] = PHONE,
) -> dict[str, Any]:
    """Open the file (phone-sized by default); return what the DOM says and every request made."""
    assert sync_playwright is not None
    requests: list[str] = []
    with sync_playwright() as driver:
        context = driver.chromium.launch_persistent_context(
            str(profile),  # a fresh --user-data-dir
            executable_path=str(CHROMIUM),
            headless=True,
            args=FLAGS,
            viewport=viewport,
            device_scale_factor=2 if viewport == PHONE else 1,
        )
        try:
            context.on("request", lambda request: requests.append(request.url))
            page = context.new_page()
            page.goto(html_file.as_uri(), wait_until="load")
            facts = page.evaluate(
                """() => {
                const banner = document.getElementById('triage').getBoundingClientRect();
                const lit = [...document.querySelectorAll('[data-region].on')]
                    .map(e => e.getAttribute('data-region'));
                const above = [...document.body.querySelectorAll('*')].filter(e => {
                    const box = e.getBoundingClientRect();
                    return box.height > 0 && box.bottom <= banner.top;
                }).length;
                return {top: banner.top, bottom: banner.bottom, lit, above,
                        first: document.body.firstElementChild.id,
                        width: document.documentElement.scrollWidth};
            }"""
            )
            if screenshot is not None:
                page.screenshot(path=str(screenshot), full_page=False)
            pdf = page.pdf(format="A4", print_background=True)
            facts["pages"] = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
        finally:
            context.close()
    facts["requests"] = requests
    return facts


@pytest.mark.parametrize("case", sorted(CASES))
def test_report_in_headless_chromium(case: str, tmp_path: Path, shipped_book: RuleBook) -> None:
    assessment = assess(CASES[case], shipped_book)
    html_file = tmp_path / f"{case}.html"
    html_file.write_text(render_html(assessment, shipped_book), encoding="utf-8")
    shot = tmp_path / f"{case}.png"
    facts = load(html_file, tmp_path / "profile", shot)

    assert shot.stat().st_size > 10_000
    expected = {region.value for region in highlighted_regions(assessment, shipped_book)}
    assert expected, "the case reports places of pain"
    assert set(facts["lit"]) == expected
    assert facts["first"] == "triage"
    assert facts["above"] == 0, "nothing may stand above the triage banner"
    assert facts["top"] == 0 and facts["bottom"] <= PHONE["height"]
    assert facts["width"] <= PHONE["width"], "no sideways scrolling on a phone"
    assert facts["requests"] == [html_file.as_uri()], "the page fetched something"
    assert facts["pages"] == 1, "the report should print on one A4 page"


def write_screenshots(directory: Path) -> None:
    """The README's screenshots: the emergency case and the psoas case, a tablet's first screen."""
    import tempfile

    book = default_rulebook()
    directory.mkdir(parents=True, exist_ok=True)
    for case, report in CASES.items():
        with tempfile.TemporaryDirectory() as scratch:
            html_file = Path(scratch) / f"{case}.html"
            html_file.write_text(render_html(assess(report, book), book), encoding="utf-8")
            target = directory / f"report-{case}.png"
            load(html_file, Path(scratch) / "profile", target, {"width": 820, "height": 1000})
        print(directory / f"report-{case}.png")


if __name__ == "__main__":
    write_screenshots(Path(sys.argv[1] if len(sys.argv) > 1 else "docs"))
