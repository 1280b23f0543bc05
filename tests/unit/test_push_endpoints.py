"""Which push endpoints Teamline will POST to (issue: hardening, point 3).

The allow-list check and the sender used to parse a URL differently: a backslash before "@" made an
endpoint pass as a known push host while the request went to another host, and ports were not
restricted. Now one function reads the URL the way the sender does, and refuses anything ambiguous.
"""

from __future__ import annotations

import pytest

from chalicelib.push.endpoints import EndpointRefused, check_endpoint

HOSTS = ("fcm.googleapis.com", "push.apple.com", "127.0.0.1")


@pytest.mark.parametrize("endpoint", [
    "https://fcm.googleapis.com/fcm/send/abc:def-123",
    "https://web.push.apple.com/QGuQyavXutnMfE7T",
    "https://fcm.googleapis.com:443/fcm/send/x",
])
def test_a_browser_push_service_endpoint_is_accepted(endpoint):
    assert check_endpoint(endpoint, push_hosts=HOSTS, allow_loopback=False).startswith("https://")


@pytest.mark.parametrize(("endpoint", "why"), [
    ("https://fcm.googleapis.com\\@evil.example/x", "a backslash makes parsers disagree about the host"),
    ("https://fcm.googleapis.com%5C@evil.example/x", "user info, however spelled"),
    ("https://user@fcm.googleapis.com/x", "user info"),
    ("https://fcm.googleapis.com:8443/x", "another port"),
    ("https://fcm.googleapis.com:22/x", "another port"),
    ("http://fcm.googleapis.com/x", "not https"),
    ("https://evil.example/fcm.googleapis.com", "another host"),
    ("https://fcm.googleapis.com.evil.example/x", "a look-alike host"),
    ("https://evilfcm.googleapis.com.example/x", "a look-alike host"),
    ("https://169.254.169.254/latest/meta-data", "an IP literal (the instance metadata service)"),
    ("https://[::1]/x", "an IPv6 literal"),
    ("https://127.0.0.1/x", "loopback, when not allowed"),
    ("https://fcm.googleapis.com/x y", "whitespace"),
    ("https://fcm.googleapis.com/\u00e9", "not plain ASCII"),
    ("https://fcm.googleapis.com/" + "a" * 1000, "too long"),
    ("fcm.googleapis.com/x", "no scheme"),
    ("", "empty"),
])
def test_anything_ambiguous_or_elsewhere_is_refused(endpoint, why):
    with pytest.raises(EndpointRefused):
        check_endpoint(endpoint, push_hosts=HOSTS, allow_loopback=False)


def test_loopback_http_is_allowed_only_where_the_stage_allows_it():
    local = "http://127.0.0.1:8765/push/abc"
    assert check_endpoint(local, push_hosts=HOSTS, allow_loopback=True) == local
    with pytest.raises(EndpointRefused):
        check_endpoint(local, push_hosts=HOSTS, allow_loopback=False)
    with pytest.raises(EndpointRefused):
        check_endpoint(local, push_hosts=("fcm.googleapis.com",), allow_loopback=True)  # not on the list


def test_what_is_stored_is_what_the_sender_will_post_to():
    from urllib3.util import parse_url

    checked = check_endpoint("https://FCM.googleapis.com/fcm/send/x", push_hosts=HOSTS, allow_loopback=False)
    assert parse_url(checked).host == "fcm.googleapis.com"
