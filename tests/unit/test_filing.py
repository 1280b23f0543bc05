"""Filing (``chalicelib.domain.filing``) and what an export contains (``transcript``, ``fhir_export``).

The property tests generate conversations (patient messages, replies, automatic replies, Teamline notices and
internal notes interleaved), file them in random steps (everything unfiled, or a date range), and check
against a plain set-based model: every message is filed by exactly one export, never before it existed, and
an export's transcript and FHIR bundle hold exactly its messages, in order, and no internal note.
"""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain import filing
from chalicelib.domain.fhir_export import NHS_NUMBER_SYSTEM, bundle_dict, fhir_bundle
from chalicelib.domain.transcript import (
    ExportContext,
    RecordMessage,
    RecordPatient,
    check_kinds,
    printable,
    transcript,
    transcript_pdf,
)

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
PATIENT = RecordPatient("p1", "Maya", "Patel", "2009-04-01", "9434765919")
KINDS = ("patient", "staff", "auto", "system", "note")
texts = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=80).map(str.strip) \
    .filter(bool)


def _sk(at: datetime, n: int) -> str:
    return f"MSG#{at.strftime('%Y-%m-%dT%H:%M:%S.%fZ')}#{n:026d}"


@st.composite
def conversations(draw: st.DrawFn) -> list[tuple[str, str, datetime, str]]:
    """(sort key, kind, stamped, text), oldest first; notes are kept among the messages, as a note item might be."""
    count = draw(st.integers(min_value=0, max_value=40))
    gaps = draw(st.lists(st.integers(min_value=1, max_value=3 * 24 * 60), min_size=count, max_size=count))
    items, at = [], START
    for n, gap in enumerate(gaps):
        at += timedelta(minutes=gap)
        kind = draw(st.sampled_from(KINDS))
        items.append((_sk(at, n), kind, at, f"INTERNAL-NOTE-{n}" if kind == "note" else draw(texts)))
    return items


def _context(export_id: str = "e1") -> ExportContext:
    return ExportContext(export_id, START + timedelta(days=400), "Sam Okafor", "t1", "Young Adult Diabetes Service",
                         "Europe/London", PATIENT)


def _record(items: list[tuple[str, str, datetime, str]]) -> list[RecordMessage]:
    return [RecordMessage(sk[-26:], kind, "s1" if kind == "staff" else None, "Sam Okafor (Nurse)", text, at)
            for sk, kind, at, text in items]


steps = st.lists(st.one_of(st.none(), st.tuples(st.integers(0, 60), st.integers(0, 10))), min_size=1, max_size=6)


@given(conversations(), steps)
@settings(max_examples=300, deadline=None)
def test_every_message_is_filed_by_exactly_one_export_and_only_unfiled_ones_are_taken(conversation, plan_steps):
    messages = [(sk, at) for sk, kind, at, _ in conversation if kind != "note"]  # what the model layer reads
    stamped = [filing.Stamped(sk, at) for sk, at in messages]
    ranges: list[filing.Range] = []
    filed_by: dict[str, int] = {}
    for step, choice in enumerate(plan_steps):
        start = end = None
        if choice is not None:
            start = START + timedelta(days=choice[0])
            end = start + timedelta(days=choice[1])
        plan = filing.plan_filing(stamped, ranges, start=start, end=end)
        expected = [i for i, (sk, at) in enumerate(messages) if sk not in filed_by
                    and (start is None or at >= start) and (end is None or at <= end)]
        assert plan.chosen == expected
        if plan.span is not None:
            # What the export holds can be worked out again from its span and what was filed before it.
            assert filing.members([sk for sk, _ in messages], plan.span, ranges) == expected
        for i in plan.chosen:
            filed_by[messages[i][0]] = step
        ranges = plan.ranges
        assert all(filing.is_filed(sk, ranges) == (sk in filed_by) for sk, _ in messages)
        unfiled = [at for sk, at in messages if sk not in filed_by]
        assert plan.unfiled_since == (unfiled[0] if unfiled else None)
    # A message stored later (always after the last) is never filed already.
    later = _sk(messages[-1][1] + timedelta(microseconds=1), 99) if messages else _sk(START, 99)
    assert not filing.is_filed(later, ranges)
    assert ranges == sorted(ranges) and all(a <= b for a, b in ranges)


