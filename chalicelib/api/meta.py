"""About the API itself: liveness, its OpenAPI description, and who the caller is.

Every ``kind="api"`` route is in the OpenAPI document at /api/openapi.json, built from the route registry.
"""

from __future__ import annotations

from chalice import Blueprint

from chalicelib import __version__
from chalicelib.access import access_actor
from chalicelib.web.responses import Json
from chalicelib.web.routing import RequestContext, route

bp = Blueprint(__name__)


@route(bp, "/api/health", kind="api", summary="Liveness and version",
       response_schema={"type": "object", "required": ["status", "version"],
                        "properties": {"status": {"type": "string"}, "version": {"type": "string"}}})
def health(req: RequestContext) -> Json:
    return Json({"status": "ok", "version": __version__})


@route(bp, "/api/openapi.json", kind="api", summary="This API's OpenAPI 3 description")
def openapi(req: RequestContext) -> Json:
    from chalicelib.web.openapi import document

    return Json(document())


@route(bp, "/api/me", kind="api", auth="signed_in", summary="Who I am, and my anti-forgery token",
       response_schema={"type": "object", "required": ["kind", "id", "csrf_token"],
                        "properties": {"kind": {"type": "string"}, "id": {"type": "string"},
                                       "name": {"type": "string"}, "csrf_token": {"type": "string"},
                                       "team_roles": {"type": "object"}}})
def me(req: RequestContext) -> Json:
    actor = access_actor(req)
    return Json({"kind": actor.kind, "id": actor.id, "name": actor.display_name, "csrf_token": actor.csrf_token,
                 "team_roles": actor.team_roles})
