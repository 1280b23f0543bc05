"""A filed conversation as a person reads it: the transcript's contents, and its PDF. Pure: no I/O.

The same ``Transcript`` feeds the HTML page (printed with the print stylesheet) and the PDF, so the two
never disagree. The PDF is made with fpdf2 (pure Python; imported only here, on first use) using the
DejaVu Sans font shipped in ``domain/fonts`` (Bitstream Vera licence), so Lambda needs no system
libraries and names and messages in any European script print as written. A character the font has no
shape for (an emoji, say) is printed as its Unicode name in brackets, "[red heart]", never dropped: the
transcript is part of a clinical record, and the FHIR bundle keeps the exact text.

Layout is done here, not by fpdf2's ``multi_cell``: its line breaking measures a growing line afresh
for every character, which took 7 s for 5,000 messages; wrapping words with cached widths and placing
lines with ``text()`` takes a quarter of a second.
"""

from __future__ import annotations

import os
import unicodedata
import warnings
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

#: What each kind of message is, in the record. Nothing else (an internal note, say) is ever filed.
KIND_NOTES = {
    "patient": "",
    "staff": "",
    "auto": "Automatic reply: sent by Teamline, not written or read by a person",
    "system": "Notice from Teamline (not written by a person)",
}
FONT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fonts")


class RecordPatient(NamedTuple):
    """Who the record is about, as at the time of filing."""

    patient_id: str
    given_name: str
    family_name: str
    date_of_birth: str  # YYYY-MM-DD
    nhs_number: str | None

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}"


class RecordMessage(NamedTuple):
    """One filed message: who wrote it, when, and what it said."""

    message_id: str
    sender_kind: str  # patient | staff | auto | system
    sender_id: str | None
    author: str  # "Maya Patel (patient)", "Sam Okafor, Specialist nurse", "Teamline"
    body: str
    sent_at: datetime


class ExportContext(NamedTuple):
    """What an export is and whom it is about."""

    export_id: str
    filed_at: datetime
    filed_by: str
    team_id: str
    team_name: str
    timezone: str
    patient: RecordPatient
    #: The message just before the first one filed here (filed earlier), for the reply chain; None at the start.
    previous_message_id: str | None = None


class Entry(NamedTuple):
    """One message as printed."""

    message_id: str
    when: str
    author: str
    note: str
    body: str
    automatic: bool


class Transcript(NamedTuple):
    """Everything the printed transcript shows."""

    title: str
    details: list[tuple[str, str]]
    entries: list[Entry]


def check_kinds(messages: Sequence[RecordMessage]) -> None:
    """Refuse anything that is not a message of the conversation (an internal note must never be filed)."""
    for message in messages:
        if message.sender_kind not in KIND_NOTES:
            raise ValueError(f"not a message of the conversation: {message.sender_kind!r}")


def _when(at: datetime, zone: ZoneInfo) -> str:
    local = at.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M}"


def _day(at: datetime, zone: ZoneInfo) -> str:
    local = at.astimezone(zone)
    return f"{local.day} {local:%B %Y}"


def date_of_birth_text(value: str) -> str:
    """A date of birth as a person reads it ("1 April 2009")."""
    try:
        born = date.fromisoformat(value)
    except ValueError:
        return value
    return f"{born.day} {born:%B %Y}"


def nhs_number_text(value: str | None) -> str:
    """An NHS number in the 3-3-4 groups people read it in, or "Not known"."""
    if not value:
        return "Not known"
    digits = "".join(ch for ch in value if ch.isdigit())
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}" if len(digits) == 10 else value


def transcript(ctx: ExportContext, messages: Sequence[RecordMessage]) -> Transcript:
    """The printed transcript of the messages one export filed, oldest first."""
    check_kinds(messages)
    zone = ZoneInfo(ctx.timezone)
    period = (f"{_day(messages[0].sent_at, zone)} to {_day(messages[-1].sent_at, zone)}" if messages else "No messages")
    details = [
        ("Patient", ctx.patient.name),
        ("Date of birth", date_of_birth_text(ctx.patient.date_of_birth)),
        ("NHS number", nhs_number_text(ctx.patient.nhs_number)),
        ("Team", ctx.team_name),
        ("Messages from", period),
        ("Number of messages", str(len(messages))),
        ("Filed by", f"{ctx.filed_by}, {_when(ctx.filed_at, zone)}"),
        ("Export", ctx.export_id),
    ]
    entries = [Entry(m.message_id, _when(m.sent_at, zone), m.author, KIND_NOTES[m.sender_kind], m.body,
                     m.sender_kind == "auto") for m in messages]
    return Transcript(f"Messages with {ctx.team_name}", details, entries)


# --- PDF ----------------------------------------------------------------------------------------------------

PAGE_MARGIN_MM = 15
LINE_MM = 5.0
BODY_PT = 10
SMALL_PT = 8.5


def printable(text: str, has_glyph: Callable[[int], bool]) -> str:
    """``text`` with each character the font cannot draw replaced by its name in brackets."""
    if all(has_glyph(ord(ch)) for ch in text):
        return text
    out = []
    for ch in text:
        if has_glyph(ord(ch)) or ch in "\n\t":
            out.append(ch)
        elif unicodedata.category(ch) in ("Mn", "Cf"):  # joiners and variation selectors print as nothing
            continue
        else:
            out.append(f"[{unicodedata.name(ch, f'U+{ord(ch):04X}').lower()}]")
    return "".join(out)


