"""``make bench``'s records figures: filing a 5,000-message conversation, and a retention pass over 10,000.

Each measure runs in a child process with its own embedded moto server (DynamoDB and S3 over the wire),
because PynamoDB fixes its endpoint when ``chalicelib`` is imported and the peak memory of an export
should be that of a process doing nothing else (Lambda's "Max Memory Used"):

* ``export.5000_messages_ms``: ``do_file_conversation`` then ``make_export`` (the ``make_exports`` job's
  work: read the 5,000 messages, FHIR bundle validated with fhir.resources, PDF, three objects to S3);
  ``export.5000_messages_dynamodb_ms`` is the part spent inside DynamoDB calls (moto's, here), and
  ``export.5000_messages_peak_mb`` the child's peak resident memory (Python, libraries and all).
* ``retention.10000_conversations_s``: Teamline's own time (wall time less the time inside DynamoDB and
  S3 calls) for a retention pass over 10,000 conversations past retention, each with a filed message
  (deleted), an unfiled one (kept, flagged) and an export (deleted). moto copies a whole table on every
  TransactWriteItems, so its time grows with the table: the conversations are seeded and processed 500
  at a time and what the pass left is cleared between batches (outside the timing); the wall time with
  moto is reported too, and the DynamoDB round trips, which is what carries over to AWS.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

NOW = datetime(2026, 11, 25, 10, 30, tzinfo=UTC)


class _Timer:
    """Wall time inside AWS calls (botocore before-call → after-call), and how many there were."""

    def __init__(self) -> None:
        self.total, self.calls, self._started = 0.0, 0, [0.0]

    def before(self, **_: Any) -> None:
        self._started.append(time.perf_counter())
        self.calls += 1

    def after(self, **_: Any) -> None:
        self.total += time.perf_counter() - self._started.pop()


def _start_environment(endpoint: str) -> _Timer:
    """Point this process at the moto server at ``endpoint`` (DynamoDB and S3), make the tables and bucket."""
    os.environ.update({"TEAMLINE_DYNAMODB_ENDPOINT": endpoint, "TEAMLINE_S3_ENDPOINT": endpoint,
                       "TEAMLINE_STAGE": "test", "TEAMLINE_PASSWORD_PROFILE": "cheapest", "AWS_ACCESS_KEY_ID": "bench",
                       "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "eu-west-2",
                       "TEAMLINE_LOG_LEVEL": "WARNING"})
    from botocore import handlers

    timer = _Timer()
    handlers.BUILTIN_HANDLERS.append(("before-call", timer.before))
    handlers.BUILTIN_HANDLERS.append(("after-call", timer.after))
    from chalicelib.models import base

    # moto answers a Query of a 5,000-message partition in seconds (it sorts and filters in Python); DynamoDB takes
    # milliseconds. The request path's 2 s read timeout is for DynamoDB; here it would only measure moto.
    for meta in (base._Meta, base.MainItem.Meta, base.AuditItem.Meta):
        meta.read_timeout_seconds = 120
    from scripts.local_stack import prepare_tables

    prepare_tables()
    return timer


def _conversation(world: Any, team_id: str, persona: str) -> Any:
    from chalicelib.models import conversation as store

    return store.load(team_id, world.patients[persona])


def _seed_messages(conv: Any, count: int, start: datetime) -> datetime:
    from chalicelib.models import conversation as store
    from chalicelib.models.base import MainItem
    from chalicelib.models.conversation import ConversationItem

    senders = ("patient", "auto", "staff", "system")
    at = start
    with MainItem.batch_write() as batch:
        for i in range(count):
            at = start + timedelta(minutes=i)
            kind = senders[i % 4]
            batch.save(store.new_message(conv, at, kind, conv.patient_id if kind == "patient" else None,
                                         "Alice" if kind == "patient" else "Teamline",
                                         f"Message {i}: how my blood sugar went today, and what the nurse said."))
    conv.update(actions=[ConversationItem.last_activity_at.set(at), ConversationItem.revision.add(1)])
    return at


def child_export() -> dict[str, float]:
    """In a child: seed a 5,000-message conversation, then file it and make the export."""
    import resource

    from scripts.demo_stack import separate_dynamodb

    # moto in its own process, so this process's peak memory is Teamline's alone.
    with separate_dynamodb() as endpoint:
        timer = _start_environment(endpoint)
        from chalicelib.services import filing
        from scripts.world import build_world, staff_record

        world = build_world(NOW)
        conv = _conversation(world, world.team_x, "patient_a")
        last = _seed_messages(conv, 5000, NOW)
        sr = staff_record(world, "clinician_x", "patient_a", last)
        timer.total, timer.calls = 0.0, 0
        started, cpu = time.perf_counter(), time.process_time()
        export = filing.do_file_conversation(sr, last, make_now_limit=0)
        filing.make_export(export, last)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        assert export.message_count == 5000
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return {"export.5000_messages_ms": round(cpu * 1000, 1),
                "export.5000_messages_wall_ms": round(elapsed * 1000, 1),
                "export.5000_messages_aws_ms": round(timer.total * 1000, 1),
                "export.5000_messages_round_trips": timer.calls,
                "export.5000_messages_peak_mb": round(peak_mb, 1)}


def child_retention(conversations: int = 10_000, batch: int = 500) -> dict[str, float]:
    """In a child: retention over ``conversations`` past retention, seeded and processed ``batch`` at a time."""
    from scripts.demo_stack import separate_dynamodb

    with separate_dynamodb() as endpoint:
        timer = _start_environment(endpoint)
        from scripts.world import build_world

        world = build_world(NOW)
        own = wall = aws = 0.0
        calls = 0
        for n in range(0, conversations, batch):
            _seed_retention_batch(world, n, min(batch, conversations - n))
            from chalicelib.domain.retention import add_years
            from chalicelib.services.retention import run_retention

            timer.total, timer.calls = 0.0, 0
            started, cpu = time.perf_counter(), time.process_time()
            run = run_retention(add_years(NOW, 9) + timedelta(days=n // batch), budget_seconds=1e9)
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
            assert run.finished and run.counts.get("deleted", 0) == min(batch, conversations - n), run.counts
            wall += elapsed
            own += cpu
            aws += timer.total
            calls += timer.calls
            _clear_batch(world)
        return {"retention.10000_conversations_s": round(own, 2), "retention.10000_conversations_wall_s": round(wall, 1),
                "retention.10000_conversations_aws_s": round(aws, 1), "retention.10000_conversations_round_trips": calls}


def _seed_retention_batch(world: Any, offset: int, count: int) -> None:
    """``count`` conversations in team Y, each with a filed message, an unfiled one and an export (as stored)."""
    from chalicelib.models import conversation as store
    from chalicelib.models import keys
    from chalicelib.models.base import MainItem
    from chalicelib.models.records import ExportItem, export_key

    with MainItem.batch_write() as batch:
        for i in range(offset, offset + count):
            patient_id = f"bench{i:021d}"
            conv = store.new_conversation(world.team_y, patient_id, patient_name=f"Patient {i}", family_name="Bench",
                                          given_name=str(i), now=NOW)
            filed = store.new_message(conv, NOW, "patient", patient_id, "P", "Filed long ago")
            unfiled = store.new_message(conv, NOW + timedelta(seconds=1), "staff", "s", "S", "Never filed")
            conv.last_activity_at = unfiled.sent_at
            conv.message_count = 2
            conv.filed_ranges = [[filed.sk, filed.sk]]
            conv.gsi10pk, conv.gsi10sk = keys.team_retention(world.team_y), keys.retention_sk(NOW, patient_id)
            export_id = f"{i:026d}"
            batch.save(ExportItem(*export_key(world.team_y, patient_id, export_id), export_id=export_id,
                                  trust_id=world.trust_id, team_id=world.team_y, team_name="Y", timezone="Europe/London",
                                  patient_id=patient_id, filed_at=NOW, filed_by_id="s", filed_by_name="S",
                                  first_sk=filed.sk, last_sk=filed.sk, earlier_ranges=[], message_count=1,
                                  patient={}, state="ready", files={}))
            for item in (conv, filed, unfiled):
                batch.save(item)


def _clear_batch(world: Any) -> None:
    """Remove what a batch left (its conversations, kept messages and audit rows), so moto's table stays small."""
    from chalicelib.models import keys
    from chalicelib.models.audit import AuditEvent
    from chalicelib.models.base import MainItem
    from chalicelib.models.conversation import ConversationItem

    leftovers: list[Any] = []
    for conv in ConversationItem.by_gsi3.query(keys.team_patients(world.team_y)):
        leftovers += list(MainItem.query(conv.pk))
    with MainItem.batch_write() as batch:
        for item in leftovers:
            batch.delete(item)
    rows = [e for e in AuditEvent.by_actor.query(keys.audit_actor("system", None))]
    with AuditEvent.batch_write() as batch:
        for row in rows:
            batch.delete(row)


def _run_child(name: str) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEAMLINE_")}
    result = subprocess.run([sys.executable, "-m", "scripts.bench_records", name], cwd=ROOT, env=env,
                            capture_output=True, text=True, check=False, timeout=3600)
    if result.returncode != 0:
        raise RuntimeError(f"bench_records {name} failed:\n{result.stderr[-3000:]}")
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def measure() -> dict[str, Any]:
    """Both records figures, each from its own child process."""
    return {**_run_child("export"), **_run_child("retention")}


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] in ("export", "retention"):
        count = int(os.environ.get("BENCH_RETENTION_CONVERSATIONS", "10000"))
        out = child_export() if sys.argv[1] == "export" else child_retention(count)
        print(json.dumps(out))
    else:
        print(json.dumps(measure(), indent=1))
