"""The server's VAPID identity (RFC 8292): generating, storing and loading the key pair.

Push services only accept pushes signed by the key a browser subscribed with, so the private key is
a long-lived secret: in AWS it lives in SSM Parameter Store as a SecureString (never in
``chalicelib/``, which is packaged into the Lambda zip), read once per process; locally ``make run``
keeps it in a gitignored JSON file. The public key is not secret: it is stage configuration, and the
browser needs it as ``applicationServerKey``.

Formats: the private key is a PKCS#8 PEM string, which is what ``webpush`` accepts; loaders also
accept the base64url raw 32-byte form other tools (the npm ``web-push`` CLI) print, and convert it.
The public key is the base64url (unpadded) uncompressed P-256 point, 65 bytes, as browsers want it.

Generate keys with ``python -m chalicelib.push.vapid generate [--ssm-parameter NAME] [--region R]``.
"""

from __future__ import annotations

import base64
import json
import os
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from chalicelib.errors import ConfigurationError, ServiceUnavailable

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import ec

# cryptography is imported inside the functions that need it: importing this module (for VapidKeys)
# must not add ~17 ms to every Lambda cold start.


@dataclass(frozen=True)
class VapidKeys:
    """The VAPID key pair and the contact (``mailto:`` or ``https:``) push services see as ``sub``."""

    private: str = field(repr=False)  # PKCS#8 PEM; kept out of repr so it never reaches a log
    public: str
    subject: str

    def __post_init__(self) -> None:
        if not self.subject.startswith(("mailto:", "https://")):
            raise ValueError("VAPID subject must be a mailto: or https:// URI")


def b64url_encode(data: bytes) -> str:
    """Encode ``data`` as unpadded base64url, the form Web Push uses for keys."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode unpadded (or padded) base64url."""
    text = text.strip()
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_key_b64(private_key: ec.EllipticCurvePrivateKey) -> str:
    """Return the base64url uncompressed public point for ``private_key`` (the applicationServerKey)."""
    from cryptography.hazmat.primitives import serialization

    point = private_key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64url_encode(point)


def private_key_pem(private_key: ec.EllipticCurvePrivateKey) -> str:
    """Serialise ``private_key`` as unencrypted PKCS#8 PEM."""
    from cryptography.hazmat.primitives import serialization

    return private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")


def parse_private_key(text: str) -> ec.EllipticCurvePrivateKey:
    """Parse a VAPID private key given as PEM or as base64url raw 32 bytes; it must be on P-256.

    Raises ValueError or TypeError for anything else.
    """
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    if text.lstrip().startswith("-----BEGIN"):
        key = serialization.load_pem_private_key(text.encode("ascii"), password=None)
    else:
        raw = b64url_decode(text)
        if len(raw) != 32:
            raise ValueError("a raw VAPID private key must be 32 bytes")
        key = ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise TypeError("a VAPID private key must be an elliptic-curve key")
    if key.curve.name != ec.SECP256R1.name:
        raise ValueError("a VAPID private key must be on P-256")
    return key


def normalise_private_key(text: str) -> str:
    """Return the private key as PKCS#8 PEM, whichever accepted form it came in."""
    return private_key_pem(parse_private_key(text))


def generate_keypair() -> tuple[str, str]:
    """Return a new (private PKCS#8 PEM, public base64url uncompressed point) VAPID key pair."""
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    return private_key_pem(key), public_key_b64(key)


def load_local_keys(path: str) -> VapidKeys:
    """Load keys from the local JSON file written by ``ensure_local_keys``."""
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    try:
        private, public, subject = data["private"], data["public"], data["subject"]
    except (KeyError, TypeError) as exc:
        raise ConfigurationError(f"{path} is not a VAPID key file (needs private, public, subject)") from exc
    try:
        private = normalise_private_key(private)
    except (ValueError, TypeError):
        raise ConfigurationError(f"{path} does not hold a P-256 private key") from None  # no key text in logs
    return VapidKeys(private=private, public=public, subject=subject)


