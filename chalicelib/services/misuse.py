"""The misuse ladder as the team uses it: a reminder, a plan, a cap, a pause, and ending them. Each step is one
transaction: the conversation's new state, the step's own item (the history), a line in the conversation (the young
person sees every step, openly) and its audit row.

The rules (who may do what, review dates, what the young person is told) are ``chalicelib.domain.misuse``.
Conversation writes carry the revision condition, so a step and a send never overwrite each other unseen.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pynamodb.exceptions import TransactWriteError

from chalicelib.domain import misuse as rules
from chalicelib.domain.conversation import Change, next_instant
from chalicelib.domain.policy import when_text
from chalicelib.errors import Conflict, Forbidden, ServiceUnavailable
from chalicelib.models import conversation as store
from chalicelib.models import db
from chalicelib.models import safety as safety_store
from chalicelib.models.audit import AuditEventType, audit_event
from chalicelib.models.conversation import ConversationItem, MessageItem
from chalicelib.models.team import team_policy
from chalicelib.scopes import StaffConversation
from chalicelib.services.common import staff_label

EVENTS = {"plan": AuditEventType.MISUSE_PLAN_SET, "cap": AuditEventType.MISUSE_CAP_SET,
          "pause": AuditEventType.MISUSE_PAUSED}


def _posted(at: datetime) -> Change:
    """A line posted by the team (or Teamline) for the young person: they have something new; nobody owes a reply."""
    return Change({"last_activity_at": at}, add={"message_count": 1, "patient_unread": 1})


def _commit(sc: StaffConversation, conv: ConversationItem, change: Change, message: MessageItem,
            step: safety_store.SafetyStepItem, event: AuditEventType, detail: dict[str, Any], now: datetime) -> None:
    tx = db.transaction()
    try:
        with tx:
            tx.save(message, label="message")
            tx.save(step, label="step")
            tx.save(audit_event(now, event, sc.actor, team_id=conv.team_id, patient_id=conv.patient_id,
                                message_id=message.message_id, detail=detail), label="audit")
            tx.update(conv, actions=store.update_actions(conv, change), condition=store.unchanged_since_loaded(conv),
                      label="conversation")
    except TransactWriteError as exc:
        if "conversation" in tx.failed_labels(exc) or "TransactionConflict" in db.cancellation_codes(exc):
            raise Conflict("The conversation changed just now. Refresh the page and try again.") from exc
        raise ServiceUnavailable() from exc


def do_remind(sc: StaffConversation, now: datetime, text: object) -> None:
    """A clinician reminds the young person what messaging is for: their own words, in the conversation, recorded."""
    conv = sc.conversation
    body = rules.clean_text(text, "reminder_text", "reminder", required=False) or rules.DEFAULT_REMINDER
    at = next_instant(conv.last_activity_at, now)
    message = store.new_message(conv, at, "staff", sc.actor.id, staff_label(sc.actor), body)
    step = safety_store.new_step(conv.team_id, conv.patient_id, step="reminder", at=at, by_id=sc.actor.id,
                                 by_name=staff_label(sc.actor), message_id=message.message_id)
    _commit(sc, conv, _posted(at), message, step, AuditEventType.MISUSE_REMINDER, {"step": "reminder"}, now)


def do_set(sc: StaffConversation, now: datetime, kind: str, *, reason: object, review_at: datetime,
           text: object = "", limit: object = None, period: object = None) -> rules.Restriction:
    """Agree a plan, set a cap or pause messaging, with a reason and a review date; changing one in force is the lead's."""
    if kind not in rules.KINDS:
        raise Forbidden("That is not a step of the ladder.")
    conv = sc.conversation
    ladder = rules.Ladder.from_stored(conv.misuse)
    if rules.needs_lead(kind, ladder, now) and sc.role != "lead":
        raise Forbidden("Only the team lead can change a plan, cap or pause that is already in place.")
    restriction = _restriction(sc, now, kind, reason, review_at, text, limit, period)
    at = next_instant(conv.last_activity_at, now)
    policy = team_policy(sc.team)
    notice = rules.step_notice(restriction, when_text(policy, restriction.review_at, now))
    message = store.new_message(conv, at, "system", None, "Teamline", notice)
    step = safety_store.new_step(conv.team_id, conv.patient_id, step=kind, at=at, by_id=sc.actor.id,
                                 by_name=staff_label(sc.actor), reason=restriction.reason,
                                 review_at=restriction.review_at, message_id=message.message_id,
                                 detail={"text": restriction.text, "limit": restriction.limit,
                                         "period": restriction.period})
    change = _posted(at)
    change.set["misuse"] = ladder.with_kind(kind, restriction).to_stored()
    if kind == "cap" and ladder.active("cap", now) is None:
        change.set["cap_count"] = 0  # a new cap counts from now
    detail = {"step": kind, "review_at": restriction.review_at.isoformat(), "changed": ladder.active(kind, now)
              is not None, **({"limit": restriction.limit, "period": restriction.period} if kind == "cap" else {})}
    _commit(sc, conv, change, message, step, EVENTS[kind], detail, now)
    return restriction


def _restriction(sc: StaffConversation, now: datetime, kind: str, reason: object, review_at: datetime, text: object,
                 limit: object, period: object) -> rules.Restriction:
    clean_reason = rules.clean_text(reason, "reason", "reason")
    review = rules.clean_review(review_at, now, kind)
    if kind == "plan":
        agreed = rules.clean_text(text, "text", "plan")
        return rules.Restriction("plan", clean_reason, now, review, staff_label(sc.actor), text=agreed)
    if kind == "cap":
        count, per = rules.clean_cap(limit, period)
        return rules.Restriction("cap", clean_reason, now, review, staff_label(sc.actor), limit=count, period=per)
    instead = rules.clean_text(text, "text", "advice on what to do instead", required=False)
    return rules.Restriction("pause", clean_reason, now, review, staff_label(sc.actor), text=instead)


def do_end(sc: StaffConversation, now: datetime, kind: str) -> None:
    """The team lead ends a plan, lifts a cap or a pause now (the young person is told in the conversation)."""
    if sc.role != "lead":
        raise Forbidden("Only the team lead can end a plan, cap or pause.")
    conv = sc.conversation
    ladder = rules.Ladder.from_stored(conv.misuse)
    if kind not in rules.KINDS or ladder.active(kind, now) is None:
        raise Conflict("There is nothing like that in place to end. Refresh the page.", field="kind")
    at = next_instant(conv.last_activity_at, now)
    message = store.new_message(conv, at, "system", None, "Teamline", rules.end_notice(kind))
    step_name = rules.ENDED[kind]
    step = safety_store.new_step(conv.team_id, conv.patient_id, step=step_name, at=at, by_id=sc.actor.id,
                                 by_name=staff_label(sc.actor), message_id=message.message_id)
    change = _posted(at)
    remaining = ladder.with_kind(kind, None).to_stored()
    if remaining is None:
        change = change._replace(clear=("misuse",))
    else:
        change.set["misuse"] = remaining
    _commit(sc, conv, change, message, step, AuditEventType.MISUSE_STEP_ENDED, {"step": step_name}, now)
