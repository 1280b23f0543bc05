"""Web Push: the public key, this device's subscription, and what a notification opens.

Notifications carry an opaque ``ref`` and generic text only. When one is clicked, the service worker
asks ``/api/push/refs/{ref}`` where to go; that answer needs the signed-in session, so nothing about
a patient or a team ever passes through a push service or shows on a lock screen.
"""

from __future__ import annotations

import re

from chalice import Blueprint

from chalicelib.access import access_actor, access_staff
from chalicelib.errors import NotFound
from chalicelib.models import db, keys
from chalicelib.models.items import PushRefItem
from chalicelib.push.config import public_key
from chalicelib.services import push_subscriptions
from chalicelib.web.responses import Json, Page, Redirect
from chalicelib.web.routing import RequestContext, route

bp = Blueprint(__name__)
_REF = re.compile(r"^[A-Za-z0-9_-]{8,64}$")

SUBSCRIBE_SCHEMA = {
    "type": "object", "required": ["device_id", "endpoint", "keys"],
    "properties": {
        "device_id": {"type": "string", "description": "Made once per browser and kept; re-subscribing replaces"},
        "endpoint": {"type": "string", "format": "uri"},
        "keys": {"type": "object", "required": ["p256dh", "auth"],
                 "properties": {"p256dh": {"type": "string"}, "auth": {"type": "string"}}},
        "label": {"type": "string", "maxLength": 60},
    },
}
DEVICES_SCHEMA = {"type": "object", "properties": {"devices": {"type": "array", "items": {
    "type": "object", "properties": {"device_id": {"type": "string"}, "label": {"type": "string"},
                                     "created_at": {"type": "string"}, "last_success_at": {"type": ["string", "null"]},
                                     "stopped": {"type": "boolean"}}}}}}


@route(bp, "/api/push/public-key", kind="api", summary="The VAPID public key to subscribe with",
       response_schema={"type": "object", "properties": {"public_key": {"type": ["string", "null"]}}})
def get_public_key(req: RequestContext) -> Json:
    return Json({"public_key": public_key()}, headers={"Cache-Control": "public, max-age=3600"})


def _devices(actor_id: str) -> list[dict[str, object]]:
    return [push_subscriptions.device_summary(d) for d in push_subscriptions.list_devices(actor_id)]


@route(bp, "/api/push/subscriptions", kind="api", auth="signed_in", summary="My devices getting notifications",
       response_schema=DEVICES_SCHEMA)
def list_subscriptions(req: RequestContext) -> Json:
    actor = access_actor(req)
    return Json({"devices": _devices(actor.id)})


@route(bp, "/api/push/subscriptions", methods=("POST",), kind="api", auth="signed_in",
       summary="Turn notifications on for this device (replaces its old subscription)",
       request_schema=SUBSCRIBE_SCHEMA, response_schema=DEVICES_SCHEMA)
def subscribe(req: RequestContext) -> Json:
    actor = access_actor(req)
    data = req.json()
    raw_keys = data.get("keys")
    sub_keys: dict[str, object] = raw_keys if isinstance(raw_keys, dict) else {}
    push_subscriptions.do_subscribe(req.now, actor, device_id=data.get("device_id"), endpoint=data.get("endpoint"),
                                    p256dh=sub_keys.get("p256dh"), auth=sub_keys.get("auth"), label=data.get("label"))
    return Json({"devices": _devices(actor.id)}, status=201)


@route(bp, "/api/push/subscriptions/{device_id}/delete", methods=("POST",), kind="api", auth="signed_in",
       summary="Turn notifications off for a device", request_schema={"type": "object"},
       response_schema=DEVICES_SCHEMA)
def unsubscribe(req: RequestContext, device_id: str) -> Json:
    actor = access_actor(req)
    push_subscriptions.do_unsubscribe(req.now, actor, device_id)
    return Json({"devices": _devices(actor.id)})


@route(bp, "/account/devices/{device_id}/remove", methods=("POST",), auth="signed_in",
       summary="Turn notifications off for a device (form)")
def remove_device(req: RequestContext, device_id: str) -> Redirect:
    actor = access_actor(req)
    push_subscriptions.do_unsubscribe(req.now, actor, device_id)
    return Redirect("/staff/account" if actor.is_staff else "/p/account")


@route(bp, "/api/push/refs/{ref}", kind="api", auth="signed_in", summary="Where a clicked notification should open",
       response_schema={"type": "object", "required": ["url"], "properties": {"url": {"type": "string"}}})
def resolve_ref(req: RequestContext, ref: str) -> Json:
    if not _REF.match(ref):
        raise NotFound("That notification has expired.")
    credential = req.require_credential()
    loaded = db.batch_get([credential.session_key, credential.profile_key, keys.push_ref(ref)])
    actor = req.authenticate(loaded.get(credential.session_key), loaded.get(credential.profile_key), credential)
    target = loaded.get(keys.push_ref(ref))
    if not isinstance(target, PushRefItem) or (target.expires_at and target.expires_at <= req.now):
        raise NotFound("That notification has expired.")
    if actor.is_patient and target.patient_id == actor.id and target.team_id in actor.patient_team_ids:
        return Json({"url": f"/p/teams/{target.team_id}#latest"})
    if actor.is_staff and actor.role_in(target.team_id):
        return Json({"url": f"/staff/teams/{target.team_id}/patients/{target.patient_id}#latest"})
    raise NotFound("That notification has expired.")


@route(bp, "/staff/account", auth="staff", summary="My notifications and devices (staff)")
def staff_account(req: RequestContext) -> Page:
    actor = access_staff(req).actor
    return Page("staff/account.html", {"devices": _devices(actor.id), "push_ready": public_key() is not None})
