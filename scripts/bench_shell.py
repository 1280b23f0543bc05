"""The patient's phone on one bar of signal: what the shell costs, and what a cold start costs.

``measure()`` returns, from one fresh run (``make bench`` calls it; ``python -m scripts.bench_shell``
prints it):

* ``shell.gzip_kb``: the HTML, CSS and JS a signed-in young person's phone downloads on its first visit
  to their home page (``/p``), in KB as sent over the wire, gzipped as API Gateway sends it (the local
  stack compresses as API Gateway does; see scripts/local_gateway.py). "First visit" means a browser with
  nothing cached and no service worker, already signed in; it counts everything that crosses the network
  until the service worker has installed and taken control: the page, its stylesheet and script, the
  service worker script, and what the worker precaches that the page had not already fetched (the
  offline page). Also split by kind (``shell.html_kb``, ``.css_kb``, ``.js_kb``), uncompressed
  (``shell.raw_kb``), and every request of any type (``shell.requests_first_visit``, icons and manifest
  included).
* ``shell.requests_repeat_visit``: requests for static resources (``/static/...`` and the manifest) that
  reached the network when the same phone opens its home page again. The page itself is always asked of
  the network (it carries personal data): ``shell.page_requests_repeat_visit`` counts those, and
  ``shell.sw_checks_repeat_visit`` the browser's own service-worker update checks (``/sw.js``).
* ``cold_start.page_ratio``: median wall time of a fresh Python process that imports Teamline and serves
  a signed-in patient's home page against the local DynamoDB, over the same for a bare Chalice app that
  imports boto3 and Jinja2, reads one item and renders one template; both over HTTP to the same moto
  server, interleaved, with bytecode cached, each timed from spawn until its response is built (see
  scripts/bench_cold.py). ``cold_start.page_ms`` and ``cold_start.bare_page_ms`` are the medians,
  ``cold_start.page_cpu_ratio`` the same ratio in CPU time, and ``cold_start.page_process_ratio`` the
  ratio of whole process lifetimes, interpreter exit included.

It runs in a child process of its own: the stack (moto server, ``chalice local``, Chromium) must point
PynamoDB at its own DynamoDB before anything imports ``chalicelib``, and the caller's process has already.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PHONE = "Pixel 7"
TARGETS = {
    "shell.gzip_kb": ("<=", 35),
    "shell.requests_repeat_visit": ("<=", 0),
    "shell.static_fetched_twice": ("<=", 0),
    "cold_start.page_ratio": ("<=", 1.25),
}
KINDS = {"html": ("text/html",), "css": ("text/css",), "js": ("text/javascript", "application/javascript")}


def measure() -> dict[str, float]:
    """Run the measurements in a fresh process; return their figures (flat, dotted names)."""
    result = subprocess.run([sys.executable, "-m", "scripts.bench_shell", "--json"], cwd=ROOT, check=True,  # noqa: S603
                            capture_output=True, text=True, timeout=600)
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def _kind(content_type: str) -> str | None:
    for kind, prefixes in KINDS.items():
        if content_type.startswith(prefixes):
            return kind
    return None


def _kb(n: float) -> float:
    return round(n / 1024, 1)


def measure_shell(stack: Any, username: str, password: str) -> tuple[dict[str, float], str]:
    """First and repeat visit of a patient's home on a phone; returns the figures and the session cookie."""
    from playwright.sync_api import sync_playwright

    from scripts.front_door import FrontDoor

    door = FrontDoor(stack.url)
    results: dict[str, float] = {}
    try:
        with sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            device = {k: v for k, v in driver.devices[PHONE].items() if k != "default_browser_type"}
            # Sign in in one browser context, then take only the session cookie to a brand-new one: the
            # first visit to /p starts with nothing cached and no service worker.
            signing_in = browser.new_context(**device)
            page = signing_in.new_page()
            page.goto(f"{door.url}/sign-in")
            page.locator("#username").fill(username)
            page.locator("#password").fill(password)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(f"{door.url}/p")
            cookies = signing_in.cookies()
            signing_in.close()
            session = next(c["value"] for c in cookies if c["name"].endswith("teamline"))

            phone = browser.new_context(**device)
            phone.add_cookies(cookies)  # type: ignore[arg-type]
            start = len(door.requests())
            page = phone.new_page()
            page.goto(f"{door.url}/p")
            page.wait_for_function("async () => (await navigator.serviceWorker.ready).active.state === 'activated'")
            page.wait_for_load_state("networkidle")
            first = door.requests()[start:]
            for kind in KINDS:
                results[f"shell.{kind}_kb"] = _kb(sum(s.wire_bytes for s in first if _kind(s.content_type) == kind))
            counted = [s for s in first if _kind(s.content_type)]
            results["shell.gzip_kb"] = _kb(sum(s.wire_bytes for s in counted))
            results["shell.raw_kb"] = _kb(sum(s.body_bytes for s in counted))
            results["shell.requests_first_visit"] = len(first)
            twice = [s.path.split("?")[0] for s in first if s.path.startswith("/static/")]
            results["shell.static_fetched_twice"] = len(twice) - len(set(twice))
            page.close()

            # The repeat visit: the phone opens Teamline again (a new tab on the same browser).
            start = len(door.requests())
            page = phone.new_page()
            page.goto(f"{door.url}/p")
            page.wait_for_load_state("networkidle")
            repeat = door.requests()[start:]
            results["shell.requests_repeat_visit"] = len(
                [s for s in repeat if s.path.startswith("/static/") or s.path == "/manifest.webmanifest"])
            results["shell.page_requests_repeat_visit"] = len([s for s in repeat if s.path.split("?")[0] == "/p"])
            results["shell.sw_checks_repeat_visit"] = len([s for s in repeat if s.path == "/sw.js"])
            results["shell.other_requests_repeat_visit"] = len(repeat) - sum(
                int(results[k]) for k in ("shell.requests_repeat_visit", "shell.page_requests_repeat_visit",
                                          "shell.sw_checks_repeat_visit"))
            browser.close()
    finally:
        door.close()
    return results, session


