"""``make bench``: the team's patient list as the team grows (issue 15).

Two teams in one table: team X of 20 patients and team Y of 2,000, seeded straight through the model
factories (a joined patient's conversation with a last message, and some invited rows). The same page
(the list's default: newest activity first) is asked for in each team, interleaved so drift and load
hit both alike. Reported:

* ``patients_page.round_trips``: the most DynamoDB calls any one request made (the session's
  BatchGetItem and the page's Query: 2);
* ``patients_page.scale_ratio``: Teamline's own time for the 2,000-patient team over the 20-patient
  team's (medians). Teamline's own time is the request's time less the time inside DynamoDB calls,
  because moto answers a GSI Query by reading the whole table, so its time grows with the table
  whatever Teamline asks for; DynamoDB's does not. It is measured as CPU time of the thread that runs
  the request (``time.thread_time``; ``chalice.test.Client`` runs the handler in the caller's thread,
  moto answers in its own threads), less that thread's CPU time inside DynamoDB calls: on a loaded
  machine wall time is mostly waiting for a core (medians swung from 0.86 to 1.09 at a load of 15 on
  two cores), CPU time is not;
* ``patients_page.scale_ratio_wall``: the same in wall time, exactly as ``scripts.bench.DynamoTimer``
  measures ``send_message.overhead_ratio`` (request time less time inside DynamoDB calls), for
  comparison; trust it on a quiet machine only.

It runs in a process of its own (``python -m scripts.bench_patients``) with its own embedded DynamoDB,
so its clock, its 4,000 seeded items and its botocore hooks touch nothing else ``make bench`` measures.
"""

from __future__ import annotations

import gc
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SMALL, LARGE = 20, 2000
INVITED_EVERY = 50  # one patient in 50 was invited and has not joined


def measure(samples: int | None = None) -> dict[str, float]:
    """Run the benchmark in a child process and return its figures."""
    env = {k: v for k, v in os.environ.items() if k != "TEAMLINE_DYNAMODB_ENDPOINT"}
    if samples:
        env["PATIENTS_BENCH_SAMPLES"] = str(samples)
    done = subprocess.run([sys.executable, "-m", "scripts.bench_patients"], cwd=ROOT, env=env,  # noqa: S603
                          check=True, capture_output=True, text=True)
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def _seed(team_id: str, count: int, start: Any, *, already: int = 0) -> None:
    """``count`` patients of one team, straight from the factories: each active a minute after the last."""
    from chalicelib.models.base import MainItem
    from chalicelib.models.conversation import new_conversation
    from chalicelib.models.patient_list import new_invitee
    from chalicelib.models.people import new_patient

    with MainItem.batch_write() as batch:
        for i in range(already, already + count):
            patient_id = f"{team_id[:10]}{i:016d}"
            at = start + timedelta(minutes=i)
            given, family, dob = f"Pat{i:04d}", f"Family{i % 300:03d}", f"20{i % 12:02d}-{i % 12 + 1:02d}-{i % 28 + 1:02d}"
            if i % INVITED_EVERY == INVITED_EVERY - 1:
                batch.save(new_invitee(team_id, patient_id, given_name=given, family_name=family, date_of_birth=dob,
                                       nhs_number=None, now=at, valid_until=at + timedelta(days=7), invited_by="bench"))
                continue
            batch.save(new_patient(patient_id, "trust1", given_name=given, family_name=family, date_of_birth=dob,
                                   nhs_number=None, now=at))
            conv = new_conversation(team_id, patient_id, patient_name=f"{given} {family}", family_name=family,
                                    given_name=given, now=at, date_of_birth=dob)
            conv.last_preview, conv.last_sender, conv.message_count = "Thanks, see you at clinic on Tuesday", "staff", 3
            batch.save(conv)


