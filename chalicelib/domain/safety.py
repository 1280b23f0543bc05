"""Where to get help now: the emergency routes Teamline shows beside every compose box and in every auto-reply.

Teamline is not an emergency service, and LYNC found young people must be told so plainly and often. The routes live in
one place so the auto-reply footer, the compose screen and any template render exactly the same numbers and links.

The national routes (999, NHS 111, Shout, Childline, Samaritans) are always shown and cannot be edited away. A Trust
and each team add their own urgent lines (a 24-hour acute oncology line, a diabetes out-of-hours line, a CAMHS crisis
line): those come first, because they are the numbers that matter most for that team's patients
(``chalicelib.domain.team_safety`` keeps and checks them; :func:`routes_with` puts them in front).
"""

from __future__ import annotations

from collections.abc import Iterable
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
    EmergencyRoute("Samaritans", "call Samaritans on 116 123 (any age, any time)", "tel:116123"),
)

#: The routes a young person with thoughts of suicide or self-harm, or who is not safe, is given first.
CRISIS_ROUTES: tuple[EmergencyRoute, ...] = tuple(r for r in EMERGENCY_ROUTES if r.label != "NHS 111")


def routes_with(own: Iterable[EmergencyRoute], national: tuple[EmergencyRoute, ...] = EMERGENCY_ROUTES
                ) -> tuple[EmergencyRoute, ...]:
    """The team's and Trust's own lines first, then the national routes (which are always there)."""
    return (*own, *national)


def help_now_sentence(routes: tuple[EmergencyRoute, ...] = EMERGENCY_ROUTES) -> str:
    """Return the one-sentence list of routes: "If you need help now: call 999 …, or call Childline on 0800 1111 …"."""
    details = [route.detail for route in routes]
    listed = details[0] if len(details) == 1 else ", ".join(details[:-1]) + ", or " + details[-1]
    return f"If you need help now: {listed}."
