"""``make bench``: the workload dashboard's cost for a month: DynamoDB round trips and Teamline's own time.

A month of a busy team's activity (``DAYS`` days, ``PER_DAY`` patient messages a day, each answered) is
counted by the stream consumer as Lambda would hand it over (built as the send services build them), and
the lead's dashboard page for that month is then asked for repeatedly. The target is two round trips:
the session's BatchGetItem (which also fetches the team) and one Query of the month's day counters.
``dashboard_page.p50_ms`` is the whole request in-process against a moto server over HTTP, most of it
moto's (its Query walks the whole table, so it grows with the table); ``dashboard_page.own_p50_ms`` is
the same request less the time inside DynamoDB calls: Teamline's own (authorising, summing a month,
drawing six charts, rendering the page).
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
    from app import app
    from chalicelib import clock
    from chalicelib.models import conversation as conversation_store
    from chalicelib.models.base import MainItem
    from chalicelib.models.db import connection, observe_calls
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
    timer = _DynamoTimer()
    # The clients already exist (and botocore gives a session its built-in handlers only when it is made):
    # the timer joins the events of the two clients Teamline's calls go through.
    for client in {id(c): c for c in (MainItem._get_connection().connection.client, connection().client)}.values():
        client.meta.events.register("before-call.dynamodb", timer.before)
        client.meta.events.register("after-call.dynamodb", timer.after)
    trips, elapsed, own = _requests(app, path, lead, samples, timer, observe_calls)
    return {"dashboard_page.round_trips": max(trips), "dashboard_page.p50_ms": round(statistics.median(elapsed), 2),
            "dashboard_page.own_p50_ms": round(statistics.median(own), 2)}


class _DynamoTimer:
    """Wall time inside DynamoDB calls (botocore before-call to after-call), to leave Teamline's own time."""

    def __init__(self) -> None:
        self.total = 0.0
        self._started: list[float] = []

    def before(self, **_: Any) -> None:
        self._started.append(time.perf_counter())

    def after(self, **_: Any) -> None:
        if self._started:
            self.total += time.perf_counter() - self._started.pop()


def _requests(app: Any, path: str, lead: Any, samples: int, timer: _DynamoTimer,
              observe_calls: Any) -> tuple[list[int], list[float], list[float]]:
    from chalice.test import Client

    trips: list[int] = []
    elapsed: list[float] = []
    own: list[float] = []
    with Client(app, stage_name="test") as client:
        for _ in range(5):  # warm: imports, template compilation, the session's last-seen refresh
            assert client.http.get(path, headers=lead.headers()).status_code == 200
        for _ in range(samples):
            timer.total = 0.0
            with observe_calls() as counter:
                started = time.perf_counter()
                response = client.http.get(path, headers=lead.headers())
                whole = time.perf_counter() - started
            assert response.status_code == 200, response.body[:300]
            trips.append(counter.total)
            elapsed.append(whole * 1000)
            own.append((whole - timer.total) * 1000)
    return trips, elapsed, own
