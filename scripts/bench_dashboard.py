"""``make bench``: the workload dashboard's cost for a month: DynamoDB round trips and Teamline's own time.

A month of a busy team's activity (``DAYS`` days, ``PER_DAY`` patient messages a day, each answered) is
counted by the stream consumer as Lambda would hand it over (built as the send services build them), and
the lead's dashboard page for that month is then asked for repeatedly. The target is two round trips:
the session's BatchGetItem (which also fetches the team) and one Query of the month's day counters.
``dashboard_page.p50_ms`` is the whole request in-process against a moto server over HTTP; the Query
reads at most 62 small items (two parts a day), so moto's share does not grow with the table.
"""

from __future__ import annotations

import statistics
import time
from datetime import timedelta
from typing import Any

DAYS = 30
PER_DAY = 24  # the read costs the same whatever the volume: counters, not messages, are read


def _fresh_tables() -> None:
    from chalicelib.models.base import all_models, create_tables

    for model in all_models():  # make bench's other measures built a world in these tables already
        if model.exists():
            model.delete_table()
    create_tables(wait=True)


def _exchange(conversation: Any, at: Any, n: int, staff_id: str) -> list[dict[str, Any]]:
    """A patient's message, an auto-reply when it came at night, and the reply that answered it, as stream images.

    The messages are built as the send services build them but not stored: the dashboard reads only the
    counters, and a month of real sends would time moto's transactions (which copy the table), not Teamline.
    """
    from chalicelib.models.conversation import new_message

    message = new_message(conversation, at, "patient", conversation.patient_id, "Patient", "a question",
                          reply_by=at + timedelta(hours=8))
    reply = new_message(conversation, at + timedelta(minutes=15 + n), "staff", staff_id, "Clinician", "an answer",
                        reply_by=message.reply_by)
    reply.answers_since = at
    items = [message, reply]
    if at.hour >= 17 or at.hour < 9:
        items.append(new_message(conversation, at, "auto", None, "Automatic reply", "closed", auto_kind="out_of_hours"))
    return [item.serialize() for item in items]


def measure(samples: int = 200) -> dict[str, float]:
    """Round trips (the most any request took) and median latency of a month's dashboard page."""
    from chalice.test import Client

    from app import app
    from chalicelib import clock
    from chalicelib.models import conversation as conversation_store
    from chalicelib.models.db import observe_calls
    from chalicelib.services import counting, overdue
    from scripts.world import NOW, build_world, sign_in

    _fresh_tables()
    world = build_world(NOW)
    start = NOW + timedelta(days=6)  # 1 December 2026: a month after the world was made
    conversations = [conversation_store.load(world.team_x, world.patients[p]) for p in ("patient_a", "patient_b")]
    images: list[dict[str, Any]] = []
    for day in range(DAYS):
        for n in range(PER_DAY):
            images += _exchange(conversations[n % 2], start + timedelta(days=day, minutes=40 * n), n,
                                world.staff["clinician_x" if n % 3 else "lead_x"])
        overdue.run_sweep(start + timedelta(days=day, hours=18))
    for first in range(0, len(images), 25):  # the stream's batches, as Lambda hands them over
        counting.count_inserts(images[first:first + 25], start)
    clock.use_clock(clock.FixedClock(start + timedelta(days=DAYS), running=True))
    lead = sign_in(world, "lead_x", start + timedelta(days=DAYS))
    path = f"/staff/teams/{world.team_x}/dashboard?month=2026-12"
    trips: list[int] = []
    elapsed: list[float] = []
    with Client(app, stage_name="test") as client:
        for _ in range(5):  # warm: imports, template compilation, the session's last-seen refresh
            assert client.http.get(path, headers=lead.headers()).status_code == 200
        for _ in range(samples):
            with observe_calls() as counter:
                started = time.perf_counter()
                response = client.http.get(path, headers=lead.headers())
                elapsed.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.body[:300]
            trips.append(counter.total)
    return {"dashboard_page.round_trips": max(trips), "dashboard_page.p50_ms": round(statistics.median(elapsed), 2)}
