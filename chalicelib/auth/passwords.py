"""Password hashing with argon2id (argon2-cffi), and the rules a new password must meet.

Parameters are argon2-cffi's RFC 9106 "low memory" profile, which keeps a Lambda with 512 MB well
inside its memory while costing an attacker ~64 MiB per guess (~100 ms here). The test stage may
choose argon2-cffi's CHEAPEST profile so the suite does not spend minutes hashing; settings refuse
it anywhere else.
"""

from __future__ import annotations

from collections import Counter
from functools import lru_cache
from typing import Any

from chalicelib.errors import ValidationError
from chalicelib.settings import get_settings

MIN_LENGTH = 10
MAX_LENGTH = 128
#: argon2 operations done by this process: what a sign-in cost, whichever way it went (tests compare them).
WORK: Counter[str] = Counter()
#: A few passwords people really pick; the length rule does most of the work.
_COMMON = frozenset({"password123", "1234567890", "qwertyuiop", "teamline123", "letmein1234", "password12"})


@lru_cache(maxsize=1)
def _hasher() -> Any:
    # argon2 is imported on first use: most requests never check a password.
    from argon2 import PasswordHasher
    from argon2.profiles import CHEAPEST, RFC_9106_LOW_MEMORY

    profile = CHEAPEST if get_settings().password_profile == "cheapest" else RFC_9106_LOW_MEMORY
    return PasswordHasher.from_parameters(profile)


def hash_password(password: str) -> str:
    """Return an argon2id hash of ``password``."""
    WORK["argon2"] += 1
    return str(_hasher().hash(password))


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; a missing hash still costs a hash so timing does not reveal accounts."""
    WORK["argon2"] += 1
    if not password_hash:
        _hasher().hash(password)
        return False
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return bool(_hasher().verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


def check_new_password(password: str, *, field: str = "password") -> str:
    """Validate a new password and return it unchanged, or raise ValidationError naming ``field``."""
    if len(password) < MIN_LENGTH:
        raise ValidationError(f"Your password must be at least {MIN_LENGTH} characters long.", field=field)
    if len(password) > MAX_LENGTH:
        raise ValidationError(f"Your password must be at most {MAX_LENGTH} characters long.", field=field)
    if password.strip().lower() in _COMMON or len(set(password)) < 4:
        raise ValidationError("That password is too easy to guess. Try a few words you will remember.", field=field)
    return password


