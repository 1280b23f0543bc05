"""Telling people a message arrived: loading who should hear, and one Web Push per device.

Runs from the main table's DynamoDB stream (``services.stream``), so a push never delays or fails a
send: the message is already committed when the stream sees it, and a push failure only ever
touches the subscription it failed on. Who is told is decided by ``chalicelib.domain.notify``; what
a push says and how it is sent is ``chalicelib.push``.

A re-publication of the team's rota that changed days still ahead writes a notice item
(``models.rota.RotaNoticeItem``); its INSERT here becomes one push to each device of each patient in the
team (never staff), with fixed text and a ref to the rota's month. Notices for the same team in one batch
are coalesced into one push per device.

Delivery is one attempt chain per device: a claim item (conditional put) makes a repeated stream
event send nothing twice; 404/410 delete the subscription; 413 is logged as a bug; retries exhausted
are recorded on the subscription, which the settings page shows as "no notification delivered since".
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from chalicelib.domain import notify as rules
from chalicelib.domain.notify import Recipient
from chalicelib.domain.rota import on_shift_now
from chalicelib.errors import ServiceUnavailable
from chalicelib.logs import log_event
from chalicelib.models import conversation as conversation_store
from chalicelib.models import patient_list as patient_list_store
from chalicelib.models import push as push_store
from chalicelib.models import rota as rota_store
from chalicelib.models import team as team_store
from chalicelib.models.conversation import MessageItem
from chalicelib.models.push import PushSubscriptionItem
from chalicelib.models.rota import RotaNoticeItem
from chalicelib.models.safety import team_safety
from chalicelib.push.payload import build_payload
from chalicelib.push.sender import DeliveryResult, Subscription

CLAIM_LIFETIME = timedelta(days=7)
#: How long after each failed try a push is tried again (then the last step, until its TTL runs out).
RETRY_BACKOFF_SECONDS = (30, 60, 120, 300, 600, 1200, 1800)
#: Devices pushed to at once, and how long a batch may spend starting sends before it leaves the rest
#: to the retry job (each send is bounded too: the sender's timeout and small retry budget).
PARALLEL_SENDS = 8
SEND_BUDGET_SECONDS = 30.0
REF_LIFETIME = timedelta(days=30)
TTL_PATIENT = 24 * 3600  # a reply is still worth knowing about tomorrow
TTL_STAFF = 4 * 3600  # a shift's worth

Sender = Callable[..., DeliveryResult]


@dataclass
class DispatchResult:
    """Counts of what one batch of stream records did."""

    messages: int = 0
    notices: int = 0  # rota notices handled (after coalescing: at most one per team per batch)
    attempted: int = 0
    delivered: int = 0
    duplicates: int = 0
    removed: int = 0
    failed: int = 0
    deferred: int = 0
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
    policy = team_store.team_policy(team)
    # Where the team keeps a rota, it says who is on shift (services.routing; one more BatchGetItem here).
    rota_on_shift = on_shift_now(rota_store.published_for(team.team_id, now), policy, now)
    return rules.staff_to_notify(policy, members, urgent=urgent, now=now, rota_on_shift=rota_on_shift,
                                 on_call=team_safety(team).on_call), urgent


class Push(NamedTuple):
    """One notification for one device: what to send, and until when it is worth sending."""

    message_id: str  # or a rota notice's id: what the device's delivery claim is keyed by
    device: PushSubscriptionItem
    audience: str  # what the push says: chalicelib.push.payload.BODIES' key (patient, staff, rota_changed)
    ref: str
    urgent: bool
    deadline: datetime  # created + TTL: after this the push service would drop it anyway
    attempts: int = 1


def _ttl_left(push: Push, now: datetime) -> int:
    return max(0, int((push.deadline - now).total_seconds()))


def _send_all(pushes: list[Push], send: Sender, now: datetime, *, budget: float = SEND_BUDGET_SECONDS,
              clock: Callable[[], float] = time.monotonic) -> list[tuple[Push, DeliveryResult | None]]:
    """Send to every device in parallel; a push not started within ``budget`` seconds gets None (retried later).

    Each send is itself bounded (the sender's timeout and small retry budget), so one slow or hanging
    push service holds up only its own devices, and the whole batch ends well inside the Lambda timeout.
    """
    started = clock()

    def one(push: Push) -> DeliveryResult | None:
        if clock() - started > budget:
            return None
        payload = build_payload(push.audience, push.ref, urgent=push.urgent)  # type: ignore[arg-type]
        return send(Subscription(push.device.endpoint, push.device.p256dh, push.device.auth), payload,
                    ttl=_ttl_left(push, now), urgency="high" if push.urgent else "normal")

    if len(pushes) <= 1:
        return [(push, one(push)) for push in pushes]
    with ThreadPoolExecutor(max_workers=min(PARALLEL_SENDS, len(pushes))) as pool:
        return list(zip(pushes, pool.map(one, pushes), strict=True))


def _retry_later(push: Push, delivery: DeliveryResult | None, now: datetime) -> bool:
    """Keep a push that failed for a passing reason to send again; False if its time is up."""
    wait = RETRY_BACKOFF_SECONDS[min(push.attempts, len(RETRY_BACKOFF_SECONDS)) - 1]
    if delivery is None:
        wait = 0  # never started: the batch's budget ran out
    elif delivery.retry_after:
        wait = max(wait, int(delivery.retry_after))
    due = now + timedelta(seconds=wait)
    if due >= push.deadline:
        return False
    push_store.schedule_retry(message_id=push.message_id, device_id=push.device.device_id,
                              actor_id=push.device.actor_id, audience=push.audience, ref=push.ref, urgent=push.urgent,
                              due=due, deadline=push.deadline, attempts=push.attempts + 1)
    return True


def _settle(push: Push, delivery: DeliveryResult | None, now: datetime, result: DispatchResult) -> None:
    """Record what happened to one push on its device, and count it."""
    outcome = delivery.outcome if delivery is not None else "not_started"
    result.outcomes[outcome] = result.outcomes.get(outcome, 0) + 1
    if outcome == "delivered":
        push_store.record_success(push.device, now)
        result.delivered += 1
    elif outcome in ("gone", "refused"):
        push_store.remove(push.device)
        result.removed += 1
    elif outcome in ("retry_exhausted", "not_started") and _retry_later(push, delivery, now):
        result.deferred += 1
    else:
        if outcome == "too_large":
            log_event("push_payload_too_large", logging.ERROR, subscription_id=push.device.device_id, outcome="bug")
        elif outcome == "vapid_rejected":
            # The push service refused our VAPID credentials (e.g. Apple's BadJwtToken for a placeholder
            # subject): every device on that service fails until the deployment is fixed.
            log_event("push_vapid_rejected", logging.ERROR, subscription_id=push.device.device_id,
                      outcome="configuration")
        push_store.record_failure(push.device, now)
        result.failed += 1


def _pushes_for(message: MessageItem, *, now: datetime, result: DispatchResult) -> list[Push]:
    """The devices to push one stored message to, each claimed (so a redelivered batch sends nothing twice)."""
    recipients, urgent = recipients_for(message, now=now)
    if not recipients:
        return []
    ref = secrets.token_urlsafe(16)
    push_store.save_ref(ref, team_id=message.team_id, patient_id=message.patient_id,
                        audience=recipients[0].audience, expires_at=now + REF_LIFETIME)
    pushes = []
    for recipient in recipients:
        ttl = TTL_PATIENT if recipient.audience == "patient" else TTL_STAFF
        for device in push_store.subscriptions_of(recipient.actor_id):
            if not push_store.claim(message.message_id, device.device_id, now + CLAIM_LIFETIME):
                result.duplicates += 1
                continue
            pushes.append(Push(message.message_id, device, recipient.audience, ref, urgent,
                               now + timedelta(seconds=ttl)))
    result.attempted += len(pushes)
    return pushes


def _notices_to_tell(images: Iterable[dict[str, Any]], now: datetime) -> list[RotaNoticeItem]:
    """The batch's rota notices still worth sending, one per team (coalesced: one push per patient device).

    Where a team re-published twice (or two months) within one batch, the earliest month's latest version
    is kept: its claims are what make a redelivered batch send nothing twice, and it is where the push opens.
    """
    kept: dict[str, RotaNoticeItem] = {}
    for image in images:
        if not rota_store.is_notice(image):
            continue
        notice = rota_store.notice_from_raw(image)
        if now >= notice.tell_until:
            continue  # the changed days are past (a late redelivery): nothing left to tell
        other = kept.get(notice.team_id)
        if other is None or (notice.month, -int(notice.version)) < (other.month, -int(other.version)):
            kept[notice.team_id] = notice
    return list(kept.values())


def _rota_pushes(notice: RotaNoticeItem, *, now: datetime, result: DispatchResult) -> list[Push]:
    """One push to each device of each patient in the team (no staff), each claimed before it is sent.

    One Query pages through the team's patient list, then one Query per patient finds their devices.
    """
    devices = [device for patient_id in patient_list_store.current_patient_ids(notice.team_id)
               for device in push_store.subscriptions_of(patient_id)]
    if not devices:
        return []
    ref = secrets.token_urlsafe(16)
    push_store.save_ref(ref, team_id=notice.team_id, patient_id="", audience="rota", month=notice.month,
                        expires_at=now + REF_LIFETIME)
    pushes = []
    for device in devices:
        if not push_store.claim(notice.notice_id, device.device_id, now + CLAIM_LIFETIME):
            result.duplicates += 1
            continue
        pushes.append(Push(notice.notice_id, device, "rota_changed", ref, False, now + timedelta(seconds=TTL_PATIENT)))
    result.attempted += len(pushes)
    return pushes


def _deliver(pushes: list[Push], *, now: datetime, send: Sender, result: DispatchResult) -> int:
    """Send, then settle each push; returns how many could not be settled (DynamoDB trouble)."""
    errors = 0
    for push, delivery in _send_all(pushes, send, now):
        try:
            _settle(push, delivery, now, result)
        except ServiceUnavailable:
            log_event("push_settle_failed", logging.ERROR, message_id=push.message_id)
            errors += 1
    return errors


def notify(message: MessageItem, *, now: datetime, send: Sender, result: DispatchResult) -> None:
    """Push one stored message to everyone who should hear about it."""
    _deliver(_pushes_for(message, now=now, result=result), now=now, send=send, result=result)


def handle_new_images(images: Iterable[dict[str, Any]], *, now: datetime, send: Sender) -> DispatchResult:
    """Handle the NewImage of each inserted item from the stream; only messages and rota notices matter."""
    images = list(images)
    result = DispatchResult()
    errors = 0
    pushes: list[Push] = []
    for notice in _notices_to_tell(images, now):
        result.notices += 1
        try:
            pushes += _rota_pushes(notice, now=now, result=result)
        except ServiceUnavailable:
            log_event("push_dispatch_failed", logging.ERROR, team_id=notice.team_id, kind="rota_changed")
            errors += 1
    for image in images:
        if not conversation_store.is_message(image):
            continue
        message = conversation_store.message_from_raw(image)
        result.messages += 1
        try:
            pushes += _pushes_for(message, now=now, result=result)
        except ServiceUnavailable:
            # Carry on with the rest of the batch, then fail it so the stream redelivers.
            log_event("push_dispatch_failed", logging.ERROR, message_id=message.message_id)
            errors += 1
    errors += _deliver(pushes, now=now, send=send, result=result)
    log_event("push_dispatch", count=result.messages + result.notices, outcome=f"{result.delivered} delivered",
              attempts=result.attempted)
    if errors:
        raise DispatchIncomplete(f"{errors} message(s) not dispatched")
    return result


def retry_due(now: datetime, *, send: Sender) -> DispatchResult:
    """Send again the pushes whose retry is due (the scheduled push-retry job)."""
    result = DispatchResult()
    pushes = []
    for retry in push_store.due_retries(now):
        if not push_store.take_retry(retry):
            continue  # another run has it
        device = push_store.subscription(retry.actor_id, retry.device_id)
        if device is None:
            continue  # the device was removed meanwhile
        pushes.append(Push(retry.message_id, device, retry.audience, retry.ref, bool(retry.urgent), retry.deadline,
                           int(retry.attempts)))
    result.attempted = len(pushes)
    if _deliver(pushes, now=now, send=send, result=result):
        raise DispatchIncomplete("some retries could not be recorded")
    log_event("push_retry", count=len(pushes), outcome=f"{result.delivered} delivered", attempts=result.attempted)
    return result
