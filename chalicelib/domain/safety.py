"""Where to get help now: the emergency routes Teamline shows beside every compose box and in every auto-reply.

Teamline is not an emergency service, and LYNC found young people must be told so plainly and often. The routes live in
one place so the auto-reply footer, the compose screen and any template render exactly the same numbers and links.
"""

from __future__ import annotations

from typing import NamedTuple


class EmergencyRoute(NamedTuple):
    """One way to get help now: a short ``label``, the ``detail`` sentence fragment and a tappable ``href``."""

    label: str
    detail: str
    href: str


EMERGENCY_ROUTES: tuple[EmergencyRoute, ...] = (
    EmergencyRoute("999", "call 999 or go to A&E in an emergency", "tel:999"),
    EmergencyRoute("NHS 111", "call NHS 111", "tel:111"),
    EmergencyRoute("Shout", "text SHOUT to 85258", "sms:85258?body=SHOUT"),
    EmergencyRoute("Childline", "call Childline on 0800 1111 (under 19)", "tel:08001111"),
)


def help_now_sentence(routes: tuple[EmergencyRoute, ...] = EMERGENCY_ROUTES) -> str:
    """Return the one-sentence list of routes: "If you need help now: call 999 …, or call Childline on 0800 1111 …"."""
    details = [route.detail for route in routes]
    listed = details[0] if len(details) == 1 else ", ".join(details[:-1]) + ", or " + details[-1]
    return f"If you need help now: {listed}."
