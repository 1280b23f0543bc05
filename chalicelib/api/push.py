"""Web Push: the public key, this device's subscription, and what a notification opens.

Notifications carry an opaque ``ref`` and generic text only. When one is clicked, the service worker
asks ``/api/push/refs/{ref}`` where to go; that answer needs the signed-in session, so nothing about
a patient or a team ever passes through a push service or shows on a lock screen.
"""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.access import access_actor, access_push_target
from chalicelib.api.account import devices
from chalicelib.push.config import public_key
from chalicelib.services import push_subscriptions
from chalicelib.web.responses import Json
from chalicelib.web.routing import RequestContext, route

bp = Blueprint(__name__)

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


@route(bp, "/api/push/subscriptions", kind="api", auth="signed_in", summary="My devices getting notifications",
       response_schema=DEVICES_SCHEMA)
def list_subscriptions(req: RequestContext) -> Json:
    actor = access_actor(req)
    return Json({"devices": devices(actor.id)})


@route(bp, "/api/push/subscriptions", methods=("POST",), kind="api", auth="signed_in", ok=(201,),
       summary="Turn notifications on for this device (replaces its old subscription)",
       request_schema=SUBSCRIBE_SCHEMA, response_schema=DEVICES_SCHEMA)
def subscribe(req: RequestContext) -> Json:
    actor = access_actor(req)
    data = req.json()
    raw_keys = data.get("keys")
    sub_keys: dict[str, object] = raw_keys if isinstance(raw_keys, dict) else {}
    push_subscriptions.do_subscribe(req.now, actor, device_id=data.get("device_id"), endpoint=data.get("endpoint"),
                                    p256dh=sub_keys.get("p256dh"), auth=sub_keys.get("auth"), label=data.get("label"))
    return Json({"devices": devices(actor.id)}, status=201)


@route(bp, "/api/push/subscriptions/{device_id}/delete", methods=("POST",), kind="api", auth="signed_in",
       summary="Turn notifications off for a device", request_schema={"type": "object"},
       response_schema=DEVICES_SCHEMA)
def unsubscribe(req: RequestContext, device_id: str) -> Json:
    actor = access_actor(req)
    push_subscriptions.do_unsubscribe(req.now, actor, device_id)
    return Json({"devices": devices(actor.id)})


@route(bp, "/api/push/refs/{ref}", kind="api", auth="signed_in", summary="Where a clicked notification should open",
       response_schema={"type": "object", "required": ["url"], "properties": {"url": {"type": "string"}}})
def resolve_ref(req: RequestContext, ref: str) -> Json:
    target = access_push_target(req, ref)
    if target.audience == "rota":
        return Json({"url": f"/p/teams/{target.team_id}/rota" + (f"?month={target.month}" if target.month else "")})
    if target.audience == "patient":
        return Json({"url": f"/p/teams/{target.team_id}#latest"})
    return Json({"url": f"/staff/teams/{target.team_id}/patients/{target.patient_id}#latest"})
