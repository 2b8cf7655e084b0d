"""The PDF fetcher's edges: what a mutation run (``make mutate``) showed no test pinned down."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import weasyprint

from ketapub.renderers.pdf_fetch import FetchRefused, SafeFetcher

ASSETS = {"assets/a.svg": ("image/svg+xml", b"<svg/>")}


@pytest.fixture
def templates(tmp_path: Path) -> Path:
    root = tmp_path / "templates"
    (root / "pdf").mkdir(parents=True)
    (root / "pdf" / "print.css").write_text("@page {}", "utf-8")
    (root / "pdf" / "blob.unknownext").write_bytes(b"\x01\x02")
    outside = tmp_path / "outside.css"
    outside.write_text("secret", "utf-8")
    (root / "pdf" / "link.css").symlink_to(outside)
    return root


def test_query_and_fragment_are_ignored_for_assets() -> None:
    fetcher = SafeFetcher(ASSETS)
    assert fetcher.fetch("ketapub-asset:assets/a.svg#view").read() == b"<svg/>"
    assert fetcher.fetch("ketapub-asset:assets/a.svg?v=2").read() == b"<svg/>"
    assert fetcher.fetch("ketapub-asset:assets/a.svg?v=2#x").read() == b"<svg/>"


def test_responses_carry_their_media_type(templates: Path) -> None:
    fetcher = SafeFetcher(ASSETS, templates)
    assert fetcher.fetch("ketapub-asset:assets/a.svg").content_type == "image/svg+xml"
    font = fetcher.fetch("ketapub-font:AtkinsonHyperlegible-Regular.ttf")
    assert font.content_type == "font/ttf"
    assert fetcher.fetch("ketapub-template:pdf/print.css").content_type == "text/css"
    blob = fetcher.fetch("ketapub-template:pdf/blob.unknownext")
    assert (blob.content_type, blob.read()) == ("application/octet-stream", b"\x01\x02")


def test_a_template_folder_or_a_link_out_of_the_templates_is_refused(templates: Path) -> None:
    fetcher = SafeFetcher(ASSETS, templates)
    for url in ("ketapub-template:pdf", "ketapub-template:pdf/link.css"):
        with pytest.raises(FetchRefused):
            fetcher.fetch(url)
    assert fetcher.refused == ["ketapub-template:pdf", "ketapub-template:pdf/link.css"]


def test_without_a_templates_folder_template_urls_are_refused() -> None:
    with pytest.raises(FetchRefused):
        SafeFetcher(ASSETS).fetch("ketapub-template:pdf/print.css")


@pytest.mark.parametrize(("url", "media_type", "body"), [
    ("data:,caf%C3%A9", "text/plain", "café".encode()),
    ("data:image/png;base64,aGVs bG8=", "image/png", b"hello"),
    ("data:;charset=utf-8;base64,aGk=", "text/plain", b"hi"),
])
def test_data_urls(url: str, media_type: str, body: bytes) -> None:
    response = SafeFetcher().fetch(url)
    assert (response.content_type, response.read()) == (media_type, body)


@pytest.mark.parametrize("url", ["data:text/plain", "data:;base64,abc"])
def test_malformed_data_urls_are_refused(url: str) -> None:
    fetcher = SafeFetcher()
    with pytest.raises(FetchRefused):
        fetcher.fetch(url)
    assert fetcher.refused == [url]


def test_a_refusal_is_logged_under_ketapub_pdf(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="ketapub.pdf"), pytest.raises(FetchRefused):
        SafeFetcher().fetch("file:///etc/passwd")
    assert [(r.name, r.getMessage()) for r in caplog.records] == [
        ("ketapub.pdf", "refused to fetch file:///etc/passwd: a PDF may use only series assets "
                        "and built-in files")]


def test_a_refused_url_does_not_stop_the_pdf() -> None:
    fetcher = SafeFetcher()
    pdf = weasyprint.HTML(string='<p>x<img src="file:///etc/passwd"></p>',
                          url_fetcher=fetcher).write_pdf()
    assert pdf.startswith(b"%PDF")
    assert fetcher.refused == ["file:///etc/passwd"]
