"""Test tiers (see docs/architecture.md, "Testing"):

* ``tests/unit``        pure logic; no I/O.
* ``tests/functional``  the Chalice app through ``chalice.test.Client`` with moto in-process (mock_aws).
* ``tests/wire``        moto server + ``chalice local`` over real HTTP, as ``make run`` runs it.
* ``tests/browser``     real Chromium (Playwright) against the wire stack: phone and tablet viewports.
* ``tests/faults``      the app in-process on a moto server over HTTP, with DynamoDB faults injected
                        between botocore and the socket (throttles, 500s, timeouts before and after a
                        write commits), and several processes sending at once.

PynamoDB reads its endpoint at import, so the in-process tiers (unit, functional) and the
over-the-wire tiers (wire, browser) run in separate pytest sessions; ``make test`` runs both.

Conftest files hold environment setup and fixtures only; what tests share lives in ``tests/support/``
(and, where ``make bench`` or ``make screenshots`` needs it too, in ``scripts/``).
"""

from __future__ import annotations

import os

import pytest
from hypothesis import settings as _hypothesis_settings

# Property tests check what is true, not how fast: Hypothesis's default 200 ms deadline per example fails them
# on a busy machine (CI has two cores and runs two workers), so it is off for every test.
_hypothesis_settings.register_profile("teamline", deadline=None)
_hypothesis_settings.load_profile("teamline")

# Defaults for every tier; tier conftests may add to them before anything imports chalicelib.
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-2")
os.environ.pop("AWS_PROFILE", None)

IN_PROCESS = {"unit", "functional"}
OVER_THE_WIRE = {"wire", "browser"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    tiers = {item.path.parent.name for item in items} | {p.name for item in items for p in item.path.parents}
    if tiers & {"functional"} and tiers & OVER_THE_WIRE:
        raise pytest.UsageError(
            "Run the in-process tiers (unit, functional) and the wire tiers (wire, browser) in separate "
            "pytest sessions: PynamoDB fixes its endpoint at import. `make test` does this."
        )
    if "faults" in tiers and tiers & (IN_PROCESS | OVER_THE_WIRE | {"deploy"}):
        raise pytest.UsageError("Run tests/faults in a pytest session of its own (it has its own DynamoDB).")
