"""KP4xx rules: links and images.

Link text that says nothing; alt text missing, repeating the caption, or saying it
is a picture.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ketapub import tree
from ketapub.errors import Severity
from ketapub.lint.part import PartText, shown_text
from ketapub.lint.rule import Finding, Rule, register

_URL = re.compile(r"^(?:https?://|www\.|mailto:|tel:)\S+$", re.I)


def _plain(text: str) -> str:
    return " ".join(re.findall(r"[^\W_]+", text.lower()))


@register
class VagueLinkText(Rule):
    """KP401: link text that says nothing about where the link goes."""

    code = "KP401"
    name = "vague-link-text"
    severity = Severity.ERROR
    summary = "Link text says nothing about where the link goes."
    explanation = """\
Screen-reader users often list a page's links and pick one by its text; everyone scans
links to decide where to go. "Click here", "this" or a bare web address say nothing, and
a printed handout cannot be clicked at all. WCAG 2.4.4 asks that a link's purpose be clear
from its text.

Write what the reader gets: "the FDA's Spravato safety page", "Part 2: treatment-resistant
depression". Flagged: link text from the language's list, empty link text, or a web
address as the text."""

    def check(self, part: PartText) -> Iterator[Finding]:
        """Flag links whose text is empty, vague ("click here") or a bare address."""
        vague = part.words.vague_links
        for node, lines in part.blocks():
            if not isinstance(node, tree.Link | tree.CrossReference | tree.FileLink):
                continue
            text = shown_text(node).strip()
            what = None
            if not text:
                what = "has no text"
            elif _plain(text) in vague:
                what = f"“{text}” says nothing about where it goes"
            elif _URL.match(text) or (isinstance(node, tree.Link) and text == node.href):
                what = "shows a bare web address"
            if what:
                at = part.locate(lines, text) if text else part.start_of(lines)
                yield self.finding(part, at, f"link text {what}; name what the reader gets")


def _images(part: PartText) -> Iterator[tuple[tree.Image, list[str],
                                              tuple[int, int] | None]]:
    """Each image, with what captions it and the lines of its block.

    A caption is the image's title, the rest of the paragraph it is in, or, for an image alone in
    its paragraph, the paragraph right after it (the usual caption line under a figure).
    """
    for node, lines in part.blocks():
        if isinstance(node, tree.Cell | tree.Heading | tree.Term):
            for image in _within(node):
                yield image, [image.title] if image.title else [], node.lines or lines
        elif isinstance(node, tree.Parent) and not isinstance(node, tree.Paragraph):
            for i, child in enumerate(node.children):
                if isinstance(child, tree.Paragraph):
                    yield from _in_paragraph(child, node.children[i + 1:], lines)


def _in_paragraph(paragraph: tree.Paragraph, following: tuple[tree.Node, ...],
                  lines: tuple[int, int] | None
                  ) -> Iterator[tuple[tree.Image, list[str], tuple[int, int] | None]]:
    beside = shown_text(paragraph)
    nxt = next((c for c in following if not isinstance(c, tree.Text) or c.text.strip()),
               None)
    after = shown_text(nxt) if isinstance(nxt, tree.Paragraph) and not beside.strip() else ""
    for image in _within(paragraph):
        captions = [c for c in (image.title or "", beside, after) if c.strip()]
        yield image, captions, paragraph.lines or lines


def _within(node: tree.Node) -> list[tree.Image]:
    """The images in a block, also inside links and emphasis."""
    return [n for n in tree.walk(node) if isinstance(n, tree.Image)]


def _image_at(part: PartText, image: tree.Image, lines: tuple[int, int] | None
              ) -> tuple[int, int]:
    return part.locate(lines, image.alt if image.alt.strip() else image.src)


@register
class MissingAlt(Rule):
    """KP402: an image without alt text."""

    code = "KP402"
    name = "missing-alt-text"
    severity = Severity.ERROR
    summary = "An image has no alt text."
    explanation = """\
Alt text is what a screen reader says for an image, what the EPUB and the plain-text
edition show in its place, and what a reader sees when it fails to load. An image of
the series teaches something, so it needs words: say what the image shows and what it
means ("A flow diagram: ketamine blocks NMDA receptors, then ...").

Write the alt text in the brackets: `![what it shows](assets/diagram.svg)`."""

    def check(self, part: PartText) -> Iterator[Finding]:
        """Flag each image whose alt text is empty."""
        for image, _, lines in _images(part):
            if not image.alt.strip():
                yield self.finding(part, _image_at(part, image, lines),
                                   f"image {image.src!r} has no alt text; say what it shows")


@register
class AltRepeatsCaption(Rule):
    """KP403: alt text that repeats the image's caption."""

    code = "KP403"
    name = "alt-repeats-caption"
    severity = Severity.ERROR
    summary = "Alt text repeats the image's caption."
    explanation = """\
A screen reader reads the alt text and then the caption: when they are the same, the
reader hears it twice and learns nothing more. The caption says what the image is for;
the alt text says what it shows.

Flagged: alt text equal (case, spacing and punctuation aside) to the image's title, to the
text beside it in its paragraph, or, for an image alone in its paragraph, to the paragraph
right after it (the caption line under a figure)."""

    def check(self, part: PartText) -> Iterator[Finding]:
        """Flag each image whose alt text is its caption."""
        for image, captions, lines in _images(part):
            alt = _plain(image.alt)
            if alt and any(_plain(c) == alt for c in captions):
                yield self.finding(part, _image_at(part, image, lines),
                                   "alt text repeats the caption; describe what the image "
                                   "shows instead")


@register
class AltSaysImage(Rule):
    """KP404: alt text that starts with "image of" or the like."""

    code = "KP404"
    name = "alt-says-image"
    severity = Severity.ERROR
    summary = "Alt text starts with \"image of\", \"picture of\" or the like."
    explanation = """\
A screen reader already says "image" (or "graphic") before the alt text, so "image of"
is heard twice and delays what matters. Start with what the image shows: "A flow
diagram ..." rather than "Picture of a flow diagram ...". The phrases come from the
language's list."""

    def check(self, part: PartText) -> Iterator[Finding]:
        """Flag each image whose alt text starts with a prefix a screen reader already says."""
        prefixes = part.words.alt_prefixes
        for image, _, lines in _images(part):
            alt = _plain(image.alt)
            said = next((p for p in prefixes if alt == p or alt.startswith(p + " ")), None)
            if said:
                yield self.finding(part, _image_at(part, image, lines),
                                   f"alt text starts with “{said}”; start with what the "
                                   "image shows")
