"""Sending, listing and reading messages.

Guarantees, and how they are kept:

* **Never duplicated.** Each message has a client-made id. The send transaction puts a guard item
  keyed by that id with ``attribute_not_exists``; a retry of the same send fails that condition,
  DynamoDB returns the guard (ReturnValuesOnConditionCheckFailure=ALL_OLD) and the stored message is
  returned instead. The same id with a different text is a 409.
* **Never lost or shown as sent early.** The message, its guard, the conversation's new state, any
  auto-reply and the audit event are one TransactWriteItems call: all of it is stored or none is,
  and the response is only built after it commits.
* **Consistent conversation state under concurrency.** Conversation writes carry a revision
  condition; a conflicting write makes the loser reload and re-plan (so two sends in one closed
  period still produce one auto-reply).

A patient's send is two DynamoDB round trips: the BatchGetItem that authenticates and loads
(``chalicelib.access``) and this transaction.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from pynamodb.exceptions import PynamoDBException, TransactWriteError

from chalicelib.access import PatientConversation, StaffConversation
from chalicelib.auth import sessions
from chalicelib.auth.actor import Actor
from chalicelib.domain.messages import body_digest, clean_body, clean_client_id, preview
from chalicelib.errors import Conflict, ServiceUnavailable, ValidationError
from chalicelib.ids import new_id
from chalicelib.models import db, keys
from chalicelib.models.audit import AuditEventType, audit_event
from chalicelib.models.items import ClientMessageItem, ConversationItem, MessageItem, SessionItem, TeamItem
from chalicelib.services.team_policy import Intake, plan_intake, policy_of

MAX_ATTEMPTS = 4
PAGE_SIZE = 30
INBOX_PAGE_SIZE = 25
_CURSOR = re.compile(r"^MSG#\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z#[0-9a-z]{26}$")


class SendResult(NamedTuple):
    """The stored message, the auto-reply it triggered (if any), and whether this call created them."""

    message: MessageItem
    auto_reply: MessageItem | None
    created: bool


# --- helpers ---------------------------------------------------------------------------------------


def _inbox_sk(waiting: bool, last_activity: datetime, patient_id: str) -> str:
    # Waiting conversations rank 1 and sort first in a descending query; newest first within each.
    return f"{1 if waiting else 0}#{keys.iso(last_activity)}#{patient_id}"


def _touch_session(tx: Any, session: SessionItem, now: datetime) -> None:
    if sessions.needs_touch(session, now):
        tx.update(
            session,
            actions=[SessionItem.last_seen_at.set(now), SessionItem.expires_at.set(sessions.touched_expiry(session, now))],
        )


def _next_instant(conv: ConversationItem, now: datetime) -> datetime:
    """When a new message is stamped: now, but always after the conversation's last message.

    Lambda containers' clocks differ by milliseconds; a reply must never sort before what it answers.
    """
    floor = conv.last_activity_at + timedelta(microseconds=1) if conv.last_activity_at else now
    return max(now, floor)


def _new_message(conv: ConversationItem, at: datetime, sender_kind: str, sender_id: str | None, label: str,
                 body: str, *, client_id: str | None = None, reply_by: datetime | None = None,
                 auto_kind: str | None = None) -> MessageItem:
    """Build (not save) a message in ``conv`` stamped ``at``."""
    message_id = new_id(at)
    return MessageItem(
        keys.conversation_pk(conv.team_id, conv.patient_id),
        keys.message_sk(at, message_id),
        message_id=message_id,
        team_id=conv.team_id,
        patient_id=conv.patient_id,
        client_id=client_id,
        sender_kind=sender_kind,
        sender_id=sender_id,
        sender_label=label,
        body=body,
        sent_at=at,
        reply_by=reply_by,
        auto_kind=auto_kind,
    )


def _reload_conversation(conv: ConversationItem) -> ConversationItem:
    try:
        return ConversationItem.get(conv.pk, conv.sk, consistent_read=True)
    except PynamoDBException as exc:
        raise ServiceUnavailable() from exc


def _existing(raw_guard: dict[str, Any], digest: str) -> SendResult:
    """Answer a retried send from what is stored."""
    guard = ClientMessageItem.from_raw_data(raw_guard)
    if guard.body_sha256 != digest:
        raise Conflict("A different message was already sent with this id.", field="client_id")
    wanted = [(guard.pk, guard.message_sk)] + ([(guard.pk, guard.auto_reply_sk)] if guard.auto_reply_sk else [])
    found = db.batch_get(wanted)
    message = found.get((guard.pk, guard.message_sk))
    if not isinstance(message, MessageItem):  # the guard and message are written together; this cannot happen
        raise ServiceUnavailable()
    auto = found.get((guard.pk, guard.auto_reply_sk)) if guard.auto_reply_sk else None
    return SendResult(message, auto if isinstance(auto, MessageItem) else None, created=False)


def _guard_failed(error: TransactWriteError) -> dict[str, Any] | None:
    for reason in error.cancellation_reasons or []:
        if (reason is not None and reason.code == "ConditionalCheckFailed" and reason.raw_item
                and reason.raw_item.get("kind", {}).get("S") == "client_message"):
            return reason.raw_item
    return None


def _retryable(error: TransactWriteError) -> bool:
    codes = set(db.cancellation_codes(error)) - {None, "None"}
    return bool(codes) and codes <= {"ConditionalCheckFailed", "TransactionConflict"}


def _store_once(conv: ConversationItem, commit: Callable[[ConversationItem], SendResult], digest: str,
                not_sent: str) -> SendResult:
    """Run ``commit`` until it stores the message, finds it already stored, or fails for good.

    A failed guard means this client id was stored before (return that); a conversation that changed
    under us means reload and try again, a bounded number of times.
    """
    for _ in range(MAX_ATTEMPTS):
        try:
            return commit(conv)
        except TransactWriteError as error:
            raw_guard = _guard_failed(error)
            if raw_guard is not None:
                return _existing(raw_guard, digest)
            if not _retryable(error):
                raise ServiceUnavailable() from error
            conv = _reload_conversation(conv)
    raise ServiceUnavailable(f"Teamline is busy. {not_sent}; please try again.")


# --- patient sends -----------------------------------------------------------------------------------


def do_patient_send(pc: PatientConversation, *, client_id: object, body: object, now: datetime) -> SendResult:
    """Store a patient's message (and any auto-reply) exactly once."""
    text = clean_body(body)
    cid = clean_client_id(client_id)
    digest = body_digest(text)

    def commit(conv: ConversationItem) -> SendResult:
        # Planned afresh on every attempt: a conflicting write may have sent this period's auto-reply.
        intake = plan_intake(
            policy_of(pc.team), assigned_staff_id=conv.assigned_staff_id, last_auto_key=conv.last_auto_reply_key, now=now
        )
        return _commit_patient_send(pc, conv, intake, cid, text, digest, now)

    return _store_once(pc.conversation, commit, digest, "Your message was not sent yet")


