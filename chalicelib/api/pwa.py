"""The PWA shell: landing page, web app manifest, service worker, offline page and static files.

Chalice serves static files itself (there is no CDN in a Trust's minimal deployment). Everything served
comes from the build output ``static/dist/`` (see scripts/build_assets.py), looked up by flat name in an
allow-list, so no path from a URL ever reaches the filesystem. Pages use content-hashed names
(``app.3fa9c1b2d4.js``), cached for a year; a logical name (``app.js``) still answers, with a 5-minute
cache, for tools and old links. The service worker is built with its version and precache list written
in, and is never cached by HTTP so updates are seen.
"""

from __future__ import annotations

import json
import mimetypes
import os
from functools import lru_cache

from chalice import Blueprint

from chalicelib.errors import NotFound
from chalicelib.web.pages import asset, asset_manifest, asset_version
from chalicelib.web.responses import Page, Raw, Redirect
from chalicelib.web.routing import RequestContext, route
from chalicelib.web.templating import ROOT

bp = Blueprint(__name__)

DIST = os.path.join(ROOT, "static", "dist")
STATIC_DIRS = (DIST,)
BINARY_TYPES = ("image/png", "image/x-icon")
_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".png": "image/png",
          ".svg": "image/svg+xml", ".json": "application/json", ".ico": "image/x-icon", ".map": "application/json"}


@lru_cache(maxsize=1)
def static_files() -> dict[str, str]:
    """Map each servable file name to its path (built once per process)."""
    files: dict[str, str] = {}
    for folder in STATIC_DIRS:
        if not os.path.isdir(folder):
            continue
        for name in sorted(os.listdir(folder)):
            path = os.path.join(folder, name)
            if os.path.isfile(path) and os.path.splitext(name)[1] in _TYPES and name != "sw.js":
                files.setdefault(name, path)
    return files


@lru_cache(maxsize=64)
def _read(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


@route(bp, "/static/{name}", kind="asset", summary="A static file (CSS, JS, icons)")
def static(req: RequestContext, name: str) -> Raw:
    hashed_names = asset_manifest().get("files", {})
    path = static_files().get(hashed_names.get(name, name))
    if path is None:
        raise NotFound("No such file.")
    content_type = _TYPES.get(os.path.splitext(name)[1]) or mimetypes.guess_type(name)[0] or "application/octet-stream"
    data = _read(path)
    versioned = name in hashed_names.values() or req.query("v") == asset_version()
    cache = "public, max-age=31536000, immutable" if versioned else "public, max-age=300"
    body: str | bytes = data if content_type in BINARY_TYPES else data.decode("utf-8")
    return Raw(body, content_type, headers={"Cache-Control": cache})


@route(bp, "/sw.js", kind="asset", summary="The service worker")
def service_worker(req: RequestContext) -> Raw:
    # Built with the asset version and precache list written in: every build is a new service worker and
    # clients are told a new version is ready.
    path = os.path.join(DIST, "sw.js")
    if not os.path.isfile(path):
        raise NotFound("The static assets have not been built (make assets).")
    body = _read(path).decode("utf-8")
    return Raw(body, "text/javascript; charset=utf-8",
               headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"})


@route(bp, "/manifest.webmanifest", kind="asset", summary="The web app manifest")
def manifest(req: RequestContext) -> Raw:
    data = {
        "name": "Teamline",
        "short_name": "Teamline",
        "description": "Message your NHS care team. Not for emergencies.",
        "id": "/",
        "start_url": "/?source=pwa",
        "scope": "/",
        "display": "standalone",
        "orientation": "any",
        "background_color": "#f0f4f5",
        "theme_color": "#005eb8",
        "lang": "en-GB",
        "icons": [
            {"src": asset("icon-192.png"), "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": asset("icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "any"},
            {"src": asset("icon-maskable-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "maskable"},
        ],
    }
    return Raw(json.dumps(data, indent=1), "application/manifest+json", headers={"Cache-Control": "public, max-age=300"})


@route(bp, "/offline", summary="Shown by the service worker when there is no connection")
def offline(req: RequestContext) -> Page:
    return Page("offline.html")


@route(bp, "/", summary="Landing page, or straight to my pages when signed in")
def landing(req: RequestContext) -> Page | Redirect:
    credential = req.credential
    if credential is not None:
        # Only a hint: the destination page verifies the session (and sends a stale cookie to sign-in).
        return Redirect("/staff" if credential.actor_kind == "staff" else "/p", 302)
    return Page("landing.html")


__all__ = ["bp", "BINARY_TYPES"]