def ensure_local_keys(path: str, subject: str) -> VapidKeys:
    """Load the local key file, creating it (mode 0600) with a new key pair if it does not exist.

    The file keeps its key pair across runs, because browsers stay subscribed to that key; ``subject``
    is configuration, so the value passed in wins over the one stored.
    """
    if not os.path.exists(path):
        private, public = generate_keypair()
        directory = os.path.dirname(path)
        if directory:
            os.makedirs(directory, exist_ok=True)
        document = json.dumps({"private": private, "public": public, "subject": subject}, indent=2)
        # Written whole to a private temporary file, then linked into place: link fails if the file
        # appeared meanwhile, so two `make run`s starting together agree on one key and neither
        # ever reads a half-written file.
        temporary = f"{path}.{os.getpid()}.tmp"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(document + "\n")
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(temporary)
    keys = load_local_keys(path)
    return VapidKeys(private=keys.private, public=keys.public, subject=subject)


def default_ssm_client_factory(region: str | None = None) -> Callable[[], Any]:
    """Return a factory for a boto3 SSM client; boto3 is imported only when the factory is called."""

    def factory() -> Any:
        import boto3  # lazily: ~300 ms of cold start that most requests never need

        return boto3.client("ssm", region_name=region) if region else boto3.client("ssm")

    return factory


def _aws_error_code(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return ""


class SsmKeySource:
    """The VAPID keys with the private key read from an SSM SecureString once per process.

    ``get`` is what ``PushSender`` calls, so the parameter is only read when the first push is
    built, never at import. A failed read is not cached: the next push tries again.
    """

    def __init__(
        self, parameter_name: str, client_factory: Callable[[], Any], public_key: str, subject: str
    ) -> None:
        self._parameter_name = parameter_name
        self._client_factory = client_factory
        self._public_key = public_key
        self._subject = subject
        self._keys: VapidKeys | None = None
        self._lock = threading.Lock()

    def get(self) -> VapidKeys:
        """Return the keys, reading the SecureString on first use only."""
        keys = self._keys
        if keys is not None:
            return keys
        with self._lock:
            if self._keys is None:
                self._keys = VapidKeys(private=self._read_private(), public=self._public_key, subject=self._subject)
            return self._keys

    def _read_private(self) -> str:
        try:
            response = self._client_factory().get_parameter(Name=self._parameter_name, WithDecryption=True)
            value = response["Parameter"]["Value"]
        except Exception as exc:  # botocore is not imported here; classify by the error code instead
            code = _aws_error_code(exc)
            if code in {"ParameterNotFound", "ParameterVersionNotFound", "AccessDeniedException"}:
                raise ConfigurationError(
                    f"VAPID private key SSM parameter {self._parameter_name!r} is unreadable ({code})"
                ) from exc
            raise ServiceUnavailable() from exc
        try:
            return normalise_private_key(value)
        except (ValueError, TypeError):
            # Deliberately not chained: the parse error could quote key material.
            raise ConfigurationError(
                f"SSM parameter {self._parameter_name!r} does not hold a P-256 private key"
            ) from None


def main(
    argv: Sequence[str] | None = None,
    *,
    client_factory: Callable[[str | None], Callable[[], Any]] | None = None,
) -> int:
    """Run the key-generation CLI; ``client_factory`` (region -> SSM client factory) is for tests."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m chalicelib.push.vapid", description="Teamline VAPID keys")
    commands = parser.add_subparsers(dest="command", required=True)
    generate = commands.add_parser("generate", help="create a VAPID key pair")
    generate.add_argument("--ssm-parameter", metavar="NAME", help="store the private key as this SecureString")
    generate.add_argument("--region", help="AWS region for SSM (default: from the environment)")
    generate.add_argument("--overwrite", action="store_true", help="replace an existing SSM parameter")
    args = parser.parse_args(argv)

    # Values go to stdout and labels to stderr, so `PUBLIC=$(... --ssm-parameter X)` captures just the key.
    private, public = generate_keypair()
    if args.ssm_parameter:
        factory = (client_factory or default_ssm_client_factory)(args.region)
        try:
            factory().put_parameter(
                Name=args.ssm_parameter,
                Value=private,
                Type="SecureString",
                Overwrite=bool(args.overwrite),
                Description="Teamline VAPID private key (PKCS#8 PEM)",
            )
        except Exception as exc:
            if _aws_error_code(exc) == "ParameterAlreadyExists":
                print(
                    f"{args.ssm_parameter} already exists; a new key unsubscribes every browser. "
                    "Pass --overwrite if that is what you want.",
                    file=sys.stderr,
                )
                return 1
            raise
        print(f"private key stored in SSM SecureString {args.ssm_parameter}", file=sys.stderr)
    print("public key (applicationServerKey):", file=sys.stderr)
    print(public)
    if not args.ssm_parameter:
        print("private key (keep it secret; never commit it):", file=sys.stderr)
        print(private, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
