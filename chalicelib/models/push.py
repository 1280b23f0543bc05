"""Web Push: each device's subscription, the per-(message, device) delivery claim, and notification refs.

* A subscription lives in its owner's partition (``SUBS#<actor>``), one item per device, so finding
  everyone's devices for a notification is one Query per person.
* A claim (``PUSHED#<message>``, sort key the device) is put with ``attribute_not_exists`` before a
  push is sent: a redelivered stream batch finds it and sends nothing twice.
* A ref is the opaque id a notification carries; only a signed-in click can turn it into a page.
"""

from __future__ import annotations

from datetime import datetime

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import PutError, PynamoDBException

from chalicelib.errors import ServiceUnavailable
from chalicelib.models import keys
from chalicelib.models.base import MainItem
from chalicelib.models.db import get, storage


class PushSubscriptionItem(MainItem, discriminator="push_subscription"):
    """One device's Web Push subscription; a device re-subscribing replaces its own item."""

    actor_kind = UnicodeAttribute()
    actor_id = UnicodeAttribute()
    device_id = UnicodeAttribute()
    endpoint = UnicodeAttribute()  # a capability URL: never logged
    p256dh = UnicodeAttribute()
    auth = UnicodeAttribute()
    label = UnicodeAttribute(default="")
    created_at = UTCDateTimeAttribute()
    last_success_at = UTCDateTimeAttribute(null=True)
    last_failure_at = UTCDateTimeAttribute(null=True)
    failures = NumberAttribute(default=0)


class PushClaimItem(MainItem, discriminator="push_claim"):
    """At most one push per message per device: claimed before sending, so a repeated stream event sends nothing."""

    outcome = UnicodeAttribute(default="claimed")


class PushRefItem(MainItem, discriminator="push_ref"):
    """What an opaque notification id points at; read only by a signed-in click, never sent to the push service."""

    team_id = UnicodeAttribute()
    patient_id = UnicodeAttribute()  # "" for a rota notice: any patient of the team may open it
    audience = UnicodeAttribute()  # patient | staff | rota (a team's rota changed: opens its month)
    month = UnicodeAttribute(null=True)  # YYYY-MM, for a rota notice


class PushRetryItem(MainItem, discriminator="push_retry"):
    """A push that failed for a passing reason (a 429, a push service down, a timeout), to send again later.

    It sits in the sparse due index (gsi2, ``PUSHDUE``) until it is due; the retry job reads only what
    is due, and gives up at ``deadline`` (the notification's TTL): after that the push service would
    drop it anyway.
    """

    message_id = UnicodeAttribute()
    device_id = UnicodeAttribute()
    actor_id = UnicodeAttribute()
    audience = UnicodeAttribute()
    ref = UnicodeAttribute()
    urgent = BooleanAttribute(default=False)
    deadline = UTCDateTimeAttribute()
    attempts = NumberAttribute(default=1)


def new_subscription(actor_kind: str, actor_id: str, device_id: str, *, endpoint: str, p256dh: str, auth: str,
                     label: str, now: datetime) -> PushSubscriptionItem:
    """A device's subscription (replaces the device's earlier one when saved)."""
    return PushSubscriptionItem(*keys.push_subscription(actor_id, device_id), actor_kind=actor_kind,
                                actor_id=actor_id, device_id=device_id, endpoint=endpoint, p256dh=p256dh, auth=auth,
                                label=label, created_at=now)


def subscriptions_of(actor_id: str) -> list[PushSubscriptionItem]:
    """This person's subscribed devices (one Query)."""
    with storage():
        return [s for s in PushSubscriptionItem.query(keys.push_subscriptions_pk(actor_id))
                if isinstance(s, PushSubscriptionItem)]


def subscription_key(actor_id: str, device_id: str) -> tuple[str, str]:
    return keys.push_subscription(actor_id, device_id)


def save_ref(ref: str, *, team_id: str, patient_id: str, audience: str, expires_at: datetime,
             month: str | None = None) -> None:
    """Record what a notification's opaque ref opens."""
    with storage():
        PushRefItem(*keys.push_ref(ref), team_id=team_id, patient_id=patient_id, audience=audience, month=month,
                    expires_at=expires_at).save()


def ref_key(ref: str) -> tuple[str, str]:
    return keys.push_ref(ref)


def claim(message_id: str, device_id: str, expires_at: datetime) -> bool:
    """Claim the right to push this message to this device; False if it was already claimed."""
    item = PushClaimItem(*keys.push_claim(message_id, device_id), expires_at=expires_at)
    try:
        item.save(condition=PushClaimItem.pk.does_not_exist())
    except PutError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise ServiceUnavailable() from exc
    return True


def record_success(subscription: PushSubscriptionItem, now: datetime) -> None:
    """The device got a push: clear its failure count."""
    with storage():
        subscription.update(actions=[PushSubscriptionItem.last_success_at.set(now),
                                     PushSubscriptionItem.failures.set(0)])


def record_failure(subscription: PushSubscriptionItem, now: datetime) -> None:
    """A push to the device failed for good (the settings page shows "no notification since ...")."""
    with storage():
        subscription.update(actions=[PushSubscriptionItem.last_failure_at.set(now),
                                     PushSubscriptionItem.failures.add(1)])


def remove(subscription: PushSubscriptionItem) -> None:
    """Forget a device whose endpoint is gone."""
    with storage():
        subscription.delete()


def remove_all(actor_id: str) -> None:
    """Forget every device of one person (their account was closed)."""
    with storage(), PushSubscriptionItem.batch_write() as batch:
        for item in subscriptions_of(actor_id):
            batch.delete(item)


def schedule_retry(*, message_id: str, device_id: str, actor_id: str, audience: str, ref: str, urgent: bool,
                   due: datetime, deadline: datetime, attempts: int) -> None:
    """Keep a push to try again at ``due`` (replacing any earlier retry of the same push)."""
    item = PushRetryItem(*keys.push_retry(message_id, device_id), message_id=message_id, device_id=device_id,
                         actor_id=actor_id, audience=audience, ref=ref, urgent=urgent, deadline=deadline,
                         attempts=attempts, gsi2pk=keys.PUSH_DUE, gsi2sk=keys.push_due_sk(due, message_id, device_id),
                         expires_at=deadline)
    with storage():
        item.save()


def due_retries(now: datetime, *, limit: int = 100) -> list[PushRetryItem]:
    """Retries due at ``now``, earliest first (one Query on the sparse due index)."""
    with storage():
        return [r for r in PushRetryItem.by_gsi2.query(keys.PUSH_DUE, PushRetryItem.gsi2sk <= keys.due_upto(now),
                                                        limit=limit) if isinstance(r, PushRetryItem)]


def take_retry(retry: PushRetryItem) -> bool:
    """Remove a due retry before sending it; False if another run took it first (so it is sent once)."""
    try:
        retry.delete(condition=PushRetryItem.attempts == retry.attempts)
    except PynamoDBException as exc:
        if getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException":
            return False
        raise ServiceUnavailable() from exc
    return True


def subscription(actor_id: str, device_id: str) -> PushSubscriptionItem | None:
    """One device's subscription, or None (it was removed meanwhile)."""
    found: PushSubscriptionItem | None = get(keys.push_subscription(actor_id, device_id), PushSubscriptionItem)
    return found
