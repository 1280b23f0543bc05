"""One error hierarchy for the whole product.

Each error carries a stable machine code, an HTTP status and a message that is safe to show to a
patient or clinician. Domain and service code raise these; only ``chalicelib.web`` turns them into
HTTP responses, so domain code never imports Chalice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")


class TeamlineError(Exception):
    """Base class: a failure with a code, a status and a message a person can read."""

    code = "error"
    status = 500
    default_message = "Something went wrong. Nothing was changed. Please try again."

    def __init__(self, message: str | None = None, *, field: str | None = None, **details: Any) -> None:
        self.message = message or self.default_message
        self.field = field
        self.details = details
        super().__init__(self.message)

    def message_for(self, field: str) -> str | None:
        """The message to show next to ``field`` (None if this error is not about it)."""
        return next((message for at, message in self.problems() if at == field), None)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON body for this error: ``{"error": {"code", "message", ["field"]}}``."""
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        if self.details:
            body.update(self.details)
        return {"error": body}

    def problems(self) -> list[tuple[str | None, str]]:
        """Every (field, message) this error reports: one, except for ValidationErrors."""
        return [(self.field, self.message)]


class ValidationError(TeamlineError):
    """The input was malformed or out of range; ``field`` names the input at fault."""

    code = "invalid_input"
    status = 400
    default_message = "Something you entered is not right. Check it and try again."


class ValidationErrors(ValidationError):
    """Several inputs were wrong at once. Forms show every one (the NHS.UK error summary lists them all).

    It *is* a ValidationError whose ``field`` and ``message`` are the first problem's, so code and
    clients that know one error still work; the JSON adds ``errors``, every problem in form order.
    """

    def __init__(self, errors: Sequence[TeamlineError]) -> None:
        if not errors:
            raise ValueError("ValidationErrors needs at least one error")
        super().__init__(errors[0].message, field=errors[0].field)
        self.errors = list(errors)
        self.status = max(error.status for error in self.errors)  # a form may also name something not found

    def to_dict(self) -> dict[str, Any]:
        body = super().to_dict()
        body["error"]["errors"] = [{"code": e.code, "message": e.message, **({"field": e.field} if e.field else {})}
                                   for e in self.errors]
        return body

    def problems(self) -> list[tuple[str | None, str]]:
        return [(e.field, e.message) for e in self.errors]


class Checks:
    """Run a form's field checks and report every failure at once, in the order the form asks.

    ``run`` calls one check (with any arguments) and keeps its ValidationError(s) instead of stopping;
    ``done`` raises nothing, the one error, or ValidationErrors with all of them.
    """

    def __init__(self) -> None:
        self.failed: list[TeamlineError] = []

    def run(self, check: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
        try:
            return check(*args, **kwargs)
        except ValidationErrors as errors:
            self.failed.extend(errors.errors)
        except ValidationError as error:
            self.failed.append(error)
        return None

    def fail(self, message: str, *, field: str) -> None:
        self.failed.append(ValidationError(message, field=field))

    def add(self, error: TeamlineError) -> None:
        """Report an error found another way (a lookup that found nothing, say) with the form's others."""
        self.failed.append(error)

    def has(self, field: str) -> bool:
        return any(e.field == field for e in self.failed)

    def done(self) -> None:
        if len(self.failed) == 1:
            raise self.failed[0]
        if self.failed:
            raise ValidationErrors(self.failed)


class Unauthenticated(TeamlineError):
    """No valid session: the caller must sign in."""

    code = "not_signed_in"
    status = 401
    default_message = "Please sign in to continue."


class Forbidden(TeamlineError):
    """The caller is signed in but may not do this."""

    code = "forbidden"
    status = 403
    default_message = "You do not have permission to do that."


class PasswordChangeRequired(Forbidden):
    """A staff member signed in with a one-time password must choose their own before anything else."""

    code = "password_change_required"
    default_message = "Choose a new password before using Teamline."


class CsrfFailed(Forbidden):
    """A state-changing request arrived without the session's anti-forgery token."""

    code = "csrf_failed"
    default_message = "This form has expired. Please go back, refresh the page and try again."


class NotFound(TeamlineError):
    """The thing does not exist, or the caller may not know that it exists."""

    code = "not_found"
    status = 404
    default_message = "We could not find that."


class Conflict(TeamlineError):
    """The request clashes with what is stored (e.g. a reused message id with a different text)."""

    code = "conflict"
    status = 409
    default_message = "That clashes with something already saved."


class Gone(TeamlineError):
    """The thing existed but can no longer be used (an expired or used invite code)."""

    code = "gone"
    status = 410
    default_message = "That is no longer valid."


class RateLimited(TeamlineError):
    """Too many attempts; ``retry_after`` says how many seconds to wait."""

    code = "rate_limited"
    status = 429
    default_message = "Too many attempts. Please wait a few minutes and try again."

    def __init__(self, message: str | None = None, *, retry_after: int = 60, **details: Any) -> None:
        super().__init__(message, **details)
        self.retry_after = retry_after


class PayloadTooLarge(TeamlineError):
    """The request body is larger than Teamline accepts."""

    code = "too_large"
    status = 413
    default_message = "That is too large to send."


class UnsupportedMediaType(TeamlineError):
    """The request body is not in a format this route accepts."""

    code = "unsupported_media_type"
    status = 415
    default_message = "Send JSON with Content-Type: application/json."


class ServiceUnavailable(TeamlineError):
    """A dependency (DynamoDB, SSM) failed; the request changed nothing and can be retried."""

    code = "unavailable"
    status = 503
    default_message = "Teamline is having trouble right now. Nothing was changed. Please try again shortly."


class ConfigurationError(Exception):
    """Stage settings are inconsistent; raised at start-up so a bad deployment fails loudly."""


class SignInFailed(Unauthenticated):
    """Wrong credentials. The message never says which part was wrong."""

    code = "sign_in_failed"
    default_message = "The details you entered are not right. Check them and try again."
