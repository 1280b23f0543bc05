"""``make bench``: does an inbox page and a conversation page cost Teamline the same whatever the team's size?

The large case is seeded directly in the table's key layout through the model factories (a team of
2,000 conversations and 100,000 messages, and a conversation of 10,000 messages) beside a small one
(20 conversations and 1,000 messages; a conversation of 100), in the same table and the same run.
Each page is timed end to end and inside its DynamoDB calls (botocore's before-call/after-call on the
clients Teamline uses); Teamline's own time is the difference. moto lists and sorts the whole table
on every Query, so its time grows with the table where DynamoDB's does not: the ratio of Teamline's
own time, large over small, is what carries over. Items read per page come from the Count of each
Query and the Responses of each BatchGetItem.

Every inbox view (All, Unassigned, Mine, Escalated to me, Awaiting patient, Overdue, Follow-up due, Closed) is
seeded at both sizes (the conversations spread over the workflow's states, some held by or escalated to the bench's
clinician) and timed at the large size: its round trips and Teamline's own time.

The small and large pages of a pair are timed one right after the other, in alternating order (small-large, then
large-small), for many samples after discarded warm-up rounds, so load on the machine drifts over both alike and
neither always goes first; the ratio is of medians.

Figures: ``inbox_page.scale_ratio`` and ``conversation_page.scale_ratio`` (p50 of Teamline's own time,
large / small; target <= 1.1), ``inbox_page.items_read_ratio`` (items read, large / small; target 1.0), and per
view at the large size ``inbox_page.views.<view>.round_trips`` (what the page costs on a typical request; the
session's 5-minutely last-seen write is in ``.round_trips_max``) and ``inbox_page.views.<view>.own_p50_ms``
(``inbox_page.round_trips`` in bench-results.json is the largest of these and of the small world's All view, see
scripts/bench.py). The views are read as a clinician, as the inbox page's round trips always were: a lead's All view
while the team has overdue conversations reads those too (one more Query, to show them first), and Mine while
covering an away colleague reads theirs (one more per colleague).
"""

from __future__ import annotations

import gc
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta
from typing import Any

from scripts.bench import ROOT, DynamoTimer

SCALE = float(os.environ.get("BENCH_INBOX_SCALE", "1"))  # below 1 only to try the bench quickly
CONVERSATIONS = {"small": 20, "large": int(2000 * SCALE)}
MESSAGES_PER_CONVERSATION = 50  # 1,000 and 100,000 messages
THREAD = {"small": 100, "large": int(10_000 * SCALE)}
#: The inbox's views (services.inbox.VIEWS), each timed at the large size.
VIEWS = ("all", "unassigned", "mine", "escalated", "awaiting", "overdue", "followup", "closed")
WARM_UP = 5  # rounds of every page before timing: templates, imports, pools, moto's first copies
VIEW_SAMPLES = 15  # per view: round trips never vary; own time is reported for the record


class ItemCounter:
    """Items DynamoDB handed back (Query Count, BatchGetItem Responses) in the calls it watched."""

    def __init__(self) -> None:
        self.items = 0

    def after(self, parsed: dict[str, Any] | None = None, **_: Any) -> None:
        if not parsed:
            return
        self.items += int(parsed.get("Count", 0))
        self.items += sum(len(rows) for rows in (parsed.get("Responses") or {}).values()
                          if isinstance(rows, list))


def _watch(timers: tuple[DynamoTimer, ...], counter: ItemCounter) -> list[Any]:
    """Hook the timers and the item counter onto every botocore client Teamline's models use."""
    from chalicelib.models import db
    from chalicelib.models.base import AuditItem, MainItem

    clients = {id(c): c for c in (MainItem._get_connection().connection.client,
                                  AuditItem._get_connection().connection.client, db.connection().client)}
    for client in clients.values():
        for timer in timers:
            client.meta.events.register("before-call.dynamodb", timer.before)
            client.meta.events.register("after-call.dynamodb", timer.after)
        client.meta.events.register("after-call.dynamodb", counter.after)
    return list(clients.values())


def _unwatch(clients: list[Any], timers: tuple[DynamoTimer, ...], counter: ItemCounter) -> None:
    for client in clients:
        for timer in timers:
            client.meta.events.unregister("before-call.dynamodb", timer.before)
            client.meta.events.unregister("after-call.dynamodb", timer.after)
        client.meta.events.unregister("after-call.dynamodb", counter.after)