class _Writer:
    """Places wrapped lines on A4 pages, numbering them "Page n of N"."""

    def __init__(self, title: str) -> None:
        with warnings.catch_warnings():  # the Lambda package leaves Pillow out: transcripts have no images
            warnings.filterwarnings("ignore", message="Pillow could not be imported")
            from fpdf import FPDF  # imported only when a PDF is made: ~0.3 s, and never on other routes

        class _Pdf(FPDF):  # type: ignore[misc]
            def footer(self) -> None:
                self.set_y(-10)
                self.set_font("body", size=SMALL_PT)
                self.cell(0, 4, f"{title} · Page {self.page_no()} of {{nb}}", align="C")

        self.pdf = _Pdf(format="A4", unit="mm")
        self.pdf.set_auto_page_break(False)
        self.pdf.set_margins(PAGE_MARGIN_MM, PAGE_MARGIN_MM, PAGE_MARGIN_MM)
        self.pdf.add_font("body", "", os.path.join(FONT_DIR, "DejaVuSans.ttf"))
        self.pdf.add_font("body", "B", os.path.join(FONT_DIR, "DejaVuSans-Bold.ttf"))
        self.pdf.alias_nb_pages()
        self.pdf.set_title(title)
        self.widths: dict[tuple[str, float, str], float] = {}
        self.pdf.add_page()
        self.y = float(PAGE_MARGIN_MM)
        self.style = ""
        self.size = float(BODY_PT)
        self.font("", BODY_PT)

    def font(self, style: str, size: float) -> None:
        self.style, self.size = style, size
        self.pdf.set_font("body", style, size)

    def has_glyph(self, codepoint: int) -> bool:
        return codepoint in getattr(self.pdf.current_font, "cmap", {})

    def width(self, word: str) -> float:
        key = (self.style, self.size, word)
        found = self.widths.get(key)
        if found is None:
            found = self.widths[key] = float(self.pdf.get_string_width(word))
        return found

    def wrap(self, text: str, indent: float = 0.0) -> list[str]:
        """Lines of ``text`` that fit the page width (long words are broken where they must be)."""
        room = self.pdf.epw - indent
        lines: list[str] = []
        for paragraph in printable(text, self.has_glyph).split("\n"):
            line, used = "", 0.0
            for word in paragraph.split(" "):
                for piece in self._pieces(word, room):
                    extra = self.width(piece) + (self.width(" ") if line else 0.0)
                    if line and used + extra > room:
                        lines.append(line)
                        line, used = piece, self.width(piece)
                    else:
                        line, used = (f"{line} {piece}" if line else piece), used + extra
            lines.append(line)
        return lines

    def _pieces(self, word: str, room: float) -> list[str]:
        if self.width(word) <= room:
            return [word]
        pieces, current = [], ""
        for ch in word:
            if current and self.width(current + ch) > room:
                pieces.append(current)
                current = ""
            current += ch
        return [*pieces, current]

    def keep(self, lines: int) -> None:
        """Start a new page unless ``lines`` more fit on this one."""
        if self.y + lines * LINE_MM > self.pdf.h - PAGE_MARGIN_MM - 5:
            self.pdf.add_page()
            self.y = float(PAGE_MARGIN_MM)

    def line(self, text: str, indent: float = 0.0) -> None:
        self.keep(1)
        self.pdf.text(self.pdf.l_margin + indent, self.y + LINE_MM - 1.3, text)
        self.y += LINE_MM

    def gap(self, mm: float = 2.5) -> None:
        self.y += mm

    def output(self) -> bytes:
        return bytes(self.pdf.output())


def transcript_pdf(doc: Transcript, *, created: datetime) -> bytes:
    """The transcript as a PDF (A4, numbered pages), made the same way every time for the same export."""
    writer = _Writer(doc.title)
    writer.pdf.set_creation_date(created)
    writer.font("B", 16)
    writer.line(doc.title)
    writer.gap()
    for label, value in doc.details:
        writer.font("B", BODY_PT)
        label_width = 42.0
        writer.keep(1)
        writer.pdf.text(writer.pdf.l_margin, writer.y + LINE_MM - 1.3, label)
        writer.font("", BODY_PT)
        for i, text in enumerate(writer.wrap(value, label_width)):
            if i:
                writer.keep(1)
            writer.pdf.text(writer.pdf.l_margin + label_width, writer.y + LINE_MM - 1.3, text)
            writer.y += LINE_MM
    writer.gap(5)
    for entry in doc.entries:
        _entry(writer, entry)
    return writer.output()


def _entry(writer: _Writer, entry: Entry) -> None:
    writer.font("B", BODY_PT)
    head = writer.wrap(f"{entry.when} · {entry.author}")
    writer.font("", BODY_PT)
    body = writer.wrap(entry.body, 4)
    writer.keep(min(len(head) + len(body) + (1 if entry.note else 0), 4))  # keep a message's start together
    writer.font("B", BODY_PT)
    for text in head:
        writer.line(text)
    if entry.note:
        writer.font("B", SMALL_PT)
        writer.line(entry.note, 4)
    writer.font("", BODY_PT)
    for text in body:
        writer.line(text, 4)
    writer.gap()

