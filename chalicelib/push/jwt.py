"""VAPID (RFC 8292): the signed JWT that tells a push service the push comes from Teamline.

Signing costs nearly as much as encrypting, so a token is cached per push-service origin for most of
its lifetime (``Signer.authorization``). The JWT is built and signed here with ``cryptography``
rather than by ``webpush``, whose ``aud`` drops non-default ports (see ``push.sender``).
"""

from __future__ import annotations

import json
import threading
from typing import TYPE_CHECKING, Any, Final

from chalicelib.errors import ConfigurationError
from chalicelib.push.vapid import VapidKeys, b64url_encode, parse_private_key, public_key_b64

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import ec

# RFC 8292 allows at most 24 h; 12 h leaves room for clock skew. A token is reused until less than
# an hour of it is left, so a push service never sees one about to expire.
JWT_LIFETIME: Final = 12 * 60 * 60
JWT_REFRESH_MARGIN: Final = 60 * 60
_MAX_CACHED_AUDIENCES: Final = 64  # a handful of push services exist; this only bounds a misuse


class Signer:
    """Parsed VAPID key material, and the signed JWT per push-service origin while it is fresh."""

    def __init__(self, keys: VapidKeys) -> None:
        from cryptography.hazmat.primitives import serialization

        self.keys = keys
        self.private_key: ec.EllipticCurvePrivateKey = parse_private_key(keys.private)
        if public_key_b64(self.private_key) != keys.public:
            # Every push service would answer 403: fail loudly at the first push instead.
            raise ConfigurationError("the VAPID public key does not match the private key")
        self.private_pem = keys.private.encode("ascii")
        self.public_pem = self.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self._tokens: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def authorization(self, audience: str, now: float) -> str:
        """Return the ``Authorization: vapid t=..., k=...`` value for ``audience``."""
        with self._lock:
            cached = self._tokens.get(audience)
            if cached is not None and cached[1] - now > JWT_REFRESH_MARGIN:
                return cached[0]
            expires = int(now) + JWT_LIFETIME
            header = f"vapid t={self._jwt(audience, expires)}, k={self.keys.public}"
            if len(self._tokens) >= _MAX_CACHED_AUDIENCES:
                self._tokens.clear()
            self._tokens[audience] = (header, expires)
            return header

    def _jwt(self, audience: str, expires: int) -> str:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

        def segment(value: dict[str, Any]) -> str:
            return b64url_encode(json.dumps(value, separators=(",", ":")).encode("utf-8"))

        claims = {"aud": audience, "exp": expires, "sub": self.keys.subject}
        signing_input = f"{segment({'typ': 'JWT', 'alg': 'ES256'})}.{segment(claims)}"
        der = self.private_key.sign(signing_input.encode("ascii"), ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)  # JWS wants raw r || s, not DER (RFC 7518 3.4)
        return f"{signing_input}.{b64url_encode(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"