@given(conversations())
@settings(max_examples=60, deadline=None)
def test_the_transcript_and_bundle_hold_every_filed_message_in_order_and_no_internal_note(conversation):
    messages = [item for item in conversation if item[1] != "note"]
    notes = [text for _, kind, _, text in conversation if kind == "note"]
    chosen = _record(messages)
    doc = transcript(_context(), chosen)
    assert [e.body for e in doc.entries] == [m.body for m in chosen]
    assert [e.automatic for e in doc.entries] == [m.sender_kind == "auto" for m in chosen]
    bundle = json.loads(fhir_bundle(_context(), chosen))
    communications = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Communication"]
    assert [c["payload"][0]["contentString"] for c in communications] == [m.body for m in chosen]
    assert [c["identifier"][0]["value"] for c in communications] == [m.message_id for m in chosen]
    automatic = [c["category"][0]["coding"][0]["code"] == "automatic-reply" for c in communications]
    assert automatic == [m.sender_kind == "auto" for m in chosen]
    text = json.dumps(bundle, ensure_ascii=False) + json.dumps(doc, ensure_ascii=False, default=str)
    assert not any(note in text for note in notes) and "INTERNAL-NOTE" not in text


def test_an_internal_note_is_refused_outright():
    with pytest.raises(ValueError, match="not a message"):
        check_kinds([RecordMessage("m1", "note", "s1", "Sam", "Internal", START)])


def test_the_bundle_parses_back_and_names_the_patient_by_nhs_number():
    from fhir.resources.R4B.bundle import Bundle

    chosen = _record([(_sk(START, 1), "patient", START, "Hello"), (_sk(START, 2), "staff", START, "Hi Maya")])
    bundle = Bundle.model_validate_json(fhir_bundle(_context(), chosen))
    patient = bundle.entry[0].resource
    assert patient.identifier[0].system == NHS_NUMBER_SYSTEM and patient.identifier[0].value == "9434765919"
    reply = bundle.entry[-1].resource
    assert reply.sender.reference == next(e.fullUrl for e in bundle.entry if e.resource.get_resource_type() == "Practitioner")
    assert reply.inResponseTo[0].reference == bundle.entry[-2].fullUrl
    assert bundle_dict(_context(), chosen) == bundle_dict(_context(), chosen)  # the same export, the same bundle


@given(st.lists(texts, min_size=1, max_size=12))
@settings(max_examples=15, deadline=None)
def test_the_pdf_holds_every_message_in_order(bodies):
    from pypdf import PdfReader

    chosen = _record([(_sk(START + timedelta(minutes=i), i), "patient", START + timedelta(minutes=i), body)
                      for i, body in enumerate(bodies)])
    data = transcript_pdf(transcript(_context(), chosen), created=START)
    footer = re.compile(r"^Messages with .* · Page \d+ of \d+$", re.M)  # each page's, amid a message that spans two
    text = "".join("".join(footer.sub("", page.extract_text()).split()) for page in PdfReader(io.BytesIO(data)).pages)
    position = 0
    for body in bodies:
        shown = "".join(printable(body, _font_has).split())
        found = text.find(shown, position)
        assert found >= 0, (body, shown)
        position = found + len(shown)


def _font_has(codepoint: int) -> bool:
    from fontTools.ttLib import TTFont

    global _CMAP
    if _CMAP is None:
        from chalicelib.domain.transcript import FONT_DIR

        _CMAP = set(TTFont(f"{FONT_DIR}/DejaVuSans.ttf").getBestCmap())
    return codepoint in _CMAP


_CMAP: set[int] | None = None


def test_characters_the_font_cannot_draw_are_named_not_dropped():
    assert printable("Feeling 😀 ok", lambda cp: cp < 0x2000) == "Feeling [grinning face] ok"
    assert printable("Łódź", lambda cp: True) == "Łódź"


def test_a_transcript_page_of_5000_messages_is_numbered_and_quick():
    import time

    from pypdf import PdfReader

    many = _record([(_sk(START + timedelta(minutes=i), i), "patient", START + timedelta(minutes=i),
                     f"Message {i} about insulin and how the day went") for i in range(5000)])
    started = time.perf_counter()
    data = transcript_pdf(transcript(_context(), many), created=START)
    assert time.perf_counter() - started < 10  # ~0.5 s here; multi_cell took 7 s
    reader = PdfReader(io.BytesIO(data))
    assert f"Page {len(reader.pages)} of {len(reader.pages)}" in reader.pages[-1].extract_text()
