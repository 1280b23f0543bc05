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
  (deleted), an unfiled one (kept, flagged) and an export (deleted): measured per conversation over
  ``retention.measured_conversations`` (300 unless ``BENCH_RETENTION_CONVERSATIONS`` says) and multiplied
  out, since that work does not grow with the table. moto's does (it copies whole tables, and their
  streams, on every TransactWriteItems: ~0.5 s a conversation here), so a literal 10,000 takes hours;
  conversations are seeded and processed 500 at a time, what a pass left is cleared between batches
  (outside the timing) and the table has no stream (nothing reads it here). The round trips per
  conversation are what carries over to DynamoDB.
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


def _start_environment(endpoint: str, *, stream: bool = True) -> _Timer:
    """Point this process at the moto server at ``endpoint`` (DynamoDB and S3), make the tables and bucket.

    ``stream=False`` makes the main table without its stream: nothing reads it in the retention bench, and moto
    copies every record a stream holds on each TransactWriteItems (that copy, not Teamline, would be the run).
    """
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
    if not stream:
        del base.MainItem.Meta.stream_view_type
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


def _peak_mb(maxrss_mb: float) -> float:
    """This process's own peak resident memory. Linux keeps ``ru_maxrss`` across exec, so a child started by a
    bench parent that had grown large inherits the parent's size there; ``VmHWM`` belongs to this image alone."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return maxrss_mb


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
        peak_mb = _peak_mb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        return {"export.5000_messages_ms": round(cpu * 1000, 1),
                "export.5000_messages_wall_ms": round(elapsed * 1000, 1),
                "export.5000_messages_aws_ms": round(timer.total * 1000, 1),
                "export.5000_messages_round_trips": timer.calls,
                "export.5000_messages_peak_mb": round(peak_mb, 1)}


def child_retention(conversations: int = 300, batch: int = 500) -> dict[str, float]:
    """In a child: retention over ``conversations`` past retention, seeded and processed ``batch`` at a time."""
    from scripts.local_stack import EmbeddedDynamoDB

    # moto in this process, behind a lock (local_stack): a standalone moto server grew to gigabytes here. Teamline's
    # own time is then the wall time outside AWS calls (this process's CPU time would include moto's).
    server = EmbeddedDynamoDB()
    try:
        timer = _start_environment(server.start(), stream=False)
        from scripts.world import build_world

        world = build_world(NOW)
        own = wall = aws = 0.0
        calls = 0
        for n in range(0, conversations, batch):
            _seed_retention_batch(world, n, min(batch, conversations - n))
            from chalicelib.domain.retention import add_years
            from chalicelib.services.retention import run_retention

            timer.total, timer.calls = 0.0, 0
            started = time.perf_counter()
            run = run_retention(add_years(NOW, 9) + timedelta(days=n // batch), budget_seconds=1e9)
            elapsed = time.perf_counter() - started
            assert run.finished and run.counts.get("deleted", 0) == min(batch, conversations - n), run.counts
            wall += elapsed
            own += elapsed - timer.total
            aws += timer.total
            calls += timer.calls
            _clear_batch(world)
        # Teamline's own work per conversation does not grow with the table (it reads index pages and one
        # partition), so the figure for 10,000 is the measured time per conversation times 10,000.
        per = own / conversations
        return {"retention.10000_conversations_s": round(per * 10_000, 1),
                "retention.measured_conversations": conversations,
                "retention.own_ms_per_conversation": round(per * 1000, 2),
                "retention.round_trips_per_conversation": round(calls / conversations, 2),
                "retention.moto_wall_s": round(wall, 1), "retention.moto_aws_s": round(aws, 1)}
    finally:
        server.stop()


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
        # moto takes ~0.5 s a conversation on this kind of machine (its TransactWriteItems copies whole tables), so a
        # run of 10,000 would take over an hour: 300 by default, any number with BENCH_RETENTION_CONVERSATIONS.
        count = int(os.environ.get("BENCH_RETENTION_CONVERSATIONS", "300"))
        out = child_export() if sys.argv[1] == "export" else child_retention(count)
        print(json.dumps(out))
    else:
        print(json.dumps(measure(), indent=1))