def _commit_patient_send(
    pc: PatientConversation, conv: ConversationItem, intake: Intake, cid: str, text: str, digest: str, now: datetime
) -> SendResult:
    team_id, patient_id = conv.team_id, conv.patient_id
    now = _next_instant(conv, now)
    message = _new_message(conv, now, "patient", patient_id, pc.actor.first_name, text, client_id=cid,
                           reply_by=intake.reply_by)
    auto: MessageItem | None = None
    if intake.auto_text:
        # One microsecond later so the auto-reply always sorts after the message it answers.
        auto = _new_message(conv, now + timedelta(microseconds=1), "auto", None, "Automatic reply", intake.auto_text,
                            reply_by=intake.reply_by, auto_kind=intake.auto_kind)
        message.auto_reply_sk = auto.sk
    guard = ClientMessageItem(
        *keys.client_message(team_id, patient_id, cid),
        message_sk=message.sk,
        body_sha256=digest,
        auto_reply_sk=auto.sk if auto else None,
    )
    waiting_since = conv.waiting_since or now
    reply_by = conv.reply_by if conv.waiting_since else intake.reply_by
    actions = [
        ConversationItem.last_activity_at.set(auto.sent_at if auto else now),
        ConversationItem.last_sender.set("patient"),
        ConversationItem.last_preview.set(preview(text)),
        ConversationItem.last_patient_at.set(now),
        ConversationItem.waiting_since.set(waiting_since),
        ConversationItem.team_unread.add(1),
        ConversationItem.message_count.add(2 if auto else 1),
        ConversationItem.gsi1sk.set(_inbox_sk(True, now, patient_id)),
        ConversationItem.revision.add(1),
    ]
    if reply_by is not None:
        actions += [
            ConversationItem.reply_by.set(reply_by),
            ConversationItem.gsi2pk.set(keys.team_due(team_id)),
            ConversationItem.gsi2sk.set(f"{keys.iso(reply_by)}#{patient_id}"),
        ]
    if conv.assigned_staff_id:
        actions.append(ConversationItem.gsi4sk.set(_inbox_sk(True, now, patient_id)))
    if auto is not None and intake.auto_key:
        actions.append(ConversationItem.last_auto_reply_key.set(intake.auto_key))
    with db.transaction() as tx:
        tx.save(guard, condition=ClientMessageItem.pk.does_not_exist(), return_values="ALL_OLD")
        tx.save(message)
        if auto is not None:
            tx.save(auto)
        tx.save(
            audit_event(
                now,
                AuditEventType.MESSAGE_SENT,
                actor_kind="patient",
                actor_id=patient_id,
                trust_id=pc.actor.trust_id,
                team_id=team_id,
                patient_id=patient_id,
                message_id=message.message_id,
                detail={"auto_reply": intake.auto_kind} if auto else None,
            )
        )
        tx.update(conv, actions=actions, condition=ConversationItem.revision == conv.revision)
        _touch_session(tx, pc.actor.session, now)
    return SendResult(message, auto, created=True)


