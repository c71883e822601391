"""Render the report in headless Chromium: every image loads, the console stays clean, at phone width
(412 CSS px) nothing overflows the page sideways (wide tables scroll inside their own box), and every
plot is shown wide enough that its smallest text stays legible."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from chromium_cdp import find_chromium, render

from seqarena.report.plots import DPI, SMALLEST_FONT_PT

CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium not installed (Debian: apt-get install chromium; .ci/run installs it)"
)

CHECKS = """(() => {
  const imgs = [...document.images];
  return {images: imgs.length,
          broken: imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.alt),
          shown: imgs.map(i => [i.alt, i.getBoundingClientRect().width / i.naturalWidth]),
          scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
          sections: [...document.querySelectorAll('section')].map(s => s.id),
          tables: document.querySelectorAll('.scroll > table').length,
          looseTables: document.querySelectorAll('table').length};
})()"""


@pytest.fixture(scope="module")
def spanish_report(full_report, tmp_path_factory):
    """The same run directory's report in Spanish (longer words: the wrapping and widths must hold)."""
    from seqarena.report import write_report

    run_dir, _, _ = full_report
    d = tmp_path_factory.mktemp("es") / "run"
    shutil.copytree(run_dir, d)
    html_path, _ = write_report(d, lang="es")
    return d, html_path.read_text(), None


@pytest.mark.parametrize("lang,width,height", [("en", 412, 915), ("en", 1280, 900), ("es", 412, 915)],
                         ids=["phone", "desktop", "phone-es"])
def test_report_renders_in_chromium(full_report, spanish_report, tmp_path, lang, width, height):
    run_dir, html, _ = full_report if lang == "en" else spanish_report
    # SEQARENA_SCREENSHOTS=DIR keeps the screenshots for a person to look at
    shots = Path(os.environ.get("SEQARENA_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    shot = shots / f"report-{lang}-{width}x{height}.png"
    value, errors = render(run_dir / "report.html", width, height, CHECKS, screenshot=shot, exe=CHROMIUM)
    assert errors == []
    assert value["images"] == html.count("<img") > 0
    assert value["broken"] == []
    assert value["innerWidth"] == width  # the viewport meta makes the layout as wide as the screen
    assert value["scrollWidth"] <= width  # no sideways scrolling of the page itself
    assert value["tables"] == value["looseTables"] > 0  # every table sits in its scroll box
    assert len(value["sections"]) == 11
    # the smallest text of each plot (tick labels) as tall on screen as a 9 CSS px font, at least: a
    # figure squeezed into a narrow column, or drawn too wide for a phone, fails
    smallest_px = {alt: SMALLEST_FONT_PT * DPI / 72 * scale for alt, scale in value["shown"]}
    assert min(smallest_px.values()) >= 9.0, {a: round(px, 1) for a, px in smallest_px.items() if px < 9}
    assert shot.read_bytes().startswith(b"\x89PNG")