def _workflow(n: int, conv: Any, at: datetime, now: datetime, staff_id: str) -> None:
    """Put seeded conversation ``n`` in one of the workflow's states, in turn, so every view has plenty at scale.

    Waiting and new (Unassigned, Overdue: its reply-by is past), held by the bench's clinician (Mine), escalated to
    them, awaiting the patient, closed with a follow-up now due (Follow-up due, Closed), closed, held by a
    colleague, and answered by a line Teamline posted (in All only).
    """
    from chalicelib.domain import conversation as rules

    kind = n % 8
    if kind == 7:
        _apply_state(conv, rules.notice(at))
        return
    _apply_state(conv, rules.patient_message(conv.state, at=at, preview="message", reply_by=at + timedelta(days=1),
                                             auto_reply_at=None, auto_key=None))
    steps = {1: lambda: rules.assign(conv.state, staff_id, "Bea (Nurse)"),
             2: lambda: rules.escalate(staff_id, at),
             3: lambda: rules.await_patient(at),
             4: lambda: rules.close(at, now - timedelta(days=1)),
             5: lambda: rules.close(at, None),
             6: lambda: rules.assign(conv.state, "benchcolleague", "Sam (Nurse)")}
    if kind in steps:
        _apply_state(conv, steps[kind]())


def _seed_team(team_id: str, conversations: int, now: datetime, staff_id: str) -> None:
    """Conversations across the workflow's states with their messages, written in the table's own key layout."""
    from chalicelib.models import conversation as store
    from chalicelib.models.base import MainItem

    with MainItem.batch_write() as batch:
        for n in range(conversations):
            patient_id = f"bench{team_id[-6:]}{n:05d}"
            conv = store.new_conversation(team_id, patient_id, patient_name=f"Bench Patient {n}",
                                          family_name=f"Patient{n:05d}", given_name="Bench",
                                          now=now - timedelta(days=30))
            start = now - timedelta(days=20, minutes=n)
            at = start
            for m in range(MESSAGES_PER_CONVERSATION):
                at = start + timedelta(minutes=m)
                batch.save(store.new_message(conv, at, "patient" if m % 2 == 0 else "staff", patient_id, "Bench",
                                             f"message {m}"))
            _workflow(n, conv, at, now, staff_id)
            batch.save(conv)


def _apply_state(conv: Any, change: Any) -> None:
    """Give a seeded conversation the fields and index keys a real transition would have (models' own rule)."""
    from chalicelib.domain.conversation import apply
    from chalicelib.models import conversation as store

    for name, value in change.set.items():
        setattr(conv, name, value)
    for name, amount in change.add.items():
        setattr(conv, name, int(getattr(conv, name) or 0) + amount)
    values, clear = store._index_values(apply(conv.state, change), conv.patient_id, conv.team_id)
    for name in clear:
        setattr(conv, name, None)
    for name, value in values.items():
        setattr(conv, name, value)


def _thread_patient(team_id: str, lead: Any, tag: str, now: datetime) -> Any:
    """A patient of the team, invited and signed up through the real services (their conversation is then seeded)."""
    from chalicelib.models.team import get_team
    from chalicelib.scopes import StaffTeam
    from chalicelib.services import invites
    from scripts.demo_data import required

    team = required(get_team(team_id))
    invited = invites.do_invite_patient(StaffTeam(lead, team, "lead", {}), now, given_name="Thread",
                                        family_name=f"Patient {tag}", date_of_birth="2009-01-01")
    checked = invites.check_invite(now, code=invited.code, date_of_birth="2009-01-01", address=f"bench-{tag}")
    invites.do_accept_invite(now, checked, username=f"thread{tag}", password="bench thread password 1", agreed=True)
    return invited.patient_id


def _seed_thread(team_id: str, patient_id: str, messages: int, now: datetime) -> None:
    """``messages`` messages in the patient's conversation, all read on both sides (so reading it writes nothing)."""
    from chalicelib.models import conversation as store
    from chalicelib.models.base import MainItem
    from scripts.demo_data import required

    conv = required(store.load(team_id, patient_id))
    start = now - timedelta(days=50)
    with MainItem.batch_write() as batch:
        for m in range(messages):
            batch.save(store.new_message(conv, start + timedelta(seconds=m * 30), "patient" if m % 2 else "staff",
                                         patient_id, "Bench", f"thread message {m}"))
    conv.update(actions=[type(conv).last_activity_at.set(start + timedelta(seconds=messages * 30)),
                         type(conv).message_count.set(messages)])


