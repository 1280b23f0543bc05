"""Who gets a push when a message is stored, and delivering it once per device.

Runs from the main table's DynamoDB stream (``app.py``; ``make run`` polls the stream locally), so a
push never delays or fails a send: the message is already committed when the stream sees it, and a
push failure only ever touches the subscription it failed on.

"Should we notify?" is a chain of named rules, as in Mastodon's notify service:

* ``is_notifiable``: only new patient and clinician messages; automatic replies never notify.
* A clinician's reply notifies the patient, on every device they subscribed.
* A patient's message notifies the team's clinicians who are on shift (the team is open) and not
  away; an urgent conversation notifies them whatever the time. The sender is never notified: a
  patient's own message only goes to staff, and a clinician's only to the patient.

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
from typing import Any, NamedTuple

from pynamodb.exceptions import PutError, PynamoDBException

from chalicelib.domain.availability import status_at
from chalicelib.logs import log_event
from chalicelib.models import keys
from chalicelib.models.items import (
    ConversationItem,
    MessageItem,
    PushClaimItem,
    PushRefItem,
    PushSubscriptionItem,
    TeamItem,
    TeamMemberItem,
)
from chalicelib.push.payload import build_payload
from chalicelib.push.sender import DeliveryResult, Subscription
from chalicelib.services.team_policy import policy_of

CLAIM_LIFETIME = timedelta(days=7)
REF_LIFETIME = timedelta(days=30)
TTL_PATIENT = 24 * 3600  # a reply is still worth knowing about tomorrow
TTL_STAFF = 4 * 3600  # a shift's worth


class Recipient(NamedTuple):
    """One person to notify and the wording they get."""

    actor_id: str
    audience: str  # patient | staff


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


Sender = Callable[..., DeliveryResult]


def is_notifiable(message: MessageItem) -> bool:
    """New patient and clinician messages notify; automatic replies never do."""
    return message.sender_kind in ("patient", "staff")


def on_shift(team: TeamItem, now: datetime) -> bool:
    """Clinicians are on shift while their team is open."""
    return status_at(policy_of(team).availability, now).open


def staff_to_notify(team: TeamItem, roster: list[TeamMemberItem], *, urgent: bool, now: datetime) -> list[Recipient]:
    """The team's clinicians to tell about a patient's message."""
    if not urgent and not on_shift(team, now):
        return []
    policy = policy_of(team)
    return [Recipient(m.staff_id, "staff") for m in roster if policy.away_now(m.staff_id, now) is None]


def recipients_for(message: MessageItem, *, now: datetime) -> tuple[list[Recipient], bool]:
    """Who to notify about ``message`` and whether it is urgent."""
    if not is_notifiable(message):
        return [], False
    if message.sender_kind == "staff":
        return [Recipient(message.patient_id, "patient")], False
    team = TeamItem.get(*keys.team(message.team_id))
    conversation = ConversationItem.get(*keys.conversation(message.team_id, message.patient_id))
    roster = [m for m in TeamMemberItem.query(f"TEAM#{team.team_id}", TeamMemberItem.sk.startswith("STAFF#"))
              if isinstance(m, TeamMemberItem)]
    urgent = bool(conversation.urgent)
    return staff_to_notify(team, roster, urgent=urgent, now=now), urgent


def _claim(message_id: str, device_id: str, now: datetime) -> bool:
    """Claim the right to push this message to this device; False if already claimed."""
    claim = PushClaimItem(*keys.push_claim(message_id, device_id), expires_at=now + CLAIM_LIFETIME)
    try:
        claim.save(condition=PushClaimItem.pk.does_not_exist())
    except PutError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def _record(subscription: PushSubscriptionItem, result: DeliveryResult, now: datetime) -> str:
    """Update or remove the subscription after an attempt; returns what happened to it."""
    if result.outcome == "delivered":
        subscription.update(actions=[PushSubscriptionItem.last_success_at.set(now), PushSubscriptionItem.failures.set(0)])
        return "delivered"
    if result.outcome == "gone":
        subscription.delete()
        return "removed"
    if result.outcome == "too_large":
        log_event("push_payload_too_large", logging.ERROR, subscription_id=subscription.device_id, outcome="bug")
    subscription.update(actions=[PushSubscriptionItem.last_failure_at.set(now), PushSubscriptionItem.failures.add(1)])
    return "failed"


def notify(message: MessageItem, *, now: datetime, send: Sender, result: DispatchResult) -> None:
    """Push one stored message to everyone who should hear about it."""
    recipients, urgent = recipients_for(message, now=now)
    if not recipients:
        return
    ref = secrets.token_urlsafe(16)
    PushRefItem(*keys.push_ref(ref), team_id=message.team_id, patient_id=message.patient_id,
                audience=recipients[0].audience, expires_at=now + REF_LIFETIME).save()
    for recipient in recipients:
        payload = build_payload(recipient.audience, ref, urgent=urgent)  # type: ignore[arg-type]
        for subscription in PushSubscriptionItem.query(keys.push_subscriptions_pk(recipient.actor_id)):
            if not isinstance(subscription, PushSubscriptionItem):
                continue
            if not _claim(message.message_id, subscription.device_id, now):
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


class DispatchIncomplete(Exception):
    """Some messages could not be handled (DynamoDB trouble); raising makes Lambda retry the batch.

    A retry is safe: every device already pushed to holds a claim, so nobody is notified twice.
    """


def handle_new_images(images: Iterable[dict[str, Any]], *, now: datetime, send: Sender) -> DispatchResult:
    """Handle the NewImage of each inserted item from the stream; only messages matter."""
    result = DispatchResult()
    errors = 0
    for image in images:
        if image.get("kind", {}).get("S") != "message":
            continue
        message = MessageItem.from_raw_data(image)
        result.messages += 1
        try:
            notify(message, now=now, send=send, result=result)
        except PynamoDBException:
            # Carry on with the rest of the batch, then fail it so the stream redelivers.
            log_event("push_dispatch_failed", logging.ERROR, message_id=message.message_id)
            errors += 1
    log_event("push_dispatch", count=result.messages, outcome=f"{result.delivered} delivered",
              attempts=result.attempted)
    if errors:
        raise DispatchIncomplete(f"{errors} message(s) not dispatched")
    return result


_sender: Any = None


def default_send(*args: Any, **kwargs: Any) -> DeliveryResult:
    """Send with the process's PushSender (built on first use, with the configured VAPID keys)."""
    global _sender
    if _sender is None:
        from chalicelib.push.config import vapid_keys
        from chalicelib.push.sender import PushSender

        # Stream batches run in a Lambda with a longer timeout than API requests; keep retries inside it.
        _sender = PushSender(vapid_keys, max_attempts=3, max_delay=10.0, timeout=5.0)
    return _sender.send(*args, **kwargs)
