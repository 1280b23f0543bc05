"""The workload counters the table's stream keeps: each stored item counted once, however the stream delivers it.

The property: after any activity (messages in and out at any hour, replies by any clinician), delivered in
any batches, some of them again (Lambda redelivers a batch that failed), the counters equal both a
recount of the stored messages by hand here and the backfill's recount.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.models.stats import item_digest
from chalicelib.services import counting
from scripts.world import reply_as_staff, send_as_patient
from tests.support import storage

START = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)  # after the world's own instant; a Thursday before opening
LONDON = ZoneInfo("Europe/London")

steps = st.lists(st.tuples(st.sampled_from(["patient_a", "patient_b", "clinician_x", "lead_x"]),
                           st.sampled_from(["patient_a", "patient_b"]), st.integers(min_value=1, max_value=900)),
                 min_size=1, max_size=10)
deliveries = st.lists(st.tuples(st.integers(min_value=1, max_value=6), st.booleans()), min_size=1, max_size=8)


def _hand_count(world) -> Counter:
    """Messages in and out, out-of-hours auto-replies and replies per clinician, per London day, from storage."""
    counted: Counter = Counter()
    for patient in ("patient_a", "patient_b"):
        for m in storage.messages(world.team_x, world.patients[patient]):
            day = m.sent_at.astimezone(LONDON).date()
            if m.sender_kind == "patient":
                counted[(day, "in")] += 1
            elif m.sender_kind == "staff":
                counted[(day, "out")] += 1
                counted[(day, f"replied:{m.sender_id}")] += 1
                counted[(day, "answered")] += int(m.answers_since is not None)
            elif m.sender_kind == "auto":
                counted[(day, f"auto:{m.auto_kind}")] += 1
    return +counted


def _stored_counts(world) -> Counter:
    days = storage.team_days(world.team_x, START.date() - timedelta(days=2), START.date() + timedelta(days=30))
    return +Counter({(d.day, name): value for d in days for name, value in d.counts.items()
                     if name.split(":")[0] in ("in", "out", "replied", "answered", "auto")})


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(activity=steps, batches=deliveries)
def test_counters_equal_a_recount_whatever_the_stream_delivers_and_redelivers(world, pinned_clock, activity, batches):
    images = []
    now = START
    for who, patient, minutes in activity:
        now += timedelta(minutes=minutes)
        if who.startswith("patient"):
            result = send_as_patient(world, who, "a question", now)
        else:
            result = reply_as_staff(world, who, patient, "an answer", now)
        images += [item.serialize() for item in (result.message, result.auto_reply) if item is not None]
    position = 0
    for size, again in batches:  # the stream's batches, some delivered twice
        batch = images[position:position + size]
        counting.count_inserts(batch, now)
        if again:
            assert counting.count_inserts(batch, now).added == 0
        position += size
    counting.count_inserts(images[position:], now)  # the rest
    assert counting.count_inserts(images, now).added == 0  # everything again, as one batch: nothing new
    assert _stored_counts(world) == _hand_count(world)
    streamed = storage.team_days(world.team_x, START.date() - timedelta(days=2), START.date() + timedelta(days=30))
    counting.recount_team(storage.team(world.team_x))
    recounted = storage.team_days(world.team_x, START.date() - timedelta(days=2), START.date() + timedelta(days=30))
    assert [(d.day, d.counts, {k: sorted(v) for k, v in d.samples.items()}, d.labels) for d in streamed] == [
        (d.day, d.counts, {k: sorted(v) for k, v in d.samples.items()}, d.labels) for d in recounted]


def test_items_that_do_not_count_are_ignored_and_a_partly_counted_batch_counts_the_rest(world, pinned_clock):
    first = send_as_patient(world, "patient_a", "one", START + timedelta(hours=4))  # 10:00: open
    second = send_as_patient(world, "patient_a", "two", START + timedelta(hours=5))
    conversation = storage.conversation(world.team_x, world.patients["patient_a"])
    assert counting.count_inserts([conversation.serialize(), first.message.serialize()], START).added == 1
    result = counting.count_inserts([first.message.serialize(), second.message.serialize()], START)
    assert result == counting.CountResult(items=2, added=1)
    (day,) = storage.team_days(world.team_x, START.date(), START.date())
    assert day.counts == {"in": 2}
    assert item_digest(first.message.pk, first.message.sk) != item_digest(second.message.pk, second.message.sk)


def test_the_overdue_sweep_records_its_reading_each_quarter_hour(world, pinned_clock):
    from chalicelib.services import overdue

    send_as_patient(world, "patient_a", "help", START + timedelta(hours=4))  # due the next working day, 17:00
    for when in (START + timedelta(days=1, hours=12), START + timedelta(days=1, hours=12, minutes=5)):
        overdue.run_sweep(when)  # the same quarter hour twice: one reading
    late = START + timedelta(days=1, hours=14)
    overdue.run_sweep(late)
    (day,) = storage.team_days(world.team_x, late.date(), late.date())
    assert day.overdue == {72: 1, 80: 1}  # the quarter hours from 18:00 and 20:00, London time (UTC in November)
