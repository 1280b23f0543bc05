"""Devices that receive Web Push notifications: subscribe, list, remove.

A device is identified by an id the browser makes once and keeps, so subscribing again from the same
device replaces its subscription rather than adding a second one. Endpoints must be HTTPS URLs of a
known browser push service: the delivery job POSTs to them, and must never be steered at anything
else.
"""

from __future__ import annotations

import base64
import re
from datetime import datetime

from chalicelib.auth.actor import Actor
from chalicelib.errors import NotFound, ValidationError
from chalicelib.models import db, keys
from chalicelib.models import push as push_store
from chalicelib.models.audit import AuditEventType, audit_event
from chalicelib.models.push import PushSubscriptionItem
from chalicelib.push import endpoints
from chalicelib.settings import NON_DEPLOYED_STAGES, get_settings

_DEVICE_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
MAX_DEVICES = 10


def _b64url_bytes(value: object, field: str, length: int) -> str:
    text = str(value or "")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as exc:
        raise ValidationError("The subscription keys are not valid.", field=field) from exc
    if len(raw) != length:
        raise ValidationError("The subscription keys are not valid.", field=field)
    return text.rstrip("=")


def check_endpoint(endpoint: object) -> str:
    """An endpoint on an allowed push service (see ``chalicelib.push.endpoints``), as it will be POSTed to."""
    settings = get_settings()
    try:
        return endpoints.check_endpoint(str(endpoint or ""), push_hosts=settings.push_hosts,
                                        allow_loopback=settings.stage in NON_DEPLOYED_STAGES)
    except endpoints.EndpointRefused as exc:
        raise ValidationError("This browser's push service is not supported.", field="endpoint") from exc


def do_subscribe(now: datetime, actor: Actor, *, device_id: object, endpoint: object, p256dh: object, auth: object,
                 label: object = "") -> PushSubscriptionItem:
    """Store (or replace) this device's subscription."""
    device = str(device_id or "")
    if not _DEVICE_ID.match(device):
        raise ValidationError("The device id is not valid.", field="device_id")
    item = push_store.new_subscription(actor.kind, actor.id, device, endpoint=check_endpoint(endpoint),
                                       p256dh=_b64url_bytes(p256dh, "keys.p256dh", 65),
                                       auth=_b64url_bytes(auth, "keys.auth", 16),
                                       label=" ".join(str(label or "").split())[:60], now=now)
    existing = list_devices(actor.id)
    if len(existing) >= MAX_DEVICES and all(d.device_id != device for d in existing):
        raise ValidationError(f"You can get notifications on up to {MAX_DEVICES} devices. Remove one first.",
                              field="device_id")
    with db.committed() as tx:
        tx.save(item)
        tx.save(audit_event(now, AuditEventType.PUSH_SUBSCRIBED, actor, detail={"device_id": device}))
    return item


def list_devices(actor_id: str) -> list[PushSubscriptionItem]:
    """This person's subscribed devices (one Query)."""
    return push_store.subscriptions_of(actor_id)


def do_unsubscribe(now: datetime, actor: Actor, device_id: str) -> None:
    """Remove one of this person's devices."""
    found = db.get(push_store.subscription_key(actor.id, device_id), PushSubscriptionItem)
    if found is None:
        raise NotFound("That device is not getting notifications.")
    with db.committed() as tx:
        tx.delete(found)
        tx.save(audit_event(now, AuditEventType.PUSH_UNSUBSCRIBED, actor, detail={"device_id": device_id}))


def device_summary(item: PushSubscriptionItem) -> dict[str, object]:
    """A device for the settings page: whether notifications are still arriving."""
    stopped = bool(item.last_failure_at and (not item.last_success_at or item.last_failure_at > item.last_success_at))
    return {
        "device_id": item.device_id,
        "label": item.label or "This device",
        "created_at": keys.iso(item.created_at),
        "last_success_at": keys.iso(item.last_success_at) if item.last_success_at else None,
        "stopped": stopped,
    }
