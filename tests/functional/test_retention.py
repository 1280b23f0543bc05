"""Retention: past a Trust's retention, filed messages are deleted and audited; unfiled ones never are."""

from __future__ import annotations

import itertools
from datetime import timedelta

from chalicelib.domain.retention import add_years
from chalicelib.services import filing, retention
from scripts.world import send_as_patient
from tests.support import records as record_support
from tests.support import storage

YEARS_LATER = 9


def _file_all(world, clock, patient="patient_a"):
    return filing.do_file_conversation(record_support.staff_record(world, "clinician_x", patient, clock.now()),
                                       clock.now())


def _ticking():
    """A monotonic clock that moves a second each time it is read (so a budget runs out after a few reads)."""
    counter = itertools.count()
    return lambda: float(next(counter))


def test_past_retention_filed_messages_are_deleted_and_unfiled_ones_kept_flagged_and_audited(world, pinned_clock):
    patient = world.patients["patient_a"]
    send_as_patient(world, "patient_a", "Filed and old", pinned_clock.now())
    export = _file_all(world, pinned_clock)
    pinned_clock.set(pinned_clock.now() + timedelta(minutes=5))
    send_as_patient(world, "patient_a", "Never filed", pinned_clock.now())
    later = add_years(pinned_clock.now(), YEARS_LATER)
    run = retention.run_retention(later)
    assert run.finished
    assert [m.body for m in storage.messages(world.team_x, patient)] == ["Never filed"]
    assert record_support.all_export_keys() == []  # the export's objects went with it
    conv = storage.conversation(world.team_x, patient)
    assert conv.retention_due_at == later and conv.message_count == 1
    events = {e.event_type: e for e in storage.audit_about_patient(patient)}
    assert events["record.deleted_past_retention"].detail["messages"] == 1
    assert events["record.deleted_past_retention"].detail["exports"] == [export.export_id]
    assert events["record.deleted_past_retention"].detail["unfiled_kept"] == 1
    assert events["record.kept_unfiled_past_retention"].detail["unfiled"] == 1
    assert conv.gsi10pk is None  # nothing more to delete until something changes


def test_nothing_is_deleted_before_retention_and_a_child_is_kept_until_their_25th_birthday(world, pinned_clock):
    patient = world.patients["patient_a"]  # born 1 April 2009: 17 on the day (so kept to the 26th birthday)
    send_as_patient(world, "patient_a", "Filed", pinned_clock.now())
    _file_all(world, pinned_clock)
    # 7 years on the years keep it; 8 years and a day on (November 2034) only her 26th birthday (1 April 2035) does.
    for years in (7, 8):
        retention.run_retention(add_years(pinned_clock.now(), years) + timedelta(days=1))
        assert [m.body for m in storage.messages(world.team_x, patient)] == ["Filed"], years
        store_cp = retention.store.checkpoint(retention.JOB)
        store_cp.completed_at = None  # let the next pass start at once
        retention.store.save_checkpoint(store_cp)
    retention.run_retention(pinned_clock.now().replace(year=2035, month=4, day=3))  # past her 26th birthday
    assert storage.messages(world.team_x, patient) == []


def test_a_pass_interrupted_by_its_budget_resumes_from_the_checkpoint(world, pinned_clock):
    for persona in ("patient_a", "patient_b"):
        send_as_patient(world, persona, f"Filed by {persona}", pinned_clock.now())
        _file_all(world, pinned_clock, persona)
    later = add_years(pinned_clock.now(), YEARS_LATER)
    first = retention.run_retention(later, page_size=1, budget_seconds=1.5, monotonic=_ticking())
    assert not first.finished and first.counts == {"deleted": 1}
    remaining = [p for p in ("patient_a", "patient_b") if storage.messages(world.team_x, world.patients[p])]
    assert len(remaining) == 1
    second = retention.run_retention(later, page_size=1, monotonic=_ticking(), budget_seconds=100)
    assert second.finished and second.counts.get("deleted") == 1
    assert all(storage.messages(world.team_x, world.patients[p]) == [] for p in ("patient_a", "patient_b"))
    again = retention.run_retention(later + timedelta(hours=1))
    assert again.finished and again.counts == {}  # a pass runs at most once a day


def test_a_new_message_after_the_job_read_the_conversation_stops_the_deletion(world, pinned_clock):
    patient = world.patients["patient_a"]
    send_as_patient(world, "patient_a", "Old", pinned_clock.now())
    _file_all(world, pinned_clock)
    later = add_years(pinned_clock.now(), YEARS_LATER)
    page = retention.store.retention_page(world.team_x, later)
    conv = next(c for c in page.conversations if c.patient_id == patient)
    send_as_patient(world, "patient_a", "Back again years later", later)  # lands after the job read it
    assert retention.process(conv, world.trust_id, None, 8, later) == "changed"
    assert [m.body for m in storage.messages(world.team_x, patient) if m.sender_kind == "patient"] == [
        "Old", "Back again years later"]


def test_the_retention_job_never_deletes_an_unfiled_message(world, pinned_clock):
    patient = world.patients["patient_a"]
    for text in ("One", "Two", "Three"):
        pinned_clock.set(pinned_clock.now() + timedelta(minutes=1))
        send_as_patient(world, "patient_a", text, pinned_clock.now())
    retention.run_retention(add_years(pinned_clock.now(), 20))
    assert [m.body for m in storage.messages(world.team_x, patient)] == ["One", "Two", "Three"]
    assert not [e for e in storage.audit_about_patient(patient) if e.event_type == "record.deleted_past_retention"]