# --- staff replies -------------------------------------------------------------------------------------


def do_staff_reply(
    sc: StaffConversation, *, client_id: object, body: object, now: datetime, seen_upto: str | None = None
) -> SendResult:
    """Store a clinician's reply exactly once; it answers the patient messages the clinician had seen.

    ``seen_upto`` is the sort key of the newest message on the clinician's screen. If the patient
    wrote again after it, the conversation stays "waiting" so the new message is not silently
    marked as answered. The first clinician to reply becomes the assigned clinician.
    """
    text = clean_body(body)
    cid = clean_client_id(client_id)
    digest = body_digest(text)
    if seen_upto is not None and seen_upto != "" and not _CURSOR.match(seen_upto):
        raise ValidationError("The page was out of date. Please refresh and try again.", field="seen_upto")
    return _store_once(sc.conversation,
                       lambda conv: _commit_staff_reply(sc, conv, cid, text, digest, now, seen_upto or None),
                       digest, "Your reply was not sent yet")


def staff_label(actor: Actor) -> str:
    """How a clinician is named to patients: first name and role, never a personal number."""
    staff = actor.staff
    if staff is None:
        return ""
    return f"{staff.given_name} ({staff.job_title})" if staff.job_title else staff.given_name


def _commit_staff_reply(
    sc: StaffConversation, conv: ConversationItem, cid: str, text: str, digest: str, now: datetime, seen_upto: str | None
) -> SendResult:
    team_id, patient_id = conv.team_id, conv.patient_id
    now = _next_instant(conv, now)
    message = _new_message(conv, now, "staff", sc.actor.id, staff_label(sc.actor), text, client_id=cid)
    guard = ClientMessageItem(*keys.client_message(team_id, patient_id, cid), message_sk=message.sk, body_sha256=digest)
    unseen = bool(
        seen_upto and conv.last_patient_at and keys.message_sk(conv.last_patient_at, "") > seen_upto
    )
    actions = [
        ConversationItem.last_activity_at.set(now),
        ConversationItem.last_sender.set("staff"),
        ConversationItem.last_preview.set(preview(text)),
        ConversationItem.patient_unread.add(1),
        ConversationItem.message_count.add(1),
        ConversationItem.revision.add(1),
        ConversationItem.team_read_upto.set(now),
        ConversationItem.team_unread.set(0),
    ]
    inbox_sk = _inbox_sk(unseen, now, patient_id)
    actions.append(ConversationItem.gsi1sk.set(inbox_sk))
    answered_overdue = not unseen and bool(conv.overdue)
    if not unseen:
        actions += [
            ConversationItem.waiting_since.remove(),
            ConversationItem.reply_by.remove(),
            ConversationItem.overdue.set(False),
            ConversationItem.gsi2pk.remove(),
            ConversationItem.gsi2sk.remove(),
        ]
    assignee = conv.assigned_staff_id or sc.actor.id
    if not conv.assigned_staff_id:
        actions += [ConversationItem.assigned_staff_id.set(assignee),
                    ConversationItem.assigned_name.set(staff_label(sc.actor))]
    actions += [ConversationItem.gsi4pk.set(keys.assigned(assignee)), ConversationItem.gsi4sk.set(inbox_sk)]
    with db.transaction() as tx:
        tx.save(guard, condition=ClientMessageItem.pk.does_not_exist(), return_values="ALL_OLD")
        tx.save(message)
        tx.save(
            audit_event(
                now,
                AuditEventType.MESSAGE_SENT,
                actor_kind="staff",
                actor_id=sc.actor.id,
                trust_id=sc.actor.trust_id,
                team_id=team_id,
                patient_id=patient_id,
                message_id=message.message_id,
            )
        )
        tx.update(conv, actions=actions, condition=ConversationItem.revision == conv.revision)
        if answered_overdue:
            tx.update(sc.team, actions=[TeamItem.overdue_count.add(-1)])
        _touch_session(tx, sc.actor.session, now)
    return SendResult(message, None, created=True)


