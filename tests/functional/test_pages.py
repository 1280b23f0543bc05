"""Rendered pages obey the CSP by construction, and the PWA shell (manifest, service worker, static files) is right.

Every GET page is rendered as every persona allowed to see it, with data in it, plus the pages that
only appear after a POST (invite code, one-time password, form errors, error pages). Each page's HTML
is parsed and must have no inline script, no inline style and no inline event handlers: the CSP
(no 'unsafe-inline') would block them, so they would be broken for real users.
"""

from __future__ import annotations

import json
import uuid
from html.parser import HTMLParser
from urllib.parse import quote

from chalicelib.web.pages import asset_version
from scripts.world import reply_as_staff, send_as_patient
from tests.support.http import app_routes, page_text
from tests.support.personas import EXPECTED, PERSONAS

EMERGENCY_NUMBERS = ("999", "111", "85258", "0800 1111")


class InlineCodeFinder(HTMLParser):
    """Collect everything in a page that a strict CSP would block."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self.tags: list[str] = []
        self._in_inline_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        names = {name.lower(): value or "" for name, value in attrs}
        if tag == "script" and "src" not in names:
            self.problems.append("<script> without src")
        if tag == "style":
            self.problems.append("<style> element")
        if "style" in names:
            self.problems.append(f"style= on <{tag}>")
        for name, value in names.items():
            if name.startswith("on"):
                self.problems.append(f"{name}= on <{tag}>")
            if name in ("href", "src", "action", "formaction") and value.strip().lower().startswith("javascript:"):
                self.problems.append(f"javascript: URL in <{tag} {name}>")


def inline_code(html: str) -> tuple[list[str], list[str]]:
    finder = InlineCodeFinder()
    finder.feed(html)
    finder.close()
    return finder.problems, finder.tags


def _page_routes() -> list[str]:
    from chalicelib.web.routing import ROUTES

    # Downloads (a PDF, a FHIR bundle) answer like pages when refused, but what they hand over is not HTML.
    pages = {spec.path for spec in ROUTES if spec.kind == "page" and "GET" in spec.methods and "download" not in spec.tags}
    return sorted(path for method, path in app_routes() if method == "GET" and path in pages)


def _with_data(world, clock) -> None:
    now = clock.now()
    send_as_patient(world, "patient_a", "How do I change my pump set?", now)
    reply_as_staff(world, "clinician_x", "patient_a", "Let's go through it together.", now)
    send_as_patient(world, "patient_b", "Feeling low today", now)


def test_no_page_has_inline_script_style_or_handlers(route_caller, api, world):
    _with_data(world, route_caller.clock)
    rendered: dict[str, str] = {}
    for path in _page_routes():
        row = EXPECTED[("GET", path)]
        for persona, status in zip(PERSONAS, row, strict=True):
            if status == 200:
                response = route_caller.call("GET", path, persona)
                assert response.status_code == 200, (path, persona)
                rendered[f"GET {path} as {persona}"] = page_text(response)
    # Pages that only appear after a POST, with query options, or as errors.
    team, patient = world.team_x, world.patients["patient_a"]
    extra = {
        "invite code with QR": api.post(f"/staff/teams/{team}/invites", "clinician_x", form={
            "given_name": "Quinn", "family_name": "Code", "dob_day": "2", "dob_month": "2", "dob_year": "2011"}),
        "one-time password": api.post("/admin/staff", "admin", form={
            "given_name": "Olu", "family_name": "Tee", "email": "olu@test.nhs.uk"}),
        "admin form error": api.post("/admin/teams", "admin", form={"name": ""}),
        "inbox: mine": api.get(f"/staff/teams/{team}?view=mine", "clinician_x"),
        "inbox: overdue": api.get(f"/staff/teams/{team}?view=overdue", "lead_x"),
        "settings error": api.post(f"/staff/teams/{team}/settings/hours", "lead_x", form={"reply_amount": "x"}),
        "away error": api.post(f"/staff/teams/{team}/away", "clinician_x", form={"start": "nonsense"}),
        "patient send error": api.post(f"/p/teams/{team}/messages", "patient_a",
                                       form={"client_id": str(uuid.uuid4()), "body": "   "}),
        "staff reply error": api.post(f"/staff/teams/{team}/patients/{patient}/messages", "clinician_x",
                                      form={"client_id": str(uuid.uuid4()), "body": ""}),
        "404 page": api.get("/p/teams/nosuchteam", "patient_a"),
        "403 page": api.get("/p", "clinician_x"),
        "sign-in error": api.post("/sign-in", form={"username": "x", "password": "y"}),
    }
    for name, response in extra.items():
        assert "text/html" in response.headers["Content-Type"], name
        rendered[name] = page_text(response)
    assert len(rendered) >= 30
    problems = {}
    for name, html in rendered.items():
        found, tags = inline_code(html)
        if found:
            problems[name] = sorted(set(found))
        assert tags.count("h1") == 1, f"{name}: {tags.count('h1')} <h1> elements"
        assert '<html lang="en-GB"' in html, name
    assert problems == {}
    assert "<svg" in rendered["invite code with QR"]


def test_the_patient_conversation_page_shows_the_emergency_routes_and_team_status(api, world):
    html = page_text(api.get(f"/p/teams/{world.team_x}", "patient_a"))
    for number in EMERGENCY_NUMBERS:
        assert number in html, number
    assert 'href="tel:999"' in html and 'href="tel:111"' in html
    assert "not for emergencies" in html.lower()
    assert "Open now" in html


def test_the_emergency_routes_stay_on_screen_when_a_send_is_refused(api, world):
    response = api.post(f"/p/teams/{world.team_x}/messages", "patient_a",
                        form={"client_id": str(uuid.uuid4()), "body": "x" * 2001})
    assert response.status_code == 400
    html = page_text(response)
    for number in EMERGENCY_NUMBERS:
        assert number in html, number
    assert "x" * 2001 in html  # the draft is kept, not lost


def test_the_join_agreement_says_it_is_not_for_emergencies(api, world, new_browser):
    code = json.loads(api.post(f"/api/staff/teams/{world.team_x}/invites", "clinician_x", json_body={
        "given_name": "Ema", "family_name": "Gency", "date_of_birth": "2010-01-01"}).body)["code"]
    browser = new_browser()
    browser.get("/join")
    html = page_text(browser.post("/join", {"code": code, "dob_day": "1", "dob_month": "1", "dob_year": "2010"}))
    for number in EMERGENCY_NUMBERS:
        assert number in html, number


def test_an_unknown_static_file_is_404_and_no_path_reaches_the_filesystem(api):
    for path in ("/static/no-such-file.css", "/static/..%2F..%2Fapp.py", "/static/sw.js", "/static/.env"):
        assert api.get(path).status_code == 404, path
    assert api.get("/static/app.css").status_code == 200


def test_static_files_have_their_types_and_versioned_urls_are_cached_for_a_year(api):
    css = api.get(f"/static/app.css?v={asset_version()}")
    assert css.headers["Content-Type"].startswith("text/css")
    assert "immutable" in css.headers["Cache-Control"] and "max-age=31536000" in css.headers["Cache-Control"]
    unversioned = api.get("/static/app.css")
    assert "immutable" not in unversioned.headers["Cache-Control"]
    icon = api.get("/static/icon-192.png", headers={"accept": "image/png,*/*"})  # as a browser asks for images
    assert icon.status_code == 200 and icon.headers["Content-Type"] == "image/png"
    assert icon.body[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_manifest_is_valid_json_with_192_and_512_icons_that_exist(api):
    response = api.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/manifest+json")
    manifest = json.loads(response.body)
    assert manifest["display"] == "standalone" and manifest["scope"] == "/" and manifest["start_url"].startswith("/")
    assert manifest["name"] and manifest["short_name"]
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        served = api.get(icon["src"], headers={"accept": "image/png,*/*"})
        assert served.status_code == 200, icon["src"]
        assert served.headers["Content-Type"] == icon["type"] == "image/png"


def test_the_service_worker_may_control_the_whole_site_and_is_never_cached(api):
    response = api.get("/sw.js")
    assert response.status_code == 200
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert response.headers["Cache-Control"] == "no-cache"
    assert "javascript" in response.headers["Content-Type"]
    source = page_text(response)
    assert "__ASSET_VERSION__" not in source and asset_version() in source


def test_the_landing_page_sends_signed_in_people_to_their_pages(api):
    anonymous = api.get("/")
    assert anonymous.status_code == 200
    html = page_text(anonymous)
    assert 'href="/join"' in html and "/staff/sign-in" in html
    assert api.get("/", "patient_a").headers["Location"] == "/p"
    assert api.get("/", "clinician_x").headers["Location"] == "/staff"


def test_the_offline_page_renders_without_a_session(api):
    response = api.get("/offline")
    assert response.status_code == 200
    assert "offline" in page_text(response).lower()


def test_values_from_the_url_are_escaped_where_pages_echo_them(api):
    payload = '"><script>alert(1)</script>'
    for path in (f"/join?code={quote(payload)}", f"/sign-in?next={quote(payload)}",
                 f"/staff/sign-in?next={quote(payload)}"):
        html = page_text(api.get(path))
        assert "<script>alert(1)</script>" not in html, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path
        problems, _ = inline_code(html)
        assert problems == [], path
