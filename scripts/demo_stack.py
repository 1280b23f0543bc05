"""The demo Trust running as in a deployment, for the wire and browser tiers and ``make screenshots``.

One embedded DynamoDB (a moto server spoken to over HTTP), the demo Trust seeded into it through the
real services, and ``chalice local --stage test`` as a child process pointed at it. Everything the
app needs to know comes from environment variables, exactly as in a deployment.

PynamoDB fixes its endpoint when ``chalicelib.models`` is first imported, so a tier's conftest calls
:func:`prepare_environment` at import time, before anything imports ``chalicelib``; the test process
then talks to the same moto server as the app (so tests can look at what really got stored).

Both tiers can run in one pytest session (``pytest tests/wire tests/browser``): :func:`shared_stack`
starts the stack once for everybody who asks and stops it when the last user lets go.

A clock override pins the app's "now" so that what is open, closed or due never depends on when the
suite runs. The default is a Wednesday 10:30 in London, when the demo teams are open;
:meth:`Stack.app_with_clock` starts another ``chalice local`` with a different clock (say a Saturday
morning) against the same data.

Web Push is configured as ``make run`` configures it: a VAPID key pair in a key file (made once per
process, in a temporary directory) and loopback allowed as a push host, so browsers and tests can
subscribe with a :class:`~scripts.push_service.FakePushService` on 127.0.0.1. (Delivering from the
stream to it is the tests' business: ``tests/support/push_fixtures.py``.)
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scripts.local_stack import ChaliceLocal, EmbeddedDynamoDB, free_port, local_environment  # noqa: E402

if TYPE_CHECKING:
    from scripts.demo_data import Demo

#: Wednesday 25 November 2026, 10:30 in London (GMT): the demo teams are open. The clock runs on from there.
DEFAULT_CLOCK = "2026-11-25T10:30:00+00:00~running"
#: Saturday 28 November 2026, 10:00: the demo teams are closed.
SATURDAY_MORNING = "2026-11-28T10:00:00+00:00~running"

#: The contact push services see in the VAPID JWT's ``sub``.
VAPID_SUBJECT = "mailto:teamline-tests@example.nhs.uk"

_dynamodb: EmbeddedDynamoDB | None = None
_lock = threading.Lock()
_push_lock = threading.Lock()
_shared: Stack | None = None
_users = 0
_push_env: dict[str, str] | None = None


def clock_instant(override: str) -> datetime:
    """The instant a ``TEAMLINE_CLOCK_OVERRIDE`` value starts at."""
    return datetime.fromisoformat(override.removesuffix("~running"))


def push_environment() -> dict[str, str]:
    """Web Push settings: a VAPID key file (made once per process, removed at exit) and loopback push hosts.

    The real browser push services stay allowed; ``127.0.0.1`` is added so subscriptions to a
    :class:`FakePushService` are accepted (the app allows loopback only in the local and test stages).
    """
    global _push_env
    with _push_lock:
        if _push_env is None:
            from chalicelib.push.vapid import ensure_local_keys  # imports nothing that reads settings
            from chalicelib.settings import DEFAULT_PUSH_HOSTS

            folder = tempfile.mkdtemp(prefix="teamline-vapid-")
            atexit.register(shutil.rmtree, folder, True)
            key_file = os.path.join(folder, "vapid.json")
            keys = ensure_local_keys(key_file, VAPID_SUBJECT)
            _push_env = {
                "TEAMLINE_VAPID_PRIVATE_KEY_FILE": key_file,
                "TEAMLINE_VAPID_PUBLIC_KEY": keys.public,
                "TEAMLINE_VAPID_SUBJECT": VAPID_SUBJECT,
                "TEAMLINE_PUSH_HOSTS": ",".join(("127.0.0.1", *DEFAULT_PUSH_HOSTS)),
            }
        return dict(_push_env)


def stage_environment(endpoint: str, clock: str = DEFAULT_CLOCK) -> dict[str, str]:
    """The settings for the test stage against ``endpoint`` (fake credentials, cheap hashing, pinned clock, push)."""
    return {
        **push_environment(),
        "TEAMLINE_DYNAMODB_ENDPOINT": endpoint,
        "TEAMLINE_S3_ENDPOINT": endpoint,  # the same moto server holds the export bucket
        "TEAMLINE_STAGE": "test",
        "TEAMLINE_PASSWORD_PROFILE": "cheapest",
        "TEAMLINE_CLOCK_OVERRIDE": clock,
        "TEAMLINE_SECURE_COOKIES": "true",
        # moto, unlike DynamoDB, ignores a transaction's idempotency token: if its answer to a write comes later
        # than the read timeout on a busy machine, botocore's retry of the same transaction fails its own
        # conditions. DynamoDB answers in milliseconds (2 s in AWS); the embedded server gets 20 s.
        "TEAMLINE_DYNAMODB_READ_TIMEOUT_SECONDS": "20",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "eu-west-2",
        "AWS_REGION": "eu-west-2",
    }


def prepare_environment(clock: str = DEFAULT_CLOCK) -> str:
    """Start the embedded DynamoDB and point this process at it; call before importing chalicelib.

    Idempotent: the wire and browser conftests both call it. Returns the DynamoDB endpoint.
    """
    global _dynamodb
    with _lock:
        if _dynamodb is None:
            settings = sys.modules.get("chalicelib.settings")
            if "chalicelib.models.base" in sys.modules or (settings and settings.get_settings.cache_info().currsize):
                raise RuntimeError(
                    "chalicelib.models was imported before the test stack set TEAMLINE_DYNAMODB_ENDPOINT; "
                    "call scripts.demo_stack.prepare_environment() first (run the wire/browser tiers in "
                    "their own pytest session)."
                )
            _dynamodb = EmbeddedDynamoDB()
            endpoint = _dynamodb.start()
            os.environ.pop("AWS_PROFILE", None)
            os.environ.update(stage_environment(endpoint, clock))
        return _dynamodb.endpoint


@dataclass
class Stack:
    """A running Teamline: the app's URL, the seeded demo, and the DynamoDB both talk to."""

    url: str
    demo: Demo
    endpoint: str
    clock: str
    env: dict[str, str]
    app: ChaliceLocal
    _extra_apps: dict[str, ChaliceLocal] = field(default_factory=dict)

    @property
    def now(self) -> datetime:
        """The instant the app's clock started at."""
        return clock_instant(self.clock)

    @property
    def vapid_public_key(self) -> str:
        """The app's VAPID public key (the ``applicationServerKey`` browsers subscribe with)."""
        return self.env["TEAMLINE_VAPID_PUBLIC_KEY"]

    def new_patient(self, team_name: str, *, given_name: str = "Robin", family_name: str = "Hale",
                    date_of_birth: str = "2008-06-01") -> NewPatient:
        """A young person nobody else uses, invited by the team's lead and signed up, through the services.

        Tests that sign in a lot, or need a conversation of their own (auto-replies are once per closed
        period per conversation), use one of these rather than a demo patient: the per-account sign-in
        limit's windows follow the pinned clock, so every test in a session shares a demo account's count.
        """
        from chalicelib.models.people import get_staff
        from chalicelib.models.team import get_team
        from chalicelib.scopes import StaffTeam
        from chalicelib.services import invites
        from scripts.demo_data import actor_for, required

        team_id = self.demo.teams[team_name]
        team = required(get_team(team_id))
        staff = [required(get_staff(staff_id)) for staff_id in self.demo.staff.values()]
        lead = next(s for s in staff if (s.team_roles or {}).get(team_id) == "lead")
        at = self.now  # the apps' clocks only run on from here, so it is in everyone's past
        invited = invites.do_invite_patient(StaffTeam(actor_for(lead, at), team, "lead", {}), at,
                                            given_name=given_name, family_name=family_name,
                                            date_of_birth=date_of_birth)
        checked = invites.check_invite(at, code=invited.code, date_of_birth=date_of_birth,
                                       address=f"tests-{uuid.uuid4().hex}")
        username = f"{given_name.lower()}{uuid.uuid4().hex[:8]}"
        password = "quiet harbour lights 7"
        invites.do_accept_invite(at, checked, username=username, password=password, agreed=True)
        return NewPatient(username, password, invited.patient_id, team_id, given_name, family_name)

    def app_with_clock(self, clock_override: str) -> str:
        """The URL of a ``chalice local`` whose clock starts at ``clock_override``; same data. Cached."""
        with _lock:
            app = self._extra_apps.get(clock_override)
            if app is None:
                app = start_app({**self.env, "TEAMLINE_CLOCK_OVERRIDE": clock_override})
                self._extra_apps[clock_override] = app
            return app.url

    def stop(self) -> None:
        """Stop every ``chalice local`` this stack started (the DynamoDB stops with the process)."""
        for app in [*self._extra_apps.values(), self.app]:
            app.stop()
        self._extra_apps.clear()


