"""The shell a phone downloads: content-hashed URLs only, NHS.UK CSS for exactly what pages use, one
script with no imports, a service worker that precaches exactly what the pages use, and a badge Android
can draw.

Pages are every GET page route and every form a persona can post (so error summaries and error messages
render too), as each persona, through the real app; the build is the one ``make assets`` made.
"""

from __future__ import annotations

import re
import struct
import zlib
from typing import Any

import pytest

from chalicelib.web.routing import ROUTES
from tests.support import shell
from tests.support.http import page_text

PERSONAS = ("anonymous", "patient_a", "clinician_x", "lead_x", "admin")
SERVICE_WORKER_OWN = {"/offline", "/manifest.webmanifest"}  # fixed URLs by nature: a page and the manifest


@pytest.fixture
def rendered(route_caller: Any) -> dict[tuple[str, str, str], str]:
    """HTML of every page route (GET, and POST forms that answer with a page), as every persona."""
    pages: dict[tuple[str, str, str], str] = {}
    for spec in ROUTES:
        if spec.kind != "page" or spec.path in ("/sign-out", "/p/account/sign-out-everywhere"):
            continue
        for method in spec.methods:
            for persona in PERSONAS:
                response = route_caller.call(method, spec.path, persona)
                if str(response.headers.get("Content-Type", "")).startswith("text/html"):
                    pages[(method, spec.path, persona)] = page_text(response)
    return pages


def test_no_page_uses_an_unversioned_static_url(rendered: dict[tuple[str, str, str], str], api: Any) -> None:
    assert len(rendered) > 40
    used: set[str] = set()
    for where, html in rendered.items():
        assert not shell.unversioned_static_urls(html), f"{where}: {shell.unversioned_static_urls(html)}"
        used.update(shell.STATIC_URL.findall(html))
    for url in used:  # each is served, and cached for a year
        response = api.get(url, headers={"accept": "*/*"})
        assert response.status_code == 200, url
        assert "immutable" in response.headers["Cache-Control"], url


def test_scripts_import_nothing_by_an_unversioned_url() -> None:
    """One bundle per page script: no module imports another (each import would be a request, and its URL
    would have to be versioned); the service worker is one script too."""
    importing = re.compile(r"""(?:\bimport\s*\(\s*["'`]|\bimport\s*["'`]|\bfrom\s*["'`]|importScripts\s*\()""")
    for path in [*shell.DIST.glob("*.js")]:
        source = path.read_text()
        assert not importing.search(source), f"{path.name} imports: {importing.search(source)}"
        assert not shell.unversioned_static_urls(source), f"{path.name}: {shell.unversioned_static_urls(source)}"


def test_the_service_worker_precaches_exactly_what_the_patients_pages_use(
        rendered: dict[tuple[str, str, str], str], api: Any) -> None:
    precache = set(shell.manifest()["precache"])  # type: ignore[arg-type]
    worker = page_text(api.get("/sw.js"))
    for url in precache:
        assert url in worker, url
    assert precache - SERVICE_WORKER_OWN <= shell.hashed_urls()
    patient_pages = {where: html for where, html in rendered.items()
                     if where[2] in ("anonymous", "patient_a") and not where[1].startswith("/staff")}
    used = set().union(*(set(shell.STATIC_URL.findall(html)) for html in patient_pages.values()))
    badge = "/static/" + shell.manifest()["files"]["badge-96.png"]  # type: ignore[index]
    manifest_icons = {"/static/" + shell.manifest()["files"][n]  # type: ignore[index]
                      for n in ("icon-512.png", "icon-maskable-512.png")}
    assert precache - SERVICE_WORKER_OWN - {badge} - manifest_icons == used, (
        "the worker must precache the static files the young person's pages use, and only those")


def test_every_nhsuk_class_a_page_uses_is_in_the_stylesheet_it_links(
        rendered: dict[tuple[str, str, str], str]) -> None:
    assert len(shell.nhsuk_styled()) > 500  # the check compares against something real
    for where, html in rendered.items():
        [stylesheet] = shell.stylesheets(html)
        missing = shell.unstyled(shell.html_classes(html), stylesheet)
        assert not missing, f"{where} uses NHS.UK classes {stylesheet} lacks: {sorted(missing)} (see static/scss/)"


def test_every_nhsuk_class_written_in_a_template_is_in_the_stylesheet_its_pages_link() -> None:
    """Classes in branches no persona reaches above (an overdue tag, a paused team) are checked from source."""
    literal = re.compile(r"nhsuk-[a-z0-9_-]*[a-z0-9](?![a-z0-9_-]*\{)")
    files = shell.manifest()["files"]
    assert isinstance(files, dict)
    for template in (shell.ROOT / "templates").rglob("*.html"):
        staff_only = template.parent.name in ("staff", "admin")
        stylesheet = "/static/" + files["staff.css" if staff_only else "app.css"]
        missing = shell.unstyled(set(literal.findall(template.read_text())), stylesheet)
        assert not missing, f"{template.name} uses NHS.UK classes {stylesheet} lacks: {sorted(missing)}"


