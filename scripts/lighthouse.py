"""``make lighthouse``: Lighthouse (mobile, its default simulated slow 4G) on the pages a young person sees first.

A measurement, not a test gate. It starts the local stack (which compresses responses as API Gateway
does), makes a patient, and runs Lighthouse's own headless Chromium (Debian's, with the flags the browser
tests use) on the landing page, sign-in, the patient's home and a conversation, the last two signed in by
a session cookie sent with every request. Lighthouse starts each run with an empty profile, so every
figure is a first visit. Prints each page's performance score and Largest Contentful Paint; the JSON
reports go to build/lighthouse/.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TOOL = ROOT / "tools" / "lighthouse" / "node_modules" / ".bin" / "lighthouse"
OUT = ROOT / "build" / "lighthouse"
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-background-networking --disable-component-update " \
               "--disable-sync --no-first-run"


def run(url: str, name: str, cookie: str | None) -> dict[str, float]:
    """One Lighthouse run; its performance score (0-100) and LCP (seconds)."""
    report = OUT / f"{name}.json"
    command = [str(TOOL), url, "--only-categories=performance", "--output=json", f"--output-path={report}",
               f"--chrome-flags={CHROME_FLAGS}", "--quiet"]
    if cookie:
        command.append("--extra-headers=" + json.dumps({"Cookie": cookie}))
    env = {**os.environ, "CHROME_PATH": "/usr/bin/chromium"}
    if subprocess.run(command, check=False, env=env).returncode != 0:  # noqa: S603
        # Lighthouse's Chrome sometimes fails to start or to connect on a busy machine: one more try.
        print(f"Lighthouse failed on {name}; trying once more", file=sys.stderr)
        subprocess.run(command, check=True, env=env)  # noqa: S603
    data = json.loads(report.read_text())
    return {"score": round(data["categories"]["performance"]["score"] * 100),
            "lcp_s": round(data["audits"]["largest-contentful-paint"]["numericValue"] / 1000, 2),
            "fcp_s": round(data["audits"]["first-contentful-paint"]["numericValue"] / 1000, 2)}


def main() -> int:
    if not TOOL.exists():
        sys.exit("Lighthouse is missing: `make lighthouse` installs it (npm ci in tools/lighthouse).")
    from scripts import demo_stack as stack_support

    OUT.mkdir(parents=True, exist_ok=True)
    stack = stack_support.start_stack()
    try:
        from chalicelib.services import signin
        from chalicelib.web.cookies import cookie_names

        patient = stack.new_patient("Young Adult Diabetes Service", given_name="Light", family_name="House")
        signed = signin.do_patient_sign_in(stack.now, username=patient.username, password=patient.password,
                                           address="127.0.0.1", device="lighthouse")
        cookie = f"{cookie_names()[0]}={signed.credential.cookie_value()}"
        pages = [("landing", "/", None), ("sign-in", "/sign-in", None), ("patient-home", "/p", cookie),
                 ("conversation", f"/p/teams/{patient.team_id}", cookie)]
        results = {name: run(stack.url + path, name, cookie) for name, path, cookie in pages}
    finally:
        stack.stop()
        stack_support.stop_dynamodb()
    print(f"\n{'page':16} {'performance':>12} {'LCP (s)':>8} {'FCP (s)':>8}")
    for name, figures in results.items():
        print(f"{name:16} {figures['score']:>12} {figures['lcp_s']:>8} {figures['fcp_s']:>8}")
    (OUT / "summary.json").write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
