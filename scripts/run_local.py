"""``make run``: start a working local Teamline with demo data.

Starts an embedded DynamoDB (moto server, spoken to over HTTP exactly as AWS would be) unless
``TEAMLINE_DYNAMODB_ENDPOINT`` points elsewhere, creates the tables, seeds the demo Trust, starts
``chalice local`` on ``PORT`` (default 8000), and drives the scheduled and stream handlers that
``chalice local`` does not run. Ctrl-C stops everything. Local data lives in memory.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.local_stack import ChaliceLocal, EmbeddedDynamoDB, local_environment  # noqa: E402


def main() -> int:
    port = int(os.environ.get("PORT", "8000"))
    dynamodb: EmbeddedDynamoDB | None = None
    endpoint = os.environ.get("TEAMLINE_DYNAMODB_ENDPOINT")
    if not endpoint:
        dynamodb = EmbeddedDynamoDB()
        endpoint = dynamodb.start()
    from chalicelib.push.vapid import ensure_local_keys

    # A local VAPID key pair, made on first run and kept (browsers stay subscribed to it). Untracked.
    key_file = str(ROOT / ".local" / "vapid.json")
    vapid = ensure_local_keys(key_file, os.environ.get("TEAMLINE_VAPID_SUBJECT", "mailto:teamline-local@example.nhs.uk"))
    env = local_environment({"TEAMLINE_DYNAMODB_ENDPOINT": endpoint, "TEAMLINE_VAPID_PRIVATE_KEY_FILE": key_file,
                             "TEAMLINE_VAPID_PUBLIC_KEY": vapid.public})
    if dynamodb:  # the embedded moto server is S3 too: the export bucket lives there, spoken to over S3's protocol
        env["TEAMLINE_S3_ENDPOINT"] = endpoint
    os.environ.update(env)

    from scripts import drivers
    from scripts.demo_data import DEMO_PASSWORD, STAFF
    from scripts.local_stack import demo_seeded, prepare_tables

    prepare_tables()
    if not demo_seeded():
        seed_demo()
    server = local_server(port, env)
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    try:
        server.start()
        print("\n" + "=" * 72)
        print(f"Teamline is running at http://127.0.0.1:{port}")
        print(f"DynamoDB endpoint: {endpoint}" + ("  (embedded moto server: local data lives in memory "
                                                   "and is gone when you stop)" if dynamodb else ""))
        print(f"Demo sign-ins (password for everyone: {DEMO_PASSWORD})")
        print(f"  Patients  (http://127.0.0.1:{port}/sign-in):  maya, leo, zara")
        print(f"  Staff     (http://127.0.0.1:{port}/staff/sign-in):")
        print("            admin@northfield.nhs.uk (Trust admin)")
        for email, _given, _family, title, team, role in STAFF:
            print(f"            {email} ({title}, {'team lead' if role == 'lead' else 'clinician'}, {team})")
        print("Press Ctrl-C to stop.")
        print("=" * 72 + "\n", flush=True)
        event_driver = drivers.LocalEventDriver()
        while not stopping:
            event_driver.tick()
            if server.process and server.process.poll() is not None:
                print("chalice local stopped unexpectedly", file=sys.stderr)
                return 1
            time.sleep(1.0)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        if dynamodb:
            dynamodb.stop()
        print("Teamline stopped.")
    return 0


def seed_demo() -> None:
    """Seed the demo Trust at the app's own clock: a pinned demo clock gets its history in its own past."""
    from chalicelib import clock
    from scripts.demo_data import seed

    seed(clock.now())


def local_server(port: int, env: dict[str, str], environ: dict[str, str] | None = None) -> ChaliceLocal:
    """``chalice local`` for ``make run``.

    Its autoreload watches the whole checkout: a log redirected into it (``make run > run.log``) or a
    tool's cache would restart it for ever. So it is off unless asked for (``RELOAD=1 make run``).
    """
    return ChaliceLocal(port, env, autoreload=(environ if environ is not None else os.environ).get("RELOAD") == "1")


if __name__ == "__main__":
    sys.exit(main())
