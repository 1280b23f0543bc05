"""Web Push: each device's subscription, the per-(message, device) delivery claim, and notification refs.

* A subscription lives in its owner's partition (``SUBS#<actor>``), one item per device, so finding
  everyone's devices for a notification is one Query per person.
* A claim (``PUSHED#<message>``, sort key the device) is put with ``attribute_not_exists`` before a
  push is sent: a redelivered stream batch finds it and sends nothing twice.
* A ref is the opaque id a notification carries; only a signed-in click can turn it into a page.
"""

from __future__ import annotations

from datetime import datetime

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import PutError

from chalicelib.errors import ServiceUnavailable
from chalicelib.models import keys
from chalicelib.models.base import MainItem
from chalicelib.models.db import storage


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
    patient_id = UnicodeAttribute()
    audience = UnicodeAttribute()  # patient | staff


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


def save_ref(ref: str, *, team_id: str, patient_id: str, audience: str, expires_at: datetime) -> None:
    """Record what a notification's opaque ref opens."""
    with storage():
        PushRefItem(*keys.push_ref(ref), team_id=team_id, patient_id=patient_id, audience=audience,
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