APP_PAGE = """
import os
import app
event = {"resource": "/p", "path": "/p", "httpMethod": "GET",
         "headers": {"host": "127.0.0.1", "cookie": os.environ["BENCH_COOKIE"], "accept": "text/html"},
         "multiValueHeaders": {}, "queryStringParameters": None, "multiValueQueryStringParameters": None,
         "pathParameters": None, "stageVariables": None, "body": None, "isBase64Encoded": False,
         "requestContext": {"httpMethod": "GET", "resourcePath": "/p", "path": "/p",
                            "identity": {"sourceIp": "127.0.0.1"}}}
response = app.app(event, None)
assert response["statusCode"] == 200 and "My care teams" in response["body"], response["statusCode"]
"""

BARE_PAGE = """
import os
from chalice import Chalice, Response
import boto3
import jinja2
app = Chalice(app_name="bare")

@app.route("/p")
def home():
    client = boto3.client("dynamodb", endpoint_url=os.environ["TEAMLINE_DYNAMODB_ENDPOINT"])
    item = client.get_item(TableName=os.environ["BENCH_TABLE"], Key={"pk": {"S": os.environ["BENCH_PK"]},
                                                                    "sk": {"S": os.environ["BENCH_SK"]}})["Item"]
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(os.environ["BENCH_TEMPLATES"]), autoescape=True)
    html = env.get_template("page.html").render(name=item["pk"]["S"])
    return Response(body=html, headers={"Content-Type": "text/html; charset=utf-8"})

event = {"resource": "/p", "path": "/p", "httpMethod": "GET", "headers": {"host": "127.0.0.1"},
         "multiValueHeaders": {}, "queryStringParameters": None, "multiValueQueryStringParameters": None,
         "pathParameters": None, "stageVariables": None, "body": None, "isBase64Encoded": False,
         "requestContext": {"httpMethod": "GET", "resourcePath": "/p", "path": "/p",
                            "identity": {"sourceIp": "127.0.0.1"}}}
response = app(event, None)
assert response["statusCode"] == 200 and "Hello" in response["body"], response
"""

BARE_TEMPLATE = """<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8"><title>Hello</title></head>
<body><main><h1>Hello {{ name }}</h1>{% for i in range(3) %}<p>Line {{ i }}</p>{% endfor %}</main></body></html>
"""


def measure_cold_start(env: dict[str, str], cookie: str, patient_id: str, runs: int = 9) -> dict[str, float]:
    """Fresh-process time to serve a signed-in patient's home: Teamline vs a bare Chalice + boto3 + Jinja2 app."""
    import tempfile

    from chalicelib.models import keys
    from chalicelib.settings import get_settings
    from scripts import bench_cold

    pk, sk = keys.patient(patient_id)
    templates = tempfile.mkdtemp(prefix="bench-bare-")
    Path(templates, "page.html").write_text(BARE_TEMPLATE)
    name = "teamline" if not get_settings().secure_cookies else "__Host-teamline"
    common = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}  # bytecode cached, as packaged
    common.update({"BENCH_COOKIE": f"{name}={cookie}", "BENCH_TABLE": get_settings().main_table, "BENCH_PK": pk,
                   "BENCH_SK": sk, "BENCH_TEMPLATES": templates, "TEAMLINE_LOG_LEVEL": "WARNING"})
    cold = bench_cold.measure({"app": APP_PAGE, "bare": BARE_PAGE}, common, runs)
    return bench_cold.figures(cold["app"], cold["bare"], app_ms="cold_start.page_ms",
                              bare_ms="cold_start.bare_page_ms", ratio="cold_start.page_ratio")


def _run() -> dict[str, float]:
    sys.path.insert(0, str(ROOT))
    from scripts import demo_stack as stack_support

    stack = stack_support.start_stack()
    try:
        patient = stack.new_patient("Young Adult Diabetes Service", given_name="Bench", family_name="Phone")
        results, cookie = measure_shell(stack, patient.username, patient.password)
        results.update(measure_cold_start(stack.env, cookie, patient.patient_id))
    finally:
        stack.stop()
        stack_support.stop_dynamodb()
    return results


if __name__ == "__main__":
    figures = _run()
    if "--json" in sys.argv:
        print(json.dumps(figures))
    else:
        for key in sorted(figures):
            print(f"{key:40} {figures[key]:>10}")
