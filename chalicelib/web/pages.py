"""What every page template gets: the signed-in person, the anti-forgery token, asset URLs, the clock."""

from __future__ import annotations

import json
import os
from functools import lru_cache
from typing import Any

from chalicelib import __version__
from chalicelib.errors import TeamlineError
from chalicelib.services.present import emergency_routes
from chalicelib.settings import get_settings
from chalicelib.web.templating import ROOT


@lru_cache(maxsize=1)
def asset_manifest() -> dict[str, Any]:
    """``static/dist/assets.json`` as the build wrote it: version, content-hashed file names, precache list."""
    path = os.path.join(ROOT, "static", "dist", "assets.json")
    try:
        with open(path, encoding="utf-8") as handle:
            found = json.load(handle)
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def asset_version() -> str:
    """The build's version (changes whenever any asset does): the service worker's cache name."""
    return str(asset_manifest().get("version") or __version__)


def asset(name: str) -> str:
    """The URL of a static file by its logical name: its content-hashed file, cached for a year.

    Without a build (no assets.json) the logical name with ``?v=`` is the best there is.
    """
    hashed = asset_manifest().get("files", {}).get(name)
    return f"/static/{hashed}" if hashed else f"/static/{name}?v={asset_version()}"


#: Fields whose error is shown next to another input (a hidden field's problem belongs to what the person typed).
_SHOWN_AT = {"client_id": "body"}


def field_error(error: Any, *fields: str | None) -> dict[str, str] | None:
    """An NHS.UK field macro's ``errorMessage``: the first problem ``error`` has with one of ``fields``."""
    if not isinstance(error, TeamlineError):
        return None
    for field, message in error.problems():
        if field in fields:
            return {"text": message}
    return None


def error_items(error: Any) -> list[dict[str, str]]:
    """The NHS.UK error summary's list: every problem, each linked to the input it is about."""
    if not isinstance(error, TeamlineError):
        return []
    return [{"text": message, "href": "#" + _SHOWN_AT.get(field or "", field or "maincontent")}
            for field, message in error.problems()]


def base_context(req: Any) -> dict[str, Any]:
    """Context shared by every page."""
    actor = req.actor
    settings = get_settings()
    if actor is not None:
        csrf = actor.csrf_token
        person = {
            "kind": actor.kind,
            "id": actor.id,
            "name": actor.display_name,
            "first_name": actor.first_name,
            "is_trust_admin": actor.is_trust_admin,
            "is_ig_lead": actor.is_ig_lead,
            "team_roles": actor.team_roles,
        }
    else:
        csrf = req.form_token()
        person = None
    return {
        "person": person,
        "csrf_token": csrf,
        "asset": asset,
        "now": req.now,
        "stage": settings.stage,
        "clock_pinned": bool(settings.clock_override),
        "emergency_routes": emergency_routes(),
        "version": __version__,
        "path": req.path,
        "field_error": field_error,
        "error_items": error_items,
    }
