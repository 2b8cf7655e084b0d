"""``ketapub build --verbose`` says why a branded handout or the booklet was laid out whole,
even when it was laid out in a worker process (issue 19: "says so in --verbose")."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from ketapub import execute
from ketapub.cli import main
from tests.helpers import make_source, part

PAGE_NUMBERS = """
.pageref { display: inline; }
.pageref::before { content: ", " target-counter(attr(data-href url), page); }
.pageref-alone::before { content: " (" target-counter(attr(data-href url), page) ")"; }
"""


def test_verbose_build_says_why_the_booklet_and_a_brand_were_laid_out_whole(
        tmp_path: Path) -> None:
    src = make_source(tmp_path / "src", {"01-one.md": part(1, "one", "One short part.\n")},
                      files={"brands/glass.yaml": 'id: glass\nname: "Glass Clinic"\n'
                                                  'accent_color: "#07558080"\n'})
    templates = tmp_path / "tpl"
    (templates / "pdf").mkdir(parents=True)
    (templates / "pdf" / "custom.css").write_text(PAGE_NUMBERS)
    args = ["build", str(src), "--format", "pdf", "--brand", "all", "--as-of", "2026-01-01",
            "--templates", str(templates), "-j", "2"]
    assert execute.FEW_LAYOUTS < 3  # three PDFs: rendered in two workers, whose reasons
    # reach this process's terminal
    told = CliRunner().invoke(main, [*args, "-o", str(tmp_path / "told"), "--verbose"])
    assert told.exit_code == 0, told.output
    assert ("ketapub: part 01 for glass: laid out whole, not stamped: its accent colour is "
            "translucent") in told.output
    assert ("ketapub: booklet: laid out whole, not assembled: the stylesheet asks for the "
            "page number of a target in another part") in told.output
    assert told.output.count("laid out whole") == 2  # once each, not again by the parent
