"""The retention job: past a Trust's retention, delete filed messages; never an unfiled one; audit both.

It walks Trusts → teams → each team's gsi10 partition (conversations by last activity, read only up to
the years-only bound, so a team's recent conversations are never read), a page of 25 at a time, and
keeps its place in a checkpoint item after every page. A run stops when its time budget is spent and
the next run carries on from the checkpoint; a run killed mid-page re-does that page, which is safe:
every step is idempotent. A pass starts at most once a day.

For each conversation past retention (``domain.retention.keep_until``, which needs the patient's date
of birth, read in one BatchGetItem per page):

1. one transaction, conditional on the conversation being unchanged since it was read (a new message
   means it is not past retention any more): the audit row saying what is about to be deleted, and the
   conversation's counts and preview (which holds message text) brought into line;
2. the filed messages, their idempotency guards and the exports are deleted (BatchWriteItem), and the
   exports' objects in the export bucket;
3. the conversation leaves gsi10 (until a new message or a filing puts it back).

A message is deleted only when it lies in the conversation's filed ranges (``domain.filing``); unfiled
messages stay, and the conversation is flagged (``retention_due_at``, audited once) for the team lead,
who sees it in the unfiled queue. If step 2 is interrupted the conversation is still in gsi10 and the
next run finishes it (writing its audit row again: an audit trail may say twice what was done once,
never the reverse).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from pynamodb.exceptions import TransactWriteError, UpdateError

from chalicelib.domain import filing, retention
from chalicelib.logs import log_event
from chalicelib.models import db, export_files, keys
from chalicelib.models import records as store
from chalicelib.models import team as team_store
from chalicelib.models.audit import AuditEventType, audit_event, system
from chalicelib.models.base import MainItem
from chalicelib.models.conversation import ConversationItem, unchanged_since_loaded
from chalicelib.models.people import PatientItem
from chalicelib.models.team import TeamItem, TrustItem

JOB = "retention"
PASS_EVERY = timedelta(hours=23)
BUDGET_SECONDS = 90.0  # the job's Lambda has 120 s; a page of 25 conversations takes far less than the rest


def _dates_of_birth(conversations: list[ConversationItem]) -> dict[str, date | None]:
    found = db.batch_get([keys.patient(c.patient_id) for c in conversations])
    births: dict[str, date | None] = {}
    for c in conversations:
        patient = found.get(keys.patient(c.patient_id))
        try:
            births[c.patient_id] = (date.fromisoformat(patient.date_of_birth)
                                    if isinstance(patient, PatientItem) and patient.date_of_birth else None)
        except ValueError:
            births[c.patient_id] = None
    return births


def _claim(conv: ConversationItem, trust_id: str, now: datetime, filed: list[Any], unfiled: list[Any],
           exports: list[store.ExportItem], last_deleted: bool) -> bool:
    """Step 1: audit what is about to happen and set the conversation's counts (False: it changed, skip it)."""
    actions: list[Any] = [ConversationItem.revision.add(1)]
    if filed:
        actions.append(ConversationItem.message_count.set(len(unfiled)))
    if last_deleted:
        actions.append(ConversationItem.last_preview.set(""))
    flag = bool(unfiled) and conv.retention_due_at is None
    if flag:
        actions.append(ConversationItem.retention_due_at.set(now))
    who = system(trust_id)
    try:
        with db.transaction() as tx:
            tx.update(conv, actions=actions, condition=unchanged_since_loaded(conv))
            if filed or exports:
                tx.save(audit_event(now, AuditEventType.RECORD_DELETED, who, team_id=conv.team_id,
                                    patient_id=conv.patient_id, detail={
                                        "messages": len(filed), "exports": [e.export_id for e in exports],
                                        "unfiled_kept": len(unfiled), "last_activity": keys.iso(conv.last_activity_at)}))
            if flag:
                tx.save(audit_event(now, AuditEventType.RECORD_KEPT_UNFILED, who, team_id=conv.team_id,
                                    patient_id=conv.patient_id, detail={"unfiled": len(unfiled)}))
    except TransactWriteError:
        return False
    return True


def process(conv: ConversationItem, trust_id: str, born: date | None, years: int, now: datetime) -> str:
    """Apply retention to one conversation; returns what happened (kept, changed, deleted, flagged, nothing)."""
    if retention.keep_until(conv.last_activity_at, born, years) > now:
        return "kept"
    ranges = filing.as_ranges(conv.filed_ranges)
    held = store.partition(conv.team_id, conv.patient_id)
    messages, exports = held.messages, held.exports
    filed = [m for m in messages if filing.is_filed(m.sk, ranges)]
    unfiled = [m for m in messages if not filing.is_filed(m.sk, ranges)]
    last_deleted = bool(messages) and messages[-1] in filed
    if not _claim(conv, trust_id, now, filed, unfiled, exports, last_deleted):
        return "changed"
    deleted = {m.sk for m in filed}
    guards = [g for g in held.guards if g.message_sk in deleted]
    doomed: list[MainItem] = [*filed, *guards, *exports]
    for chunk in store.iterate(doomed, 25):
        store.delete_items(chunk)
    for export in exports:
        export_files.delete([f["key"] for f in (export.files or {}).values() if isinstance(f, dict) and "key" in f])
    _leave_queue(conv)
    if filed:
        return "deleted"
    return "flagged" if unfiled else "nothing"