def _run(samples: int) -> dict[str, float]:
    from botocore import handlers
    from chalice.test import Client

    from scripts.bench import DynamoTimer

    # Registered before any botocore session exists, so every call is timed: in wall time, and in the CPU time
    # of the thread that makes it.
    timer, cpu = DynamoTimer(), DynamoTimer(time.thread_time)
    for hook in (timer, cpu):
        handlers.BUILTIN_HANDLERS.append(("before-call.dynamodb", hook.before))
        handlers.BUILTIN_HANDLERS.append(("after-call.dynamodb", hook.after))

    from app import app
    from chalicelib import clock
    from chalicelib.models.base import create_tables
    from chalicelib.models.db import observe_calls
    from scripts.world import NOW, build_world, sign_in

    create_tables(wait=True)
    clock.use_clock(clock.FixedClock(NOW, running=True))
    world = build_world(NOW)  # team X has patients A and B
    _seed(world.team_x, SMALL - len(world.patients), NOW - timedelta(days=10))
    _seed(world.team_y, LARGE, NOW - timedelta(days=10))
    callers = {SMALL: (world.team_x, sign_in(world, "clinician_x", NOW)),
               LARGE: (world.team_y, sign_in(world, "clinician_y", NOW))}
    own: dict[int, list[float]] = {SMALL: [], LARGE: []}  # CPU ms of the request's thread outside DynamoDB
    wall: dict[int, list[float]] = {SMALL: [], LARGE: []}  # wall ms of the request outside DynamoDB
    dynamo: dict[int, list[float]] = {SMALL: [], LARGE: []}
    trips: list[int] = []
    with Client(app, stage_name="test") as client:
        def page(size: int) -> int:
            team_id, persona = callers[size]
            timer.total = cpu.total = 0.0
            with observe_calls() as counter:
                started, started_cpu = time.perf_counter(), time.thread_time()
                response = client.http.request("GET", f"/staff/teams/{team_id}/patients", headers=persona.headers())
                elapsed, elapsed_cpu = time.perf_counter() - started, time.thread_time() - started_cpu
            if response.status_code != 200 or response.body.count(b"data-patient-status=") != SMALL:
                raise RuntimeError(f"the {size}-patient page did not show a full page: {response.status_code}")
            own[size].append((elapsed_cpu - cpu.total) * 1000)
            wall[size].append((elapsed - timer.total) * 1000)
            dynamo[size].append(timer.total * 1000)
            return counter.total

        for _ in range(5):  # warm: imports, template compilation, connection pools
            page(SMALL), page(LARGE)
        for values in (*own.values(), *wall.values(), *dynamo.values()):
            values.clear()
        for i in range(samples):
            for size in ((SMALL, LARGE) if i % 2 == 0 else (LARGE, SMALL)):
                gc.collect()  # a collection moto's garbage triggers must not land in either side's own time
                trips.append(page(size))
    median = statistics.median
    return {
        "patients_page.round_trips": max(trips),
        "patients_page.own_cpu_ms_20": round(median(own[SMALL]), 2),
        "patients_page.own_cpu_ms_2000": round(median(own[LARGE]), 2),
        "patients_page.dynamodb_ms_2000": round(median(dynamo[LARGE]), 2),
        "patients_page.scale_ratio": round(median(own[LARGE]) / median(own[SMALL]), 3),
        "patients_page.scale_ratio_wall": round(median(wall[LARGE]) / median(wall[SMALL]), 3),
    }


def main() -> int:
    from scripts.local_stack import EmbeddedDynamoDB

    dynamodb = EmbeddedDynamoDB()
    endpoint = dynamodb.start()
    os.environ.update({"TEAMLINE_DYNAMODB_ENDPOINT": endpoint, "TEAMLINE_STAGE": "test",
                       "TEAMLINE_PASSWORD_PROFILE": "cheapest", "AWS_ACCESS_KEY_ID": "bench",
                       "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "eu-west-2",
                       "TEAMLINE_LOG_LEVEL": "WARNING"})
    try:
        figures = _run(int(os.environ.get("PATIENTS_BENCH_SAMPLES", "40")))
    finally:
        dynamodb.stop()
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
