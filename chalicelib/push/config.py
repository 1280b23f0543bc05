"""Where this process gets its VAPID keys: a local file (``make run``, tests) or SSM (deployed stages).

The private key is a secret, so it is never in settings or in ``chalicelib/`` (which is packaged):
locally it sits in an untracked file, in AWS in an SSM SecureString read on the first push only.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from chalicelib.errors import ConfigurationError
from chalicelib.push.vapid import SsmKeySource, VapidKeys, default_ssm_client_factory, load_local_keys
from chalicelib.settings import get_settings

if TYPE_CHECKING:
    from chalicelib.push.sender import DeliveryResult


@lru_cache(maxsize=1)
def _ssm_source() -> SsmKeySource:
    settings = get_settings()
    if not settings.vapid_private_key_parameter or not settings.vapid_public_key:
        raise ConfigurationError("Set TEAMLINE_VAPID_PRIVATE_KEY_PARAMETER and TEAMLINE_VAPID_PUBLIC_KEY to send pushes")
    return SsmKeySource(settings.vapid_private_key_parameter, default_ssm_client_factory(settings.region),
                        settings.vapid_public_key, settings.vapid_subject)


def vapid_keys() -> VapidKeys:
    """The VAPID key pair for signing and encrypting pushes."""
    settings = get_settings()
    if settings.vapid_private_key_file:
        return _local_keys(settings.vapid_private_key_file)
    return _ssm_source().get()


@lru_cache(maxsize=4)
def _local_keys(path: str) -> VapidKeys:
    return load_local_keys(path)


def public_key() -> str | None:
    """The public key browsers subscribe with (None when push is not configured)."""
    settings = get_settings()
    if settings.vapid_public_key:
        return settings.vapid_public_key
    if settings.vapid_private_key_file:
        try:
            return _local_keys(settings.vapid_private_key_file).public
        except (OSError, ConfigurationError):
            return None
    return None


_sender: Any = None


def default_send(*args: Any, **kwargs: Any) -> DeliveryResult:
    """Send with this process's PushSender (built on first use, with the configured VAPID keys)."""
    global _sender
    if _sender is None:
        from chalicelib.push.sender import PushSender

        # A small budget per device: a slow or down push service is retried later (services.notifications
        # stores the retry), never waited on at the cost of other devices or the Lambda's timeout.
        _sender = PushSender(vapid_keys, max_attempts=2, base_delay=0.25, max_delay=1.0, timeout=3.0,
                             endpoint_check=endpoint_check)
    result: DeliveryResult = _sender.send(*args, **kwargs)
    return result


def endpoint_check(endpoint: str) -> str:
    """The settings' check on a stored endpoint, run again just before each POST."""
    from chalicelib.push.endpoints import check_endpoint
    from chalicelib.settings import NON_DEPLOYED_STAGES

    settings = get_settings()
    return check_endpoint(endpoint, push_hosts=settings.push_hosts,
                          allow_loopback=settings.stage in NON_DEPLOYED_STAGES)


def reset_sender() -> None:
    """Forget the process's PushSender, so the next push builds one from the current settings (tests)."""
    global _sender
    _sender = None