def _leave_queue(conv: ConversationItem) -> None:
    """Out of gsi10 until a new message or a filing puts it back; left alone if one already has."""
    with db.storage():
        try:
            conv.update(actions=[ConversationItem.gsi10pk.remove(), ConversationItem.gsi10sk.remove()],
                        condition=ConversationItem.revision == int(conv.revision or 0) + 1)
        except UpdateError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise


class Run:
    """What one run of the job did."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.finished = False

    def count(self, what: str, n: int = 1) -> None:
        self.counts[what] = self.counts.get(what, 0) + n


def _teams() -> list[tuple[TrustItem, TeamItem]]:
    return [(trust, team) for trust in team_store.all_trusts() for team in team_store.trust_teams(trust.trust_id)]


def run_retention(now: datetime, *, budget_seconds: float = BUDGET_SECONDS, page_size: int = 25,
                  monotonic: Callable[[], float] = time.monotonic) -> Run:
    """Carry on (or start, at most daily) a retention pass; stop when the budget is spent."""
    started, run = monotonic(), Run()
    cp = store.checkpoint(JOB)
    if cp.completed_at and cp.pass_started_at and now - cp.pass_started_at < PASS_EVERY:
        run.finished = True
        return run
    if cp.pass_started_at is None or cp.completed_at is not None:
        cp.pass_started_at, cp.completed_at, cp.position, cp.cursor, cp.counts = now, None, None, None, {}
    cp.runs = int(cp.runs or 0) + 1
    teams = _teams()
    positions = [f"{trust.trust_id}#{team.team_id}" for trust, team in teams]
    first = positions.index(cp.position) if cp.position in positions else 0
    for (trust, team), position in zip(teams[first:], positions[first:], strict=True):
        if cp.position != position:
            cp.position, cp.cursor = position, None
        if not _team(trust, team, cp, run, now, page_size, lambda: monotonic() - started > budget_seconds):
            store.save_checkpoint(cp)
            log_event("retention_run", count=sum(run.counts.values()), outcome="paused")
            return run
    cp.completed_at, cp.position, cp.cursor = now, None, None
    store.save_checkpoint(cp)
    run.finished = True
    log_event("retention_run", count=sum(run.counts.values()), outcome="pass complete")
    return run


def _team(trust: TrustItem, team: TeamItem, cp: store.JobCheckpointItem, run: Run, now: datetime, page_size: int,
          spent: Callable[[], bool]) -> bool:
    """Work through one team's candidates from the checkpoint's cursor; False if the budget ran out."""
    years = int(trust.retention_years or retention.DEFAULT_YEARS)
    bound = retention.candidates_before(now, years)
    while True:
        if spent():
            return False
        page = store.retention_page(team.team_id, bound, cursor_text=cp.cursor, limit=page_size)
        births = _dates_of_birth(page.conversations) if page.conversations else {}
        for conv in page.conversations:
            outcome = process(conv, trust.trust_id, births.get(conv.patient_id), years, now)
            run.count(outcome)
            cp.counts = {**(cp.counts or {}), outcome: int((cp.counts or {}).get(outcome, 0)) + 1}
        cp.cursor = page.next_cursor
        store.save_checkpoint(cp)
        if page.next_cursor is None:
            return True


# --- the Trust's setting -----------------------------------------------------------------------------------


def retention_view(actor: Any, now: datetime) -> dict[str, Any]:
    """The Trust admin's retention page: the years kept, and the rule they follow."""
    trust = team_store.get_trust(actor.trust_id)
    years = int(trust.retention_years or retention.DEFAULT_YEARS) if trust else retention.DEFAULT_YEARS
    return {"trust": {"name": trust.name if trust else ""}, "years": years, "default_years": retention.DEFAULT_YEARS,
            "min_years": retention.MIN_YEARS, "max_years": retention.MAX_YEARS}


def do_set_retention(actor: Any, now: datetime, value: object) -> int:
    """A Trust admin sets how many years filed messages are kept after a conversation's last activity (audited)."""
    years = retention.check_years(value)
    trust = team_store.get_trust(actor.trust_id)
    if trust is None:
        from chalicelib.errors import NotFound

        raise NotFound("We could not find your Trust.")
    with db.committed() as tx:
        tx.update(trust, actions=[TrustItem.retention_years.set(years)])
        tx.save(audit_event(now, AuditEventType.RETENTION_CHANGED, actor,
                            detail={"years": years, "was": int(trust.retention_years or retention.DEFAULT_YEARS)}))
    return years
