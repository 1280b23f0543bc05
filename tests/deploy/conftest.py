"""Deploy tier: ``make deploy`` rehearsed end to end against an embedded AWS (a moto server).

The rehearsal runs once per session (it takes about a minute): the real ``make deploy`` as a child
process, pointed at the moto server with ``AWS_ENDPOINT_URL``, including the real ``chalice deploy``
(which downloads Lambda wheels from PyPI on a fresh machine); then the first Trust admin through
``scripts.create_admin --stage``; then ``make deploy`` again with changed settings (an upgrade); then
``make destroy``. What AWS holds is photographed after each step and the tests read the photographs.
Where moto lacks a piece, ``tests/support/moto_aws.py`` patches moto (never the product) and says why.

The IAM test also reads ``build/dynamodb-operations.json``, written by the functional tier when it runs
with ``-p tests.support.dynamodb_recorder`` (``make test`` runs that tier first).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support.moto_aws import ACCOUNT, REGION, MotoAws  # noqa: E402

STAGE = "rehearsal"
TIMINGS = ROOT / "build" / "deploy-rehearsal.json"
CERTIFICATE = f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/8a2c5a8e-1111-2222-3333-444455556666"
FIRST_SETTINGS: dict[str, Any] = {
    "region": REGION,
    "vapid_subject": "mailto:teamline-support@northfield.nhs.uk",
    "alarm_email": "teamline-alarms@northfield.nhs.uk",
    "custom_domain": {"domain_name": "teamline.northfield.nhs.uk", "certificate_arn": CERTIFICATE},
    "log_retention_days": 365,
    "functions": {"deliver_push": {"memory_mb": 512, "timeout_s": 90}},
}
#: The upgrade changes settings a Trust might change, so the second deploy really updates things.
UPGRADED_SETTINGS: dict[str, Any] = {
    **FIRST_SETTINGS,
    "log_retention_days": 400,
    "functions": {"deliver_push": {"memory_mb": 1024, "timeout_s": 120}},
}
ADMIN = ["--trust-name", "Northfield NHS Foundation Trust", "--email", "alex.admin@northfield.nhs.uk",
         "--given-name", "Alex", "--family-name", "Admin"]


@dataclass
class Step:
    """One command of the rehearsal and what it printed."""

    command: list[str]
    returncode: int
    output: str
    seconds: float


@dataclass
class Rehearsal:
    """Everything the rehearsal did and saw."""

    steps: dict[str, Step] = field(default_factory=dict)
    photos: dict[str, dict[str, Any]] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)
    functions: list[Any] = field(default_factory=list)
    seconds: float = 0.0


def run(name: str, command: list[str], env: dict[str, str], rehearsal: Rehearsal, stdin: str | None = None) -> Step:
    """Run one command of the rehearsal, keeping its output (printed if a test fails)."""
    started = time.monotonic()
    result = subprocess.run(command, cwd=ROOT, env=env, input=stdin, capture_output=True, text=True,
                            timeout=900, check=False)
    step = Step(command, result.returncode, result.stdout + result.stderr, round(time.monotonic() - started, 1))
    rehearsal.steps[name] = step
    return step


def make(*arguments: str) -> list[str]:
    return ["make", "--no-print-directory", *arguments]


@pytest.fixture(scope="session")
def rehearsal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rehearsal]:
    from scripts.deploy import functions as app_functions
    from scripts.deploy import infra
    from tests.support.aws_photo import photograph

    folder = tmp_path_factory.mktemp("rehearsal")
    first, upgraded = folder / "first.json", folder / "upgraded.json"
    first.write_text(json.dumps(FIRST_SETTINGS))
    upgraded.write_text(json.dumps(UPGRADED_SETTINGS))
    result = Rehearsal(functions=app_functions.discover())
    started = time.monotonic()
    with MotoAws() as aws:
        env = aws.environment(dict(os.environ))
        session = aws.session()

        run("deploy", make("deploy", f"STAGE={STAGE}", f"SETTINGS={first}"), env, result)
        stack = infra.describe_stack(session.client("cloudformation"), infra.stack_name(STAGE))
        result.outputs = infra.outputs_of(stack or {})
        result.photos["deployed"] = photograph(session, STAGE, result.outputs)
        run("create_admin", [sys.executable, "-m", "scripts.create_admin", "--stage", STAGE, "--password-stdin",
                             *ADMIN], env, result, stdin="quiet harbour lights 7\n")
        run("upgrade", make("deploy", f"STAGE={STAGE}", f"SETTINGS={upgraded}"), env, result)
        result.photos["upgraded"] = photograph(session, STAGE, result.outputs)
        run("create_admin_again", [sys.executable, "-m", "scripts.create_admin", "--stage", STAGE,
                                   "--password-stdin", *ADMIN], env, result, stdin="quiet harbour lights 7\n")
        run("destroy", make("destroy", f"STAGE={STAGE}", f"SETTINGS={upgraded}"), env, result)
        result.photos["destroyed"] = photograph(session, STAGE, result.outputs)
    result.seconds = round(time.monotonic() - started, 1)
    TIMINGS.parent.mkdir(parents=True, exist_ok=True)
    TIMINGS.write_text(json.dumps({"seconds": result.seconds,
                                   "steps": {n: s.seconds for n, s in result.steps.items()}}, indent=1) + "\n")
    yield result


@pytest.fixture(scope="session")
def deployed(rehearsal: Rehearsal) -> dict[str, Any]:
    """What AWS held after the first deploy (which must have worked)."""
    step = rehearsal.steps["deploy"]
    assert step.returncode == 0, step.output[-6000:]
    return rehearsal.photos["deployed"]


@pytest.fixture(scope="session")
def upgraded(rehearsal: Rehearsal) -> dict[str, Any]:
    """What AWS held after the upgrade (which must have worked)."""
    step = rehearsal.steps["upgrade"]
    assert step.returncode == 0, step.output[-6000:]
    return rehearsal.photos["upgraded"]
