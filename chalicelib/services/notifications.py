"""Telling people a message arrived: loading who should hear, and one Web Push per device.

Runs from the main table's DynamoDB stream (``services.stream``), so a push never delays or fails a
send: the message is already committed when the stream sees it, and a push failure only ever
touches the subscription it failed on. Who is told is decided by ``chalicelib.domain.notify``; what
a push says and how it is sent is ``chalicelib.push``.

Delivery is one attempt chain per device: a claim item (conditional put) makes a repeated stream
event send nothing twice; 404/410 delete the subscription; 413 is logged as a bug; retries exhausted
are recorded on the subscription, which the settings page shows as "no notification delivered since".
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from chalicelib.domain import notify as rules
from chalicelib.domain.notify import Recipient
from chalicelib.errors import ServiceUnavailable
from chalicelib.logs import log_event
from chalicelib.models import conversation as conversation_store
from chalicelib.models import push as push_store
from chalicelib.models import team as team_store
from chalicelib.models.conversation import MessageItem
from chalicelib.models.push import PushSubscriptionItem
from chalicelib.push.payload import build_payload
from chalicelib.push.sender import DeliveryResult, Subscription

CLAIM_LIFETIME = timedelta(days=7)
REF_LIFETIME = timedelta(days=30)
TTL_PATIENT = 24 * 3600  # a reply is still worth knowing about tomorrow
TTL_STAFF = 4 * 3600  # a shift's worth

Sender = Callable[..., DeliveryResult]


@dataclass
class DispatchResult:
    """Counts of what one batch of stream records did."""

    messages: int = 0
    attempted: int = 0
    delivered: int = 0
    duplicates: int = 0
    removed: int = 0
    failed: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)


class DispatchIncomplete(Exception):
    """Some messages could not be handled (DynamoDB trouble); raising makes Lambda retry the batch.

    A retry is safe: every device already pushed to holds a claim, so nobody is notified twice.
    """


def recipients_for(message: MessageItem, *, now: datetime) -> tuple[list[Recipient], bool]:
    """Who to notify about ``message`` and whether it is urgent (loads the team only when it matters)."""
    if not rules.is_notifiable(message.sender_kind):
        return [], False
    if not rules.needs_team(message.sender_kind):
        return rules.patient_to_notify(message.patient_id), False
    team, conversation = team_store.team_and_conversation(message.team_id, message.patient_id)
    if team is None or conversation is None:
        return [], False
    members = [m.staff_id for m in team_store.roster(team.team_id)]
    urgent = bool(conversation.urgent)
    return rules.staff_to_notify(team_store.team_policy(team), members, urgent=urgent, now=now), urgent


def _record(subscription: PushSubscriptionItem, result: DeliveryResult, now: datetime) -> str:
    """Update or remove the subscription after an attempt; returns what happened to it."""
    if result.outcome == "delivered":
        push_store.record_success(subscription, now)
        return "delivered"
    if result.outcome == "gone":
        push_store.remove(subscription)
        return "removed"
    if result.outcome == "too_large":
        log_event("push_payload_too_large", logging.ERROR, subscription_id=subscription.device_id, outcome="bug")
    push_store.record_failure(subscription, now)
    return "failed"


def _deliver(message: MessageItem, recipient: Recipient, payload: bytes, urgent: bool, *, now: datetime,
             send: Sender, result: DispatchResult) -> None:
    """Push to each of one recipient's devices that has not had this message yet."""
    for subscription in push_store.subscriptions_of(recipient.actor_id):
        if not push_store.claim(message.message_id, subscription.device_id, now + CLAIM_LIFETIME):
            result.duplicates += 1
            continue
        result.attempted += 1
        delivery = send(Subscription(subscription.endpoint, subscription.p256dh, subscription.auth), payload,
                        ttl=TTL_PATIENT if recipient.audience == "patient" else TTL_STAFF,
                        urgency="high" if urgent else "normal")
        what = _record(subscription, delivery, now)
        result.outcomes[delivery.outcome] = result.outcomes.get(delivery.outcome, 0) + 1
        if what == "delivered":
            result.delivered += 1
        elif what == "removed":
            result.removed += 1
        else:
            result.failed += 1


def notify(message: MessageItem, *, now: datetime, send: Sender, result: DispatchResult) -> None:
    """Push one stored message to everyone who should hear about it."""
    recipients, urgent = recipients_for(message, now=now)
    if not recipients:
        return
    ref = secrets.token_urlsafe(16)
    push_store.save_ref(ref, team_id=message.team_id, patient_id=message.patient_id,
                        audience=recipients[0].audience, expires_at=now + REF_LIFETIME)
    for recipient in recipients:
        payload = build_payload(recipient.audience, ref, urgent=urgent)  # type: ignore[arg-type]
        _deliver(message, recipient, payload, urgent, now=now, send=send, result=result)


def handle_new_images(images: Iterable[dict[str, Any]], *, now: datetime, send: Sender) -> DispatchResult:
    """Handle the NewImage of each inserted item from the stream; only messages matter."""
    result = DispatchResult()
    errors = 0
    for image in images:
        if not conversation_store.is_message(image):
            continue
        message = conversation_store.message_from_raw(image)
        result.messages += 1
        try:
            notify(message, now=now, send=send, result=result)
        except ServiceUnavailable:
            # Carry on with the rest of the batch, then fail it so the stream redelivers.
            log_event("push_dispatch_failed", logging.ERROR, message_id=message.message_id)
            errors += 1
    log_event("push_dispatch", count=result.messages, outcome=f"{result.delivered} delivered",
              attempts=result.attempted)
    if errors:
        raise DispatchIncomplete(f"{errors} message(s) not dispatched")
    return result
