"""Reading age of the words a young person reads: text blocks from pages and code, scored with ``textstat``.

What a *text block* is (decided once, here):

* on a page, each paragraph, list item, heading, label, legend, hint, error message, button, table cell
  and link that stands on its own: the smallest element that holds running text (a link or a <strong>
  inside a paragraph is part of the paragraph); text a person wrote (message bodies), names and times of
  messages, and codes are data, not our words, and are left out;
* in code, each string as a person sees it: an error message, a notification, each paragraph of an
  auto-reply (shown as separate paragraphs), each sentence a page script writes.

How a block is scored: the Flesch-Kincaid grade, which must be at most 6 (a reading age of about 11).
The formula needs running text: on a block of a few words its sentence-length term means nothing and one
long word decides everything ("Notifications" alone is grade 44). So a block of fewer than
``MIN_WORDS`` words is held to the rule that drives the formula, one word at a time: no word of four or
more syllables, except the few words the service cannot do without (``GLOSSARY``), which it explains.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import NamedTuple

MAX_GRADE = 6.0
MIN_WORDS = 10
MAX_SYLLABLES = 3
#: Words a young person meets in Teamline that have no shorter name; each is explained where it appears.
GLOSSARY = frozenset({"notification", "notifications", "emergency", "emergencies", "teamline"})

#: Elements whose text is data (what people wrote, names, times, codes) or not shown as text.
SKIP_CLASSES = frozenset({"tl-message__body", "tl-message__meta", "tl-code", "tl-account-bar__name",
                          "tl-clock-banner"})
SKIP_TAGS = frozenset({"script", "style", "template", "textarea", "svg"})
VOID = frozenset({"br", "input", "img", "meta", "link", "hr", "source", "wbr", "area", "base", "col", "embed"})
#: Inside another element their text is part of it (a link in a paragraph); every other element is a block.
INLINE = frozenset({"a", "strong", "span", "em", "b", "i", "abbr", "small", "code"})


class Block(NamedTuple):
    where: str
    text: str


class _Collector(HTMLParser):
    """Each element's own text (its inline children's included) as one block."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool, list[str]]] = []  # (tag, skipped, text parts)
        self.blocks: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID:
            return
        classes = set((dict(attrs).get("class") or "").split())
        inherited = bool(self.stack) and self.stack[-1][1]
        self.stack.append((tag, inherited or tag in SKIP_TAGS or bool(classes & SKIP_CLASSES), []))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        while self.stack:
            open_tag, skipped, parts = self.stack.pop()
            text = " ".join(" ".join(parts).split())
            if not skipped and text:
                if open_tag in INLINE and self.stack:
                    self.stack[-1][2].append(text)
                else:
                    self.blocks.append(text)
            if open_tag == tag:
                return

    def handle_data(self, data: str) -> None:
        if self.stack and not self.stack[-1][1]:
            self.stack[-1][2].append(data)


#: What stands in for a name a team chose (data, not our words) when a page is read.
NAME = "Skin"


def page_blocks(where: str, html: str, names: tuple[str, ...] = ()) -> list[Block]:
    """The text blocks of a rendered page (its title and body), with each of ``names`` read as a short name."""
    for name in names:
        html = html.replace(name, NAME)
    collector = _Collector()
    collector.feed(html)
    collector.close()
    return [Block(where, text) for text in collector.blocks if re.search(r"[A-Za-z]", text)]


class Verdict(NamedTuple):
    block: Block
    problem: str  # "" when the block passes


def judge(block: Block) -> Verdict:
    """Score one block (see the module docstring)."""
    import textstat

    words = re.findall(r"[A-Za-z][A-Za-z'’-]*", block.text)
    if len(words) >= MIN_WORDS:
        grade = float(textstat.flesch_kincaid_grade(block.text))
        return Verdict(block, f"grade {grade:.1f}" if grade > MAX_GRADE else "")
    long = sorted({w for w in words if w.lower() not in GLOSSARY and textstat.syllable_count(w) > MAX_SYLLABLES})
    return Verdict(block, f"long words: {', '.join(long)}" if long else "")


def failures(blocks: list[Block]) -> list[Verdict]:
    """The blocks that are too hard to read (each once, however many pages show it)."""
    seen: set[str] = set()
    failed = []
    for block in blocks:
        if block.text in seen:
            continue
        seen.add(block.text)
        verdict = judge(block)
        if verdict.problem:
            failed.append(verdict)
    return failed


def report(failed: list[Verdict]) -> str:
    return f"{len(failed)} text block(s) are above a reading age of about 11:\n" + "\n".join(
        f"- [{v.block.where}] {v.problem}: {v.block.text!r}" for v in failed)