# --- reading ---------------------------------------------------------------------------------------------


class MessagePage(NamedTuple):
    """Messages oldest-first for display, and the cursor for the page before them (None at the start)."""

    messages: list[MessageItem]
    older_cursor: str | None


def check_cursor(cursor: str | None) -> str | None:
    """Validate a message-page cursor from a URL."""
    if cursor in (None, ""):
        return None
    if not _CURSOR.match(str(cursor)):
        raise ValidationError("That page link is not valid.", field="before")
    return cursor


def message_page(team_id: str, patient_id: str, *, before: str | None = None, limit: int = PAGE_SIZE) -> MessagePage:
    """One page of a conversation: one Query, newest first, returned oldest first."""
    pk = keys.conversation_pk(team_id, patient_id)
    # BETWEEN is inclusive, so the cursor's own message is fetched and dropped; a plain "<" would
    # run on into the CMID# guard items that sort before the messages.
    condition = (
        MessageItem.sk.between(keys.MESSAGE_PREFIX, before) if before else MessageItem.sk.startswith(keys.MESSAGE_PREFIX)
    )
    fetch = limit + (2 if before else 1)
    try:
        results = MessageItem.query(pk, condition, scan_index_forward=False, limit=fetch, page_size=fetch)
        items = [item for item in results if isinstance(item, MessageItem) and item.sk != before]
    except PynamoDBException as exc:
        raise ServiceUnavailable() from exc
    older = items[limit - 1].sk if len(items) > limit else None
    return MessagePage(list(reversed(items[:limit])), older)


def do_patient_read(pc: PatientConversation, now: datetime) -> None:
    """Mark the team's messages read by the patient (a write only when something was unread)."""
    conv = pc.conversation
    if not conv.patient_unread:
        return  # nothing from the team is unread (the patient's own messages do not need marking)
    try:
        conv.update(actions=[ConversationItem.patient_unread.set(0),
                             ConversationItem.patient_read_upto.set(max(now, conv.last_activity_at))])
    except PynamoDBException as exc:
        raise ServiceUnavailable() from exc


def do_staff_view(sc: StaffConversation, now: datetime) -> None:
    """Record that a clinician read the conversation (audit), marking the patient's messages read."""
    conv = sc.conversation
    with db.transaction() as tx:
        tx.save(
            audit_event(
                now,
                AuditEventType.CONVERSATION_VIEWED,
                actor_kind="staff",
                actor_id=sc.actor.id,
                trust_id=sc.actor.trust_id,
                team_id=conv.team_id,
                patient_id=conv.patient_id,
            )
        )
        if conv.team_unread:
            # Read up to everything on screen, even if its stamp is a hair ahead of this clock.
            tx.update(conv, actions=[ConversationItem.team_unread.set(0),
                                     ConversationItem.team_read_upto.set(max(now, conv.last_activity_at))])
        _touch_session(tx, sc.actor.session, now)


# --- the team inbox ---------------------------------------------------------------------------------------


class InboxPage(NamedTuple):
    """Conversations for one inbox page and the cursor for the next."""

    conversations: list[ConversationItem]
    next_cursor: str | None


