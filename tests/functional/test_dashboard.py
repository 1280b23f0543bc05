"""The workload dashboard: a seeded month equals a hand calculation; the CSV is the table; clinicians see no
one's load; a month costs two round trips; charts are SVG the CSP allows."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import UTC, datetime

import pytest

from chalicelib.models.db import observe_calls
from chalicelib.services import counting, overdue, stream
from scripts.world import reply_as_staff, send_as_patient
from tests.support import storage
from tests.support.http import body_json, page_text


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC)  # London is on UTC in December; the world is from 25 Nov


def deliver(results) -> None:
    """What the table's stream hands the counting consumer for these stored messages (each batch twice)."""
    images = [item.serialize() for r in results for item in (r.message, r.auto_reply) if item is not None]
    consumer = [c for c in stream.CONSUMERS if c.__name__ == "_counters"]
    assert consumer, "the counting consumer is registered with the stream"
    for _ in range(2):  # Lambda may deliver a batch again: nothing is counted twice
        stream.handle_inserts(images, at(31, 12), consumers=consumer)


@pytest.fixture
def seeded_month(world, pinned_clock):
    """December 2026 in team X (Mon-Fri 09:00-17:00, reply within 1 working day), worked out by hand below."""
    results = [
        send_as_patient(world, "patient_a", "sensor question", at(7, 10)),        # open; due Tue 8 17:00
        reply_as_staff(world, "clinician_x", "patient_a", "answer", at(7, 11)),    # 1 h, in target
        send_as_patient(world, "patient_b", "evening question", at(8, 20)),       # closed: auto-reply; due Thu 10 17:00
        reply_as_staff(world, "lead_x", "patient_b", "answer", at(9, 9, 30)),      # 13 h 30 min, in target
        send_as_patient(world, "patient_a", "weekend", at(12, 12)),                # closed: auto-reply; due Tue 15 17:00
        send_as_patient(world, "patient_a", "weekend again", at(12, 12, 30)),      # closed: no second auto-reply
    ]
    for when in (at(15, 18), at(16, 9)):  # A's conversation is overdue at both sweeps
        pinned_clock.set(when)
        overdue.run_sweep(when)
    results += [
        reply_as_staff(world, "clinician_x", "patient_a", "sorry", at(16, 10)),    # 94 h, late
        send_as_patient(world, "patient_b", "morning", at(17, 9)),                # open (09:00 is open)
        reply_as_staff(world, "clinician_x", "patient_b", "answer", at(17, 9, 5)), # 5 min, in target
        reply_as_staff(world, "clinician_x", "patient_b", "and more", at(17, 9, 10)),  # answers nothing new
    ]
    pinned_clock.set(at(16, 10, 15))
    overdue.run_sweep(at(16, 10, 15))  # nothing overdue now
    deliver(results)
    pinned_clock.set(at(31, 12))
    return world


def test_a_seeded_month_equals_the_hand_calculation(api, seeded_month):
    world = seeded_month
    view = body_json(api.get(f"/api/staff/teams/{world.team_x}/dashboard?month=2026-12", "lead_x"))
    figures = view["figures"]
    assert (figures["messages_in"], figures["messages_in_closed"], figures["messages_out"]) == (5, 3, 5)
    assert figures["closed_share"] == 60.0
    assert (figures["answered"], figures["answered_in_target"], figures["in_target_share"]) == (4, 3, 75.0)
    # reply times 300, 3600, 48600, 338400 s: median (3600 + 48600) / 2; 90th percentile the 4th of 4
    assert figures["median_reply_seconds"] == 26100 and figures["median_reply_text"] == "7 h 15 min"
    assert figures["p90_reply_seconds"] == 338400 and figures["p90_reply_text"] == "3 days 22 h"
    assert figures["auto_replies"] == [{"kind": "out_of_hours", "label": "Out of hours", "count": 2}]
    assert [(c["name"], c["replied"]) for c in view["clinicians"]] == [("Carl (Specialist nurse)", 4),
                                                                      ("Lena (Consultant)", 1)]
    days = {row[0]: row for row in view["table"]["rows"]}
    assert days["2026-12-07"] == ["2026-12-07", "1", "0", "1", "1", "1", "60", "none", "none"]
    assert days["2026-12-12"][1:3] == ["2", "2"]
    assert days["2026-12-15"][7:] == ["1", "1"] and days["2026-12-16"][7:] == ["1", "0"]  # most, and at day's end
    assert days["2026-12-17"][1:7] == ["1", "0", "2", "1", "1", "5"]
    assert len(view["table"]["rows"]) == 31


def test_the_csv_download_is_the_day_by_day_table(api, seeded_month):
    world = seeded_month
    page = page_text(api.get(f"/staff/teams/{world.team_x}/dashboard?month=2026-12", "lead_x"))
    table = re.search(r'<table class="nhsuk-table" id="table-days">(.*?)</table>', page, re.S).group(1)
    shown = [[html.unescape(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)]
             for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)]
    download = api.get(f"/staff/teams/{world.team_x}/dashboard/download?month=2026-12", "lead_x")
    assert download.status_code == 200 and download.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in download.headers["Content-Disposition"]
    assert list(csv.reader(io.StringIO(page_text(download)))) == shown
    assert len(shown) == 32 and shown[0][0] == "Day"


