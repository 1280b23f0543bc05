"""Which push endpoints Teamline will ever POST to: one parser for the check and for the send.

An endpoint comes from a browser, and the delivery job POSTs to it from inside a Trust's AWS
account: a crafted one must never steer that POST anywhere but a browser push service. Two URL
parsers can disagree about the host of the same string (``urllib.parse`` and urllib3 read
``https://a.example\\@b.example/`` differently), so an endpoint is accepted only if it is plain
(printable ASCII, no backslash, no user info, no whitespace), urllib3 (which sends it) and
``urllib.parse`` agree on its host and port, it is ``https`` on port 443 to a named host (never an IP
literal) on the allow-list. The URL that is stored, and later POSTed to, is urllib3's reading of it.
Loopback HTTP is allowed only where the settings allow it (the local and test stages).
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

MAX_LENGTH = 1000
_PLAIN = re.compile(r"^[A-Za-z0-9\-._~:/?#\[\]!$&'()*+,;=%]+$")
_LOOPBACK = frozenset({"127.0.0.1", "localhost"})


class EndpointRefused(ValueError):
    """This is not an endpoint Teamline will POST to; the message says why (no part of the URL)."""


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def _allowed_host(host: str, push_hosts: tuple[str, ...]) -> bool:
    return any(host == allowed or host.endswith("." + allowed) for allowed in push_hosts)


def check_endpoint(text: str, *, push_hosts: tuple[str, ...], allow_loopback: bool) -> str:
    """The endpoint as it will be POSTed to, or EndpointRefused."""
    from urllib3.exceptions import LocationParseError
    from urllib3.util import parse_url

    if not text or len(text) > MAX_LENGTH or not _PLAIN.match(text) or "@" in text.split("?", 1)[0]:
        raise EndpointRefused("not a plain URL")
    try:
        url = parse_url(text)
        split = urlsplit(text)
        split_port = split.port
    except (LocationParseError, ValueError) as exc:
        raise EndpointRefused("not a URL") from exc
    host = (url.host or "").lower().rstrip(".")
    if url.auth or split.username is not None or host != (split.hostname or "").rstrip(".") or url.port != split_port:
        raise EndpointRefused("ambiguous URL")
    loopback = allow_loopback and host in _LOOPBACK and host in push_hosts and url.scheme == "http"
    if not loopback:
        if url.scheme != "https" or url.port not in (None, 443):
            raise EndpointRefused("not https on port 443")
        if _is_ip(host) or not _allowed_host(host, push_hosts):
            raise EndpointRefused("not a known push service")
    return str(url.url)
