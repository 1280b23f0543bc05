"""An embedded DynamoDB (moto server over HTTP) plus ``chalice local``: the local Teamline stack.

``make run`` uses it interactively; the wire and browser tests use it as a fixture. moto lives in
this (parent) process and ``chalice local`` runs as a child, so chalice's autoreload works and data
survives reloads. Setting ``TEAMLINE_DYNAMODB_ENDPOINT`` beforehand points everything at another
DynamoDB (DynamoDB Local, or AWS) instead, with no code change.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import closing
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def local_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for a local stage: fake AWS credentials, the local stage, fast test hashing if asked."""
    env = dict(os.environ)
    env.setdefault("AWS_ACCESS_KEY_ID", "local")
    env.setdefault("AWS_SECRET_ACCESS_KEY", "local")
    env.setdefault("AWS_DEFAULT_REGION", "eu-west-2")
    env.setdefault("TEAMLINE_STAGE", "local")
    env.update(extra or {})
    return env


def _serial_moto_server() -> type:
    """moto's threaded server with its application behind a lock: one request at a time.

    moto is not safe for concurrent writes: ``TransactWriteItems`` snapshots whole tables
    (``deepcopy``) and, when any condition fails, restores the snapshot, silently dropping whatever
    another request committed meanwhile (the snapshot itself can also fail with "dictionary changed
    size during iteration"). A page and its service worker sending the same message when the
    connection returns do exactly that. DynamoDB serialises conflicting transactions itself; locally
    a lock does. (Overrides moto 5.2's ``_server_entry``; moto is pinned.)
    """
    import threading
    from typing import Any

    from moto.server import ThreadedMotoServer

    class SerialMotoServer(ThreadedMotoServer):
        def _server_entry(self) -> None:
            from moto.server import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
            from werkzeug.serving import make_server

            app = DomainDispatcherApplication(create_backend_app)
            lock = threading.Lock()

            def one_at_a_time(environ: dict[str, Any], start_response: Any) -> list[bytes]:
                with lock:
                    return list(app(environ, start_response))  # the whole answer, before the next request

            self._server = make_server(self._ip_address, self._port, one_at_a_time, True,
                                       request_handler=MotoRequestHandler)
            self._server_ready_event.set()
            self._server.serve_forever()

    return SerialMotoServer


class EmbeddedDynamoDB:
    """A moto server on 127.0.0.1 speaking DynamoDB's wire protocol, one request at a time."""

    def __init__(self) -> None:
        import logging

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per DynamoDB call is noise
        self._server = _serial_moto_server()(ip_address="127.0.0.1", port=0, verbose=False)
        self.endpoint = ""

    def start(self) -> str:
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        return self.endpoint

    def stop(self) -> None:
        self._server.stop()


class ChaliceLocal:
    """``chalice local`` as a child process, compressing responses as API Gateway would."""

    def __init__(self, port: int, env: dict[str, str], *, autoreload: bool = True, quiet: bool = False,
                 stage: str = "local") -> None:
        self.port = port
        self.stage = stage
        self.env = env
        self.autoreload = autoreload
        self.quiet = quiet
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def command(self) -> list[str]:
        """chalice local, compressing responses as API Gateway does (scripts/local_gateway.py)."""
        command = [sys.executable, "-m", "scripts.local_gateway", "local", "--host", "127.0.0.1", "--port",
                   str(self.port), "--stage", self.stage]
        return command if self.autoreload else [*command, "--no-autoreload"]

    def start(self, timeout: float = 60.0) -> None:
        command = self.command
        output = subprocess.DEVNULL if self.quiet else None
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=output, stderr=output)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"chalice local exited with status {self.process.returncode}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/health", timeout=2) as response:  # noqa: S310
                    if json.load(response).get("status") == "ok":
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"chalice local did not answer on {self.url} within {timeout:.0f}s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def prepare_tables() -> None:
    """Create the tables (and the export bucket) in whatever the environment points at (idempotent)."""
    from chalicelib.models import export_files
    from chalicelib.models.base import create_tables

    create_tables(wait=True)
    export_files.create_bucket()


def demo_seeded() -> bool:
    """True when the demo Trust already exists (a persistent DynamoDB is being reused)."""
    from chalicelib.models.team import get_trust
    from scripts.demo_data import TRUST_ID

    return get_trust(TRUST_ID) is not None