def test_clinicians_read_the_teams_figures_but_no_ones_load(api, seeded_month):
    world = seeded_month
    lead_page = page_text(api.get(f"/staff/teams/{world.team_x}/dashboard?month=2026-12", "lead_x"))
    page = page_text(api.get(f"/staff/teams/{world.team_x}/dashboard?month=2026-12", "clinician_x"))
    assert "Each clinician" in lead_page and "Carl (Specialist nurse)" in lead_page
    assert "Each clinician" not in page and "Carl (Specialist nurse)" not in page and "Lena" not in page
    assert 'data-figure="messages_in">5<' in page
    view = body_json(api.get(f"/api/staff/teams/{world.team_x}/dashboard?month=2026-12", "clinician_x"))
    assert "clinicians" not in view and all(p["id"] != "clinicians" for p in view["panels"])
    assert api.get(f"/staff/teams/{world.team_x}/dashboard", "clinician_y").status_code == 404


def test_the_charts_are_svg_with_tables_and_nothing_the_csp_refuses(api, seeded_month):
    world = seeded_month
    page = page_text(api.get(f"/staff/teams/{world.team_x}/dashboard?week=2026-12-07", "lead_x"))
    assert page.count('<svg class="tl-chart"') == 6 and page.count('role="img" aria-labelledby="chart-') == 6
    assert "style=" not in page and "<style" not in page and page.count("<script") == 1  # the app's own module
    assert page.count("Show as a table") == 6
    assert "No data recorded yet" not in page  # every panel is recorded: red flags and the ladder too
    assert "0 red-flag messages" in page and "0 agreed plans, 0 caps, 0 pauses" in page


def test_a_month_costs_the_session_and_one_query(api, seeded_month):
    world = seeded_month
    api.get(f"/staff/teams/{world.team_x}/dashboard?month=2026-12", "lead_x")  # a first read may refresh the session
    with observe_calls() as calls:
        assert api.get(f"/staff/teams/{world.team_x}/dashboard?month=2026-12", "lead_x").status_code == 200
    assert calls.calls == ["BatchGetItem", "Query"]


def test_a_period_that_is_not_one_is_a_clear_error(api, world):
    for query in ("month=2026-13", "week=soon", "month=2026-12&week=2026-12-07"):
        response = api.get(f"/api/staff/teams/{world.team_x}/dashboard?{query}", "lead_x")
        assert response.status_code == 400, query
    page = api.get(f"/staff/teams/{world.team_x}/dashboard?month=2026-13", "lead_x")
    assert page.status_code == 400 and "2026-11" in page_text(page)


def test_the_backfill_rebuilds_what_the_stream_counted(seeded_month):
    world = seeded_month
    before = storage.team_days(world.team_x, at(1, 0).date(), at(31, 0).date())
    counting.recount_all()
    after = storage.team_days(world.team_x, at(1, 0).date(), at(31, 0).date())
    assert after == before and sum(d.counts.get("in", 0) for d in after) == 5


def test_claims_assignments_and_escalations_reach_each_clinicians_load_and_survive_a_recount(api, world,
                                                                                          pinned_clock):
    """The workflow's event notes reach the counting consumer through the stream; the lead sees who carries what."""
    from chalicelib.models import db
    from chalicelib.models.base import MainItem
    from chalicelib.models.notes import NoteItem
    now = at(8, 10)
    pinned_clock.set(now)
    send_as_patient(world, "patient_a", "question", now)
    send_as_patient(world, "patient_b", "another", now)
    conv = f"/staff/teams/{world.team_x}/patients/{{}}".format
    steps = [("clinician_x", "patient_a", "claim", {}),
             ("lead_x", "patient_b", "assign", {"staff_id": world.staff["clinician_x"]}),
             ("clinician_x", "patient_a", "escalate", {"staff_id": world.staff["lead_x"], "reason": "Ketones high"}),
             ("lead_x", "patient_a", "notes", {"note": "Rang mum"})]
    for persona, patient, step, form in steps:
        response = api.post(f"{conv(world.patients[patient])}/{step}", persona, form=form)
        assert response.status_code == 303, (step, response.body[:200])
    with db.storage():
        notes = [item for patient in ("patient_a", "patient_b")
                 for item in MainItem.query(f"CONV#{world.team_x}#{world.patients[patient]}")
                 if isinstance(item, NoteItem)]
    assert len(notes) == 4
    consumer = [c for c in stream.CONSUMERS if c.__name__ == "_counters"]
    for _ in range(2):  # delivered twice: counted once
        stream.handle_inserts([n.serialize() for n in notes], at(31, 12), consumers=consumer)

    def load() -> dict[str, int]:
        days = storage.team_days(world.team_x, at(8, 0).date(), at(8, 0).date())
        return {k: v for d in days for k, v in d.counts.items() if k.startswith(("claimed:", "escalated:"))}

    x, lead = world.staff["clinician_x"], world.staff["lead_x"]
    assert load() == {f"claimed:{x}": 2, f"escalated:{lead}": 1}
    counting.recount_all()  # the backfill finds the same in the stored notes
    assert load() == {f"claimed:{x}": 2, f"escalated:{lead}": 1}
    pinned_clock.set(at(31, 12))
    page = page_text(api.get(f"/staff/teams/{world.team_x}/dashboard?period=2026-12", "lead_x"))
    assert "Claims and escalations are not recorded yet" not in page