def _measure_here(samples: int) -> dict[str, float]:
    """Build both cases in a fresh table, then time the pages interleaved (so drift hits both alike)."""
    from chalice.test import Client

    from app import app
    from chalicelib import clock
    from chalicelib.auth import sessions
    from chalicelib.models.base import create_tables
    from chalicelib.models.db import observe_calls
    from chalicelib.models.people import get_staff
    from chalicelib.services import accounts
    from scripts.demo_data import actor_for, required
    from scripts.world import NOW, Persona, build_world

    # The app's clock at the world's NOW (an earlier bench in the same run may have moved it on, and a session
    # made at NOW must still be alive when the pages are timed).
    clock.use_clock(clock.FixedClock(NOW, running=True))
    create_tables(wait=True)
    build_world(NOW)
    admin = actor_for(required(get_staff(_admin_id())), NOW)
    teams = {size: accounts.do_create_team(NOW, admin, name=f"Bench {size}", phone="020 7946 0009").team_id
             for size in CONVERSATIONS}
    staff = accounts.do_create_staff(NOW, admin, email="bench.inbox@test.nhs.uk", given_name="Bea",
                                     family_name="Bench", job_title="Nurse",
                                     team_roles={t: "clinician" for t in teams.values()}).staff
    staff.update(actions=[type(staff).must_change_password.set(False)])
    lead = actor_for(required(get_staff(accounts.do_create_staff(
        NOW, admin, email="bench.lead@test.nhs.uk", given_name="Lee", family_name="Bench", job_title="Consultant",
        team_roles={t: "lead" for t in teams.values()}).staff.staff_id)), NOW)
    threads = {size: _thread_patient(teams[size], lead, size, NOW) for size in CONVERSATIONS}
    seeding = time.monotonic()
    for size, count in CONVERSATIONS.items():
        _seed_team(teams[size], count, NOW, staff.staff_id)
        _seed_thread(teams[size], threads[size], THREAD[size], NOW)
    seeded_s = time.monotonic() - seeding
    _no_deadline()
    personas = {}
    for kind, actor_id in (("staff", staff.staff_id), *(("patient", p) for p in threads.values())):
        session, credential = sessions.new_session(NOW, kind, actor_id)
        session.save()
        personas[actor_id] = Persona("bench", kind, actor_id, credential.cookie_value(), session.csrf_token)
    # Wall time (the figure), and this thread's CPU time as a cross-check that machine load cannot move.
    timer, cpu_timer, counter = DynamoTimer(), DynamoTimer(clock=time.thread_time), ItemCounter()
    clients = _watch((timer, cpu_timer), counter)
    own: dict[str, list[float]] = {}
    own_cpu: dict[str, list[float]] = {}
    items: dict[str, list[int]] = {}
    trips: dict[str, list[int]] = {}
    try:
        with Client(app, stage_name="test") as client:
            def timed(name: str, path: str, persona: Any) -> None:
                """One request: Teamline's own time (end to end minus time inside DynamoDB), items read, round trips."""
                timer.total, cpu_timer.total, counter.items = 0.0, 0.0, 0
                # moto runs in another process, but this process still frees what botocore parsed (10,000 items
                # for the large thread's Query, 100 for the small). Collect before, and not during, each request.
                gc.collect()
                gc.disable()
                with observe_calls() as calls:
                    started, started_cpu = time.perf_counter(), time.thread_time()
                    try:
                        response = client.http.request("GET", path, headers=persona.headers())
                    finally:
                        elapsed, elapsed_cpu = time.perf_counter() - started, time.thread_time() - started_cpu
                        gc.enable()
                assert response.status_code == 200, (name, response.status_code, response.headers.get("Location"),
                                                     response.body[:300])
                own.setdefault(name, []).append((elapsed - timer.total) * 1000)
                own_cpu.setdefault(name, []).append((elapsed_cpu - cpu_timer.total) * 1000)
                items.setdefault(name, []).append(counter.items)
                trips.setdefault(name, []).append(calls.total)

            # The inbox as the clinician; the conversation as its patient reads it (the page `make bench`'s
            # conversation_page.round_trips counts; a clinician's read also writes its audit row, and moto's
            # transactions copy the whole table, which would only measure moto).
            pairs = {"inbox": {size: (f"/staff/teams/{teams[size]}", personas[staff.staff_id]) for size in CONVERSATIONS},
                     "conversation": {size: (f"/p/teams/{teams[size]}", personas[threads[size]])
                                      for size in CONVERSATIONS}}
            views = {f"view.{view}": (f"/staff/teams/{teams['large']}?view={view}", personas[staff.staff_id])
                     for view in VIEWS}
            for _ in range(WARM_UP):
                for path, persona in [*(p for pair in pairs.values() for p in pair.values()), *views.values()]:
                    client.http.request("GET", path, headers=persona.headers())
            for round_ in range(samples):  # each pair back to back, small first in even rounds and large in odd ones
                order = ("small", "large") if round_ % 2 == 0 else ("large", "small")
                for page, pair in pairs.items():
                    for size in order:
                        timed(f"{page}.{size}", *pair[size])
                if round_ < VIEW_SAMPLES:
                    for name, (path, persona) in views.items():
                        timed(name, path, persona)
    finally:
        _unwatch(clients, (timer, cpu_timer), counter)
    p50 = {name: statistics.median(values) for name, values in own.items()}
    cpu50 = {name: statistics.median(values) for name, values in own_cpu.items()}
    results = {
        "inbox_page.scale_ratio": round(p50["inbox.large"] / p50["inbox.small"], 3),
        "conversation_page.scale_ratio": round(p50["conversation.large"] / p50["conversation.small"], 3),
        "inbox_page.items_read_ratio": round(statistics.median(items["inbox.large"])
                                             / statistics.median(items["inbox.small"]), 3),
        "inbox_page.own_p50_ms.small": round(p50["inbox.small"], 2),
        "inbox_page.own_p50_ms.large": round(p50["inbox.large"], 2),
        "conversation_page.own_p50_ms.small": round(p50["conversation.small"], 2),
        "conversation_page.own_p50_ms.large": round(p50["conversation.large"], 2),
        "conversation_page.samples": len(own["conversation.large"]),
        "inbox_page.cpu_scale_ratio": round(cpu50["inbox.large"] / cpu50["inbox.small"], 3),
        "conversation_page.cpu_scale_ratio": round(cpu50["conversation.large"] / cpu50["conversation.small"], 3),
        "inbox_page.items_read.large": statistics.median(items["inbox.large"]),
        "bench_inbox.seed_seconds": round(seeded_s, 1),
    }
    for view in VIEWS:
        # A page's round trips are what it costs every time (the typical request). The clock runs, so once every
        # sessions.TOUCH_INTERVAL (5 min) one request also refreshes its session's last-seen time: one more write,
        # whatever the page; the most any sample took is reported beside it.
        results[f"inbox_page.views.{view}.round_trips"] = statistics.median_low(trips[f"view.{view}"])
        results[f"inbox_page.views.{view}.round_trips_max"] = max(trips[f"view.{view}"])
        results[f"inbox_page.views.{view}.own_p50_ms"] = round(p50[f"view.{view}"], 2)
        results[f"inbox_page.views.{view}.items_read"] = statistics.median(items[f"view.{view}"])
    return results


