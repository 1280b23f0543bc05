"""Sending messages: a patient's message (with any auto-reply) and a clinician's reply, each stored exactly once.

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
(``chalicelib.access``, with the team's rota months) and this transaction, which also routes an
unowned conversation to today's named contact (``services.routing``) and moves the views' counts.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from pynamodb.exceptions import TransactWriteError

from chalicelib.domain import conversation as rules
from chalicelib.domain.messages import body_digest, clean_body, clean_client_id, preview
from chalicelib.errors import Checks, Conflict, ServiceUnavailable
from chalicelib.models import conversation as store
from chalicelib.models import db
from chalicelib.models import inbox as inbox_store
from chalicelib.models import team as team_store
from chalicelib.models.audit import AuditEventType, audit_event
from chalicelib.models.conversation import ConversationItem, MessageItem
from chalicelib.models.team import team_policy
from chalicelib.scopes import PatientConversation, StaffConversation
from chalicelib.services import routing, safety_send
from chalicelib.services.common import staff_label, touch_session

MAX_ATTEMPTS = 8
#: Backoff between attempts that lost a race: up to 20 ms, 40 ms, ... (full jitter), so racing sends
#: spread out instead of colliding again; eight attempts fit well inside the request's deadline.
BACKOFF_BASE_SECONDS = 0.02
pause: Callable[[float], None] = time.sleep
jitter: Callable[[], float] = random.random


class SendResult(NamedTuple):
    """The stored message, the auto-reply it triggered (if any), and whether this call created them."""

    message: MessageItem
    auto_reply: MessageItem | None
    created: bool


class _Draft(NamedTuple):
    """A checked message waiting to be stored."""

    client_id: str
    text: str
    digest: str


def _draft(client_id: object, body: object) -> _Draft:
    checks = Checks()  # an empty message from a broken client: say both, as a form would
    text = checks.run(lambda: clean_body(body))
    client = checks.run(lambda: clean_client_id(client_id))
    checks.done()
    assert text is not None and client is not None  # done() raised otherwise
    return _Draft(client, text, body_digest(text))


# --- storing once ------------------------------------------------------------------------------------


def _existing(raw_guard: dict[str, Any], digest: str) -> SendResult:
    """Answer a retried send from what is stored."""
    guard = store.guard_from_raw(raw_guard)
    if guard.body_sha256 != digest:
        raise Conflict("A different message was already sent with this id.", field="client_id")
    message, auto = store.messages_by_key(guard.pk, [guard.message_sk, guard.auto_reply_sk])
    if message is None:  # the guard and message are written together; this cannot happen
        raise ServiceUnavailable()
    return SendResult(message, auto, created=False)


def _guard_failed(error: TransactWriteError) -> dict[str, Any] | None:
    for reason in error.cancellation_reasons or []:
        if (reason is not None and reason.code == "ConditionalCheckFailed" and reason.raw_item
                and store.is_guard(reason.raw_item)):
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
    for attempt in range(MAX_ATTEMPTS):
        try:
            return commit(conv)
        except TransactWriteError as error:
            raw_guard = _guard_failed(error)
            if raw_guard is not None:
                return _existing(raw_guard, digest)
            if not _retryable(error):
                raise ServiceUnavailable() from error
            pause(jitter() * BACKOFF_BASE_SECONDS * min(2 ** attempt, 16))
            conv = store.load(conv.team_id, conv.patient_id) or conv
    raise ServiceUnavailable(f"Teamline is busy. {not_sent}; please try again.")


# --- a patient's message -------------------------------------------------------------------------------


def do_patient_send(pc: PatientConversation, *, client_id: object, body: object, now: datetime) -> SendResult:
    """Store a patient's message (and any auto-reply) exactly once."""
    draft = _draft(client_id, body)
    return _store_once(pc.conversation, lambda conv: _commit_patient_send(pc, conv, draft, now), draft.digest,
                       "Your message was not sent yet")