@dataclass(frozen=True)
class NewPatient:
    """A patient made for one test: how to sign in, and who they are."""

    username: str
    password: str
    patient_id: str
    team_id: str
    given_name: str
    family_name: str

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}"


def start_app(env: dict[str, str]) -> ChaliceLocal:
    """Start ``chalice local --stage test`` on a free port with exactly ``env``; the caller stops it."""
    app = ChaliceLocal(free_port(), env, autoreload=False, quiet=True, stage="test")
    try:
        app.start()
    except RuntimeError as exc:
        app.stop()
        raise RuntimeError(f"{exc}\n{_import_diagnosis(env)}") from exc
    except BaseException:
        app.stop()
        raise
    return app


def _import_diagnosis(env: dict[str, str]) -> str:
    """Why ``chalice local`` would not start, as far as importing app.py tells (its output is quiet)."""
    import subprocess

    result = subprocess.run([sys.executable, "-c", "import app"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=60, check=False)
    if result.returncode == 0:
        return "(app.py imports cleanly; run `chalice local --stage test` by hand to see its output)"
    return "Importing app.py failed:\n" + "\n".join(result.stderr.strip().splitlines()[-15:])


def start_stack(clock: str = DEFAULT_CLOCK) -> Stack:
    """Create the tables, seed the demo Trust at the clock's instant and start the app."""
    endpoint = prepare_environment(clock)
    from scripts.demo_data import seed
    from scripts.local_stack import prepare_tables

    prepare_tables()
    demo = seed(clock_instant(clock))
    env = local_environment(stage_environment(endpoint, clock))
    app = start_app(env)
    return Stack(url=app.url, demo=demo, endpoint=endpoint, clock=clock, env=env, app=app)


@contextmanager
def separate_dynamodb(timeout: float = 30.0) -> Iterator[str]:
    """Another, empty DynamoDB (a moto server in its own process); yields its endpoint.

    It has to be another process: every moto server started inside one process shares that
    process's moto backends, so a second ``EmbeddedDynamoDB`` here would hold the same tables and items.
    """
    import socket
    import subprocess
    import time

    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                               cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"moto server exited with status {process.returncode}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"moto server did not listen on port {port} within {timeout:.0f}s") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def stop_dynamodb() -> None:
    """Stop the embedded DynamoDB (the end of a process that started it)."""
    global _dynamodb
    with _lock:
        if _dynamodb is not None:
            _dynamodb.stop()
            _dynamodb = None


@contextmanager
def shared_stack() -> Iterator[Stack]:
    """The one stack of this process: started by the first user, stopped when the last one is done."""
    global _shared, _users
    with _lock:
        need_start = _shared is None
    if need_start:
        started = start_stack()
        with _lock:
            _shared = started
    with _lock:
        _users += 1
        stack = _shared
    assert stack is not None
    try:
        yield stack
    finally:
        with _lock:
            _users -= 1
            last = _users == 0
            if last:
                _shared = None
        if last:
            stack.stop()