_SERVE = """
import sys, time
sys.path.insert(0, sys.argv[1])
from scripts.local_stack import EmbeddedDynamoDB
db = EmbeddedDynamoDB()
print(db.start(), flush=True)
while True:
    time.sleep(3600)
"""


def _own_dynamodb() -> tuple[subprocess.Popen[str], str]:
    """A moto server in a child process, so its work never runs in this process while Teamline's code is timed.

    (In-process, moto's server thread frees the thousands of items a whole-table Query copied *after* it has
    answered, holding the GIL while Teamline's part of the request runs: that would count as Teamline's time.)
    """
    child = subprocess.Popen([sys.executable, "-c", _SERVE, str(ROOT)], stdout=subprocess.PIPE, text=True)  # noqa: S603
    assert child.stdout is not None
    return child, child.stdout.readline().strip()


def _use_endpoint(endpoint: str | None) -> None:
    """Point every model and the transaction connection at ``endpoint`` (fresh connections)."""
    from chalicelib.models import db
    from chalicelib.models.base import AuditItem, MainItem, _Meta

    for meta in (_Meta, MainItem.Meta, AuditItem.Meta):
        meta.host = endpoint
        # moto lists the whole table (110,000 items) on every Query and copies it on every transaction, which
        # can take longer than Teamline's 2 s read timeout on a busy machine. Only moto's time grows.
        meta.read_timeout_seconds = 120
    MainItem._connection = None
    AuditItem._connection = None
    db._connection = None


def _no_deadline() -> None:
    """The route wrapper stops starting DynamoDB calls 9 s into a request; moto at this size can take longer.

    (The wrapper takes the deadline from the settings, which allow at most 12 s: its ``deadline`` is replaced for
    this process by one of ten minutes.)
    """
    from chalicelib.models import db
    from chalicelib.web import routing

    routing.deadline = lambda seconds: db.deadline(600.0)  # type: ignore[assignment]


def measure(samples: int = 61) -> dict[str, float]:
    """The figures, against a DynamoDB (moto) of the bench's own in a child process; Teamline's models point at it
    for the duration and back at whatever they used before."""
    from chalicelib.models.base import _Meta

    before = _Meta.host
    child, endpoint = _own_dynamodb()
    try:
        _use_endpoint(endpoint)
        return _measure_here(samples)
    finally:
        child.kill()
        child.wait()
        _use_endpoint(before)


def _admin_id() -> str:
    """The Trust admin the bench's world made (its email is fixed by scripts.world)."""
    from chalicelib.models.people import staff_by_email

    found = staff_by_email("admin@test.nhs.uk")
    if found is None:
        raise RuntimeError("the bench's world has no Trust admin")
    return str(found.staff_id)


if __name__ == "__main__":  # pragma: no cover - `make bench` calls measure() from scripts/bench.py
    print(json.dumps(measure(), indent=2))