def _commit_patient_send(pc: PatientConversation, conv: ConversationItem, draft: _Draft, now: datetime) -> SendResult:
    # Planned afresh on every attempt: a conflicting write may have sent this period's auto-reply. Safety (red flags,
    # the agreement, a pause or cap, the team's daily cap) decides first and may refuse; it adds no round trip, nor
    # does the rota (its months came with the conversation's BatchGetItem).
    policy, rota_days = team_policy(pc.team), routing.published(pc.items, pc.team.team_id, now)
    safe = safety_send.prepare(pc, conv, draft.text, now, contact=routing.contact_wording(rota_days, policy, now))
    intake = safe.intake
    at = rules.next_instant(conv.last_activity_at, now)
    message = store.new_message(conv, at, "patient", conv.patient_id, pc.actor.first_name, draft.text,
                                client_id=draft.client_id, reply_by=intake.reply_by)
    message.red_flags = safety_send.flags(safe)
    auto: MessageItem | None = None
    if intake.auto_text:
        # One microsecond later so the auto-reply always sorts after the message it answers.
        auto = store.new_message(conv, at + timedelta(microseconds=1), "auto", None, "Automatic reply",
                                 intake.auto_text, reply_by=intake.reply_by, auto_kind=intake.auto_kind)
        message.auto_reply_sk = auto.sk
    change = safety_send.with_safety(rules.patient_message(
        conv.state, at=at, preview=preview(draft.text), reply_by=intake.reply_by,
        auto_reply_at=auto.sent_at if auto else None, auto_key=intake.auto_key), safe, conv)
    routed = routing.on_send(conv, rota_days, policy, at)  # nobody holds it: today's named contact, if on shift
    if routed is not None:
        change = rules.merge(change, routed.change)
    with safety_send.transaction(conv.team_id, safe) as tx:
        tx.save(store.new_guard(conv, draft.client_id, message, draft.digest, auto),
                condition=store.ClientMessageItem.pk.does_not_exist(), return_values="ALL_OLD")
        tx.save(message)
        if auto is not None:
            tx.save(auto)
        tx.save(audit_event(at, AuditEventType.MESSAGE_SENT, pc.actor, team_id=conv.team_id,
                            patient_id=conv.patient_id, message_id=message.message_id,
                            detail={**(safety_send.audit_detail(intake.auto_kind if auto else None, safe) or {}),
                                    **({"routed_to": routed.staff_id} if routed else {})} or None))
        tx.update(conv, actions=store.update_actions(conv, change),
                  condition=safety_send.condition(store.unchanged_since_loaded(conv), conv, safe))
        inbox_store.count_updates(tx, conv, change)
        safety_send.count_intake(tx, safe, conv.team_id, now)
        if routed is not None:
            tx.save(routed.note)
        touch_session(tx, pc.actor, now)
    return SendResult(message, auto, created=True)


# --- a clinician's reply ------------------------------------------------------------------------------


def do_staff_reply(sc: StaffConversation, *, client_id: object, body: object, now: datetime,
                   seen_upto: str | None = None) -> SendResult:
    """Store a clinician's reply exactly once; it answers the patient messages the clinician had seen.

    ``seen_upto`` is the sort key of the newest message on the clinician's screen. If the patient
    wrote again after it, the conversation stays "waiting" so the new message is not silently
    marked as answered. The first clinician to reply becomes the assigned clinician.
    """
    draft = _draft(client_id, body)
    if sc.conversation.discharged_at is not None:
        raise Conflict("This patient has been discharged from the team, so they would not see a reply.")
    seen = store.check_message_cursor(seen_upto, field="seen_upto",
                                      message="The page was out of date. Please refresh and try again.")
    return _store_once(sc.conversation, lambda conv: _commit_staff_reply(sc, conv, draft, now, seen), draft.digest,
                       "Your reply was not sent yet")


def _commit_staff_reply(sc: StaffConversation, conv: ConversationItem, draft: _Draft, now: datetime,
                        seen_upto: str | None) -> SendResult:
    at = rules.next_instant(conv.last_activity_at, now)
    message = store.new_message(conv, at, "staff", sc.actor.id, staff_label(sc.actor), draft.text,
                                client_id=draft.client_id)
    unseen = rules.unseen_patient_message(conv.state, store.cursor_time(seen_upto))
    step = rules.staff_reply(conv.state, at=at, preview=preview(draft.text), staff_id=sc.actor.id,
                             staff_label=staff_label(sc.actor), unseen=unseen)
    if not unseen and conv.waiting_since is not None:  # it answers what was waiting: the dashboard's reply time
        message.answers_since, message.reply_by = conv.waiting_since, conv.reply_by
    if not unseen and conv.red_flag_since is not None:  # and the red-flag message among it
        message.answers_red_flag_since = conv.red_flag_since
        step = step._replace(change=step.change._replace(clear=(*step.change.clear, "red_flag_since")))
    with db.transaction() as tx:
        tx.save(store.new_guard(conv, draft.client_id, message, draft.digest),
                condition=store.ClientMessageItem.pk.does_not_exist(), return_values="ALL_OLD")
        tx.save(message)
        tx.save(audit_event(at, AuditEventType.MESSAGE_SENT, sc.actor, team_id=conv.team_id,
                            patient_id=conv.patient_id, message_id=message.message_id))
        tx.update(conv, actions=store.update_actions(conv, step.change), condition=store.unchanged_since_loaded(conv))
        inbox_store.count_updates(tx, conv, step.change)
        if step.answered_overdue:
            tx.update(sc.team, actions=team_store.overdue_answered())
        touch_session(tx, sc.actor, now)
    return SendResult(message, None, created=True)
