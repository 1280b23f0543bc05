"""Fault injection for DynamoDB: a botocore hook that makes a chosen share of calls go wrong.

Four faults, each as DynamoDB (or the network) really produces it:

* ``throttle``: the call is answered ``400 ThrottlingException`` without reaching the table;
* ``server_error``: answered ``500 InternalServerError`` without reaching the table;
* ``timeout_before``: the call times out before it is sent (nothing reaches the table);
* ``timeout_after``: the call reaches the table and *commits*, then the answer is lost (a read
  timeout on the way back) — the case where the client cannot know whether its write happened.

botocore retries the first three itself (as it would in AWS) up to the connection's attempt limit;
the last reaches Teamline as an exception after the write. Used against a moto server over HTTP,
where these hooks are the only thing between botocore and the socket.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from botocore import handlers
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ReadTimeoutError

KINDS = ("throttle", "server_error", "timeout_before", "timeout_after")
#: ``hang`` (not in KINDS: asked for by name) is DynamoDB that stops answering: each attempt waits as
#: long as the read timeout would, then times out.


class _Raw:
    """Just enough of a urllib3 response for botocore to read a body from."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, *_: Any, **__: Any) -> Iterator[bytes]:
        yield self._body


def _error(status: int, code: str, url: str) -> AWSResponse:
    body = json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": "injected"}).encode()
    headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": "fault"}
    response = AWSResponse(url, status, headers, _Raw(body))
    response._content = body  # noqa: SLF001 - botocore reads .content
    return response


class FaultInjector:
    """Decides, per DynamoDB attempt, whether to inject a fault; counts what it did."""

    HANG_SECONDS = 2.0  # the connection's read timeout (models/base.py)

    def __init__(self, rate: float, kinds: tuple[str, ...] = KINDS, seed: int = 1) -> None:
        self.rate = rate
        self.kinds = kinds
        self.random = random.Random(seed)
        self.injected: Counter[str] = Counter()
        self.lock = threading.Lock()
        self._lose_answer: set[int] = set()
        self.enabled = True

    def _pick(self) -> str | None:
        with self.lock:
            if not self.enabled or self.random.random() >= self.rate:
                return None
            kind = self.random.choice(self.kinds)
            self.injected[kind] += 1
            return kind

    def before_send(self, request: Any = None, **_: Any) -> AWSResponse | None:
        kind = self._pick()
        if kind == "throttle":
            return _error(400, "ThrottlingException", request.url)
        if kind == "server_error":
            return _error(500, "InternalServerError", request.url)
        if kind == "timeout_before":
            raise ReadTimeoutError(endpoint_url=request.url)
        if kind == "hang":
            time.sleep(self.HANG_SECONDS)  # a socket waiting for an answer that never comes
            raise ReadTimeoutError(endpoint_url=request.url)
        if kind == "timeout_after":
            with self.lock:
                self._lose_answer.add(threading.get_ident())
        return None

    def after_call(self, **_: Any) -> None:
        with self.lock:
            lose = threading.get_ident() in self._lose_answer
            self._lose_answer.discard(threading.get_ident())
        if lose:
            raise ReadTimeoutError(endpoint_url="dynamodb (answer lost after the write)")


_active: list[FaultInjector] = []


def _before_send(**kwargs: Any) -> AWSResponse | None:
    return _active[0].before_send(**kwargs) if _active else None


def _after_call(**kwargs: Any) -> None:
    if _active:
        _active[0].after_call(**kwargs)


# Registered once, at import, for every botocore session made afterwards: PynamoDB makes its client on
# first use and keeps it, so hooks added later would never see its calls. Import this module before
# anything talks to DynamoDB; ``injected`` then switches an injector in and out.
if ("before-send.dynamodb", _before_send) not in handlers.BUILTIN_HANDLERS:
    handlers.BUILTIN_HANDLERS.extend([("before-send.dynamodb", _before_send), ("after-call.dynamodb", _after_call)])


@contextmanager
def injected(injector: FaultInjector) -> Iterator[FaultInjector]:
    """Make ``injector`` decide every DynamoDB call inside the block."""
    _active.insert(0, injector)
    try:
        yield injector
    finally:
        _active.remove(injector)