def test_a_phone_never_downloads_the_staff_only_components(rendered: dict[tuple[str, str, str], str]) -> None:
    files = shell.manifest()["files"]
    assert isinstance(files, dict)
    patient_css = shell.stylesheet_classes("/static/" + files["app.css"])
    for staff_only in ("nhsuk-table__caption", "nhsuk-details__text", "nhsuk-radios", "nhsuk-warning-callout"):
        assert staff_only not in patient_css, staff_only
    own = shell.own_classes("/static/" + files["app.css"])
    for staff_only in ("tl-note", "tl-chart", "tl-figures", "tl-rota-tools", "tl-transcript", "tl-canned"):
        assert staff_only not in own, staff_only
    patient_js = (shell.DIST / files["app.js"]).read_text()
    staff_js = (shell.DIST / files["staff.js"]).read_text()
    for teamwork in ("data-inbox-live", "data-canned-choice", "teamline.draft."):  # static/js/teamwork.js
        assert teamwork not in patient_js and teamwork in staff_js, teamwork
    for (_, path, persona), html in rendered.items():
        staff = '<meta name="teamline-actor" content="staff">' in html
        assert shell.stylesheets(html) == ["/static/" + files["staff.css" if staff else "app.css"]], (path, persona)
        # The staff sign-in page runs the staff script: it brings a timed-out clinician back to their draft.
        script = "staff.js" if staff or path == "/staff/sign-in" else "app.js"
        assert shell.scripts(html) == ["/static/" + files[script]], (path, persona)


def test_no_young_persons_page_uses_a_class_only_the_staff_stylesheet_styles() -> None:
    """Teamline's own tl-* classes: what the young person's and the public pages use is styled in app.css, not
    only in static/css/staff.css (compiled into the staff stylesheet, which their pages never link)."""
    literal = re.compile(r"\btl-[a-z0-9_-]*[a-z0-9](?![a-z0-9_-]*\{)")
    files = shell.manifest()["files"]
    assert isinstance(files, dict)
    patient, staff = (shell.own_classes("/static/" + files[name]) for name in ("app.css", "staff.css"))
    staff_only = staff - patient
    assert len(patient) > 50 and {"tl-note", "tl-chart", "tl-rota-tools"} <= staff_only
    sources = [*(shell.ROOT / "templates").rglob("*.html"), *(shell.ROOT / "static" / "js").glob("*.js")]
    for source in sources:
        if source.parent.name in ("staff", "admin") or source.name in ("teamwork.js", "staff.js", "charts.html"):
            continue  # staff pages (partials/charts.html: the workload dashboard's charts)
        misplaced = set(literal.findall(source.read_text())) & staff_only
        assert not misplaced, f"{source.name} uses {sorted(misplaced)}: move their rules to static/css/app.css"


def _png_pixels(data: bytes) -> tuple[int, int, int, list[bytes]]:
    """(width, height, colour type, rows) of an 8-bit, non-interlaced PNG using filter 0 (as ours are)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    offset, idat, header = 8, b"", b""
    while offset < len(data):
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        chunk = data[offset + 8:offset + 8 + length]
        if kind == b"IHDR":
            header = chunk
        elif kind == b"IDAT":
            idat += chunk
        offset += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and interlace == 0
    channels = {2: 3, 6: 4}[colour]
    raw = zlib.decompress(idat)
    stride = width * channels + 1
    rows = [raw[y * stride:(y + 1) * stride] for y in range(height)]
    assert all(row[0] == 0 for row in rows)
    return width, height, colour, [row[1:] for row in rows]


def test_the_notification_badge_is_white_on_transparent_and_the_worker_uses_it(api: Any) -> None:
    badge_url = "/static/" + shell.manifest()["files"]["badge-96.png"]  # type: ignore[index]
    response = api.get(badge_url, headers={"accept": "image/png,*/*"})
    assert response.status_code == 200 and response.headers["Content-Type"] == "image/png"
    width, height, colour, rows = _png_pixels(response.body)
    assert colour == 6, "RGBA: Android draws a badge from its alpha channel"
    pixels = [row[i:i + 4] for row in rows for i in range(0, len(row), 4)]
    assert len(pixels) == width * height
    opaque = [p for p in pixels if p[3] > 0]
    clear = [p for p in pixels if p[3] == 0]
    assert all(p[:3] == b"\xff\xff\xff" for p in opaque), "monochrome: every visible pixel is white"
    assert 0.1 < len(opaque) / len(pixels) < 0.7, "a glyph, neither a blank nor a square"
    assert clear, "transparency around the glyph"
    worker = page_text(api.get("/sw.js"))
    assert f'badge:"{badge_url}"' in worker.replace(" ", "") or f'"badge":"{badge_url}"' in worker
    icon_url = "/static/" + shell.manifest()["files"]["icon-192.png"]  # type: ignore[index]
    assert icon_url in worker
