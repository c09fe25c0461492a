"""report.html, as a person sees it: rendered by headless Chromium (Debian's chromium,
installed by .ci/run) to a PNG whose pixels are checked, offline."""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CHROMIUM, HtmlPage, screenshot


@pytest.fixture
def report(jepsen_out: Path) -> Path:
    """The page of Jepsen 2013's check, whose four properties are violated."""
    return jepsen_out / "report.html"


@pytest.mark.tlc
def test_the_page_is_self_contained_and_every_step_link_lands(report: Path) -> None:
    page = HtmlPage.of(report)
    assert "script" not in page.tags and not page.external, page.external
    assert page.tags.count("svg") == 4          # one diagram per violated property
    for prop in ("durability", "consistency", "read_stability", "availability"):
        assert prop in page.ids
    steps = [link for link in page.links if "-step-" in link]
    assert steps and all(link.startswith("#") and link[1:] in page.ids for link in steps)


@pytest.mark.tlc
@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (.ci/run installs it)")
def test_chromium_renders_the_verdicts_and_the_diagram(report: Path, tmp_path: Path) -> None:
    """Offline (no network for the browser), without JavaScript: the screenshot is not
    blank, shows the verdict table's red and the diagram's lanes and committed log."""
    image = screenshot(report, tmp_path, (1400, 2400))
    colours = image.getcolors(maxcolors=1_000_000)
    assert colours is not None and len(colours) > 50       # text, tables and a drawing
    raw = image.tobytes()
    pixels = list(zip(raw[0::3], raw[1::3], raw[2::3]))
    ink = sum(1 for p in pixels if sum(p) < 600)
    assert ink > 0.02 * len(pixels), ink                  # far from blank
    red = sum(1 for r, g, b in pixels if r > 170 and g < 90 and b < 90)
    green = sum(1 for r, g, b in pixels if (r, g, b) == (0xc8, 0xe6, 0xc9))
    assert red > 500, red          # verdicts, the violation's caption and marked step
    assert green > 200, green      # the diagram's committed log cells (inline SVG drawn)
