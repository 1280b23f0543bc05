"""Turning a request's session cookie into an Actor: the only way any code gets one.

The web layer hands over what it parsed (the credential, the method, the route, the presented
anti-forgery token); this module checks the fetched session and profile and returns the Actor.
It knows nothing of HTTP or Chalice, so ``chalicelib.access`` and the services can use it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from chalicelib.auth import sessions
from chalicelib.auth.actor import Actor
from chalicelib.errors import CsrfFailed, PasswordChangeRequired, Unauthenticated
from chalicelib.models.people import PatientItem, StaffItem

#: The only routes a staff member with a one-time password may use.
PASSWORD_CHANGE_PATHS = frozenset({"/staff/password", "/sign-out"})


class Caller(Protocol):
    """What the access loaders need of a request (``chalicelib.web.request.RequestContext`` is one)."""

    now: datetime

    @property
    def method(self) -> str: ...

    def require_credential(self) -> sessions.Credential: ...

    def authenticate(self, session: Any, profile: Any, credential: sessions.Credential) -> Actor: ...


def authenticate(session: Any, profile: Any, credential: sessions.Credential, *, now: datetime, path: str,
                 state_changing: bool, presented_csrf: Callable[[], str | None]) -> Actor:
    """Check a fetched session and profile against the cookie's claim; return the Actor or raise.

    ``presented_csrf`` is only called for state-changing requests, whose anti-forgery token must match
    the session's.
    """
    verified = sessions.verify(session, credential, now)
    if credential.actor_kind == "staff":
        if not isinstance(profile, StaffItem) or not profile.active:
            raise Unauthenticated()
        if profile.must_change_password and path not in PASSWORD_CHANGE_PATHS:
            # A one-time password is known to the admin who set it: nothing else until it is replaced.
            raise PasswordChangeRequired()
        actor = Actor("staff", profile.staff_id, profile.trust_id, profile.display_name, verified, staff=profile)
    else:
        if not isinstance(profile, PatientItem) or profile.status != "active":
            raise Unauthenticated()
        actor = Actor("patient", profile.patient_id, profile.trust_id, profile.display_name, verified, patient=profile)
    if state_changing and not sessions.csrf_matches(verified, presented_csrf()):
        raise CsrfFailed()
    return actor