def _encode_cursor(key: dict[str, Any] | None) -> str | None:
    if not key:
        return None
    flat = {name: value["S"] for name, value in key.items()}
    return base64.urlsafe_b64encode(json.dumps(flat, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode_inbox_cursor(cursor: str | None, team_id: str) -> dict[str, Any] | None:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        flat = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
        if set(flat) != {"pk", "sk", "gsi1pk", "gsi1sk"} or flat["gsi1pk"] != keys.team_inbox(team_id):
            raise ValueError("cursor for another list")
        if not all(isinstance(v, str) and len(v) < 300 for v in flat.values()):
            raise ValueError("bad cursor values")
    except (ValueError, UnicodeDecodeError, TypeError) as exc:
        raise ValidationError("That page link is not valid.", field="cursor") from exc
    return {name: {"S": value} for name, value in flat.items()}


def inbox_page(team: TeamItem, *, cursor: str | None = None, limit: int = INBOX_PAGE_SIZE) -> InboxPage:
    """One page of a team's inbox: waiting conversations first, newest first. One Query."""
    start = _decode_inbox_cursor(cursor, team.team_id)
    try:
        results = ConversationItem.by_gsi1.query(
            keys.team_inbox(team.team_id), scan_index_forward=False, limit=limit, page_size=limit, last_evaluated_key=start
        )
        items = [item for item in results if isinstance(item, ConversationItem)]
        next_key = results.last_evaluated_key
    except PynamoDBException as exc:
        raise ServiceUnavailable() from exc
    return InboxPage(items, _encode_cursor(next_key) if len(items) == limit else None)


def do_claim(sc: StaffConversation, now: datetime) -> None:
    """Make the caller the clinician handling this conversation (visible to the team as "who is handling this")."""
    conv = sc.conversation
    if conv.assigned_staff_id == sc.actor.id:
        return
    inbox_sk = conv.gsi1sk or _inbox_sk(conv.waiting_since is not None, conv.last_activity_at, conv.patient_id)
    try:
        with db.transaction() as tx:
            tx.update(conv, actions=[
                ConversationItem.assigned_staff_id.set(sc.actor.id),
                ConversationItem.assigned_name.set(staff_label(sc.actor)),
                ConversationItem.gsi4pk.set(keys.assigned(sc.actor.id)),
                ConversationItem.gsi4sk.set(inbox_sk),
                ConversationItem.revision.add(1),
            ], condition=ConversationItem.revision == conv.revision)
            tx.save(audit_event(now, AuditEventType.CONVERSATION_ASSIGNED, actor_kind="staff", actor_id=sc.actor.id,
                                trust_id=sc.actor.trust_id, team_id=conv.team_id, patient_id=conv.patient_id,
                                detail={"from": conv.assigned_staff_id, "to": sc.actor.id}))
    except TransactWriteError as exc:
        if _retryable(exc):
            raise Conflict("Someone else changed this conversation just now. Refresh and try again.") from exc
        raise ServiceUnavailable() from exc


def assigned_page(staff_ids: list[str], *, limit: int = 50) -> list[ConversationItem]:
    """Conversations assigned to any of these clinicians (one Query each), waiting first, newest first."""
    found: list[ConversationItem] = []
    try:
        for staff_id in staff_ids:
            found += [c for c in ConversationItem.by_gsi4.query(keys.assigned(staff_id), scan_index_forward=False,
                                                                limit=limit) if isinstance(c, ConversationItem)]
    except PynamoDBException as exc:
        raise ServiceUnavailable() from exc
    return sorted(found, key=lambda c: c.gsi4sk or "", reverse=True)[:limit]



def do_set_urgent(sc: StaffConversation, now: datetime, urgent: bool) -> None:
    """Mark a conversation urgent (staff are then notified of it even off shift), or not."""
    conv = sc.conversation
    if bool(conv.urgent) == urgent:
        return
    with db.transaction() as tx:
        tx.update(conv, actions=[ConversationItem.urgent.set(urgent)])
        tx.save(audit_event(now, AuditEventType.CONVERSATION_URGENCY_CHANGED, actor_kind="staff",
                            actor_id=sc.actor.id, trust_id=sc.actor.trust_id, team_id=conv.team_id,
                            patient_id=conv.patient_id, detail={"urgent": urgent}))
