"""Render the report in headless Chromium: every image loads, the console stays clean, and at phone
width (412 CSS px) nothing overflows the page sideways (wide tables scroll inside their own box)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from chromium_cdp import find_chromium, render

CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium not installed (Debian: apt-get install chromium; .ci/run installs it)"
)

CHECKS = """(() => {
  const imgs = [...document.images];
  return {images: imgs.length,
          broken: imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.alt),
          scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
          sections: [...document.querySelectorAll('section')].map(s => s.id),
          tables: document.querySelectorAll('.scroll > table').length,
          looseTables: document.querySelectorAll('table').length};
})()"""


@pytest.mark.parametrize("width,height", [(412, 915), (1280, 900)], ids=["phone", "desktop"])
def test_report_renders_in_chromium(full_report, tmp_path, width, height):
    run_dir, html, _ = full_report
    # SEQARENA_SCREENSHOTS=DIR keeps the screenshots for a person to look at
    shots = Path(os.environ.get("SEQARENA_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    shot = shots / f"report-{width}x{height}.png"
    value, errors = render(run_dir / "report.html", width, height, CHECKS, screenshot=shot, exe=CHROMIUM)
    assert errors == []
    assert value["images"] == html.count("<img") > 0
    assert value["broken"] == []
    assert value["innerWidth"] == width  # the viewport meta makes the layout as wide as the screen
    assert value["scrollWidth"] <= width  # no sideways scrolling of the page itself
    assert value["tables"] == value["looseTables"] > 0  # every table sits in its scroll box
    assert len(value["sections"]) == 11
    assert shot.read_bytes().startswith(b"\x89PNG")
