"""The browser tier's own checks work: a quiet harness would let every journey pass.

If these fail, a green journey means nothing: the error watcher or the axe run is not seeing the page.
"""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser


def test_csp_violations_and_uncaught_errors_are_caught(phone: Any) -> None:
    page = phone.open("/sign-in")

    page.evaluate("() => { const s = document.createElement('script'); s.textContent = 'window.injected = 1';"
                  " document.body.append(s); }")
    page.evaluate("() => { setTimeout(() => { throw new Error('harness check') }, 0) }")
    page.wait_for_timeout(200)

    caught = "\n".join(phone.errors)
    assert "Content Security Policy" in caught
    assert "harness check" in caught
    assert page.evaluate("() => window.injected") is None  # and the CSP did refuse the script
    phone.errors.clear()  # expected ones; the fixture fails the test on anything else


def test_axe_sees_the_page_as_it_is_now(phone: Any) -> None:
    page = phone.open("/sign-in")
    assert phone.axe() == []

    page.evaluate("() => { const i = document.createElement('img'); i.src = '/static/icon-192.png';"
                  " document.querySelector('main').append(i); }")

    assert "image-alt" in [violation["id"] for violation in phone.axe()]
