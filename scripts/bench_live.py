"""The live check of an open conversation: what it costs the server, when nothing is new and when a reply is.

``measure()`` returns, from one fresh run (``make bench`` calls it; ``python -m scripts.bench_live`` prints it):

* ``live_check.round_trips_nothing_new``: DynamoDB round trips of ``GET /api/patient/teams/{team}/since``
  when nothing is newer than the page's newest message (what nearly every check is). Target 1.
* ``live_check.round_trips_new_reply``: the same when a reply arrived since (the check, the Query for the
  new message, the read mark).
* ``live_check.p50_ms`` and ``conversation_page.json_p50_ms``: median handler time of a check that finds
  nothing, and of the page of messages the page would otherwise reload (``GET .../messages``), both
  in-process through ``chalice.test.Client`` against a moto server over HTTP, on a 40-message thread;
  ``live_check.page_time_ratio`` is the first over the second (what polling costs next to reloading).

Latency figures against moto measure moto as much as Teamline; the round trips carry over to DynamoDB.
It runs in a child process of its own, which points PynamoDB at its own DynamoDB before importing it.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"live_check.round_trips_nothing_new": ("<=", 1)}


def measure() -> dict[str, float]:
    """Run the measurements in a fresh process; return their figures (flat, dotted names)."""
    result = subprocess.run([sys.executable, "-m", "scripts.bench_live", "--json"], cwd=ROOT, check=True,  # noqa: S603
                            capture_output=True, text=True, timeout=600)
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def _run(samples: int = 100) -> dict[str, float]:
    from scripts.local_stack import EmbeddedDynamoDB

    dynamodb = EmbeddedDynamoDB()
    os.environ.update({"TEAMLINE_DYNAMODB_ENDPOINT": dynamodb.start(), "TEAMLINE_STAGE": "test",
                       "TEAMLINE_PASSWORD_PROFILE": "cheapest", "AWS_ACCESS_KEY_ID": "bench",
                       "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "eu-west-2",
                       "TEAMLINE_LOG_LEVEL": "WARNING"})
    try:
        return _measure(samples)
    finally:
        dynamodb.stop()


def _measure(samples: int) -> dict[str, float]:
    from chalice.test import Client

    from app import app
    from chalicelib import clock
    from chalicelib.models.base import create_tables
    from chalicelib.models.db import observe_calls
    from scripts.world import NOW, build_world, reply_as_staff, send_as_patient, sign_in

    create_tables(wait=True)
    fixed = clock.FixedClock(NOW)
    clock.use_clock(fixed)
    world = build_world(NOW)
    for i in range(40):
        send_as_patient(world, "patient_a", f"history {i}", NOW - timedelta(minutes=40 - i))
    patient = sign_in(world, "patient_a", NOW)
    base = f"/api/patient/teams/{world.team_x}"
    with Client(app, stage_name="test") as client:
        def get(path: str) -> Any:
            response = client.http.request("GET", path, headers=patient.headers(), body=b"")
            assert response.status_code == 200, response.body
            return json.loads(response.body)

        newest = get(f"{base}/messages")["messages"][-1]["cursor"]
        since = f"{base}/since?after={quote(newest)}"

        def timed(path: str) -> tuple[float, int]:
            with observe_calls() as counter:
                started = time.perf_counter()
                get(path)
                return (time.perf_counter() - started) * 1000, counter.total

        for _ in range(5):  # warm: imports, the policy cache, connection pools
            timed(since)
            timed(f"{base}/messages")
        nothing = [timed(since) for _ in range(samples)]
        page = [timed(f"{base}/messages") for _ in range(samples)]
        reply_as_staff(world, "clinician_x", "patient_a", "A reply", NOW + timedelta(seconds=1))
        _, reply_trips = timed(since)
    check_ms = statistics.median(ms for ms, _ in nothing)
    page_ms = statistics.median(ms for ms, _ in page)
    return {
        "live_check.round_trips_nothing_new": max(trips for _, trips in nothing),
        "live_check.round_trips_new_reply": reply_trips,
        "live_check.p50_ms": round(check_ms, 2),
        "conversation_page.json_p50_ms": round(page_ms, 2),
        "live_check.page_time_ratio": round(check_ms / page_ms, 3),
    }


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    figures = _run(int(os.environ.get("BENCH_SAMPLES", "100")))
    if "--json" in sys.argv:
        print(json.dumps(figures))
    else:
        for key, value in sorted(figures.items()):
            print(f"{key:40} {value:>10}")
