"""Push payloads say nothing clinical: fixed wording per audience, an opaque ref, and a size limit."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.push.payload import (
    MAX_PLAINTEXT,
    PayloadTooLargeError,
    build_payload,
    check_size,
)


@pytest.mark.parametrize(("kind", "body", "audience"), [
    ("patient", "New message from your care team", "patient"),
    ("staff", "New message in your team inbox", "staff"),
    # A rota change goes to patients only, and says nothing of who or when.
    ("rota_changed", "Your team's contact rota has changed", "patient"),
])
def test_each_payload_is_only_its_fixed_generic_text(kind: str, body: str, audience: str) -> None:
    data = build_payload(kind, "msg_01HZX")

    assert json.loads(data) == {"title": "Teamline", "body": body, "ref": "msg_01HZX", "audience": audience}


def test_payload_is_compact_ascii_json() -> None:
    data = build_payload("patient", "r1")

    assert b" " not in data.replace(b"New message from your care team", b"")
    data.decode("ascii")


@pytest.mark.parametrize("audience", ["patient", "staff"])
def test_urgent_adds_only_a_flag_and_never_changes_the_wording(audience: str) -> None:
    plain = json.loads(build_payload(audience, "r1"))  # type: ignore[arg-type]
    urgent = json.loads(build_payload(audience, "r1", urgent=True))  # type: ignore[arg-type]

    assert urgent == {**plain, "urgent": True}


@given(ref=st.from_regex(r"[A-Za-z0-9_-]{1,64}", fullmatch=True), audience=st.sampled_from(["patient", "staff", "rota_changed"]))
def test_any_valid_ref_gives_exactly_the_listed_keys_and_fixed_texts(ref: str, audience: str) -> None:
    payload = json.loads(build_payload(audience, ref))  # type: ignore[arg-type]

    assert set(payload) == {"title", "body", "ref", "audience"}
    assert payload["title"] == "Teamline"
    assert payload["body"] in {"New message from your care team", "New message in your team inbox",
                               "Your team's contact rota has changed"}
    assert payload["ref"] == ref


@pytest.mark.parametrize(
    "ref",
    ["", "x" * 65, "a b", "a/b", "a.b", "é", "a\n", "<script>", "Ms Smith's asthma plan", "\u0661"],
)
def test_ref_must_be_1_to_64_url_safe_characters(ref: str) -> None:
    with pytest.raises(ValueError, match="ref"):
        build_payload("patient", ref)


def test_ref_of_64_url_safe_characters_is_accepted() -> None:
    ref = ("Az09_-" * 11)[:64]

    assert json.loads(build_payload("staff", ref))["ref"] == ref


def test_ref_must_be_a_string() -> None:
    with pytest.raises(ValueError, match="ref"):
        build_payload("patient", 12345)  # type: ignore[arg-type]


def test_unknown_audience_is_refused() -> None:
    with pytest.raises(ValueError, match="audience"):
        build_payload("parent", "r1")  # type: ignore[arg-type]


def test_plaintext_at_the_limit_is_accepted() -> None:
    check_size(b"x" * MAX_PLAINTEXT)


def test_plaintext_one_byte_over_the_limit_is_refused() -> None:
    assert MAX_PLAINTEXT == 3993

    with pytest.raises(PayloadTooLargeError) as raised:
        check_size(b"x" * 3994)

    assert raised.value.size == 3994
    assert isinstance(raised.value, ValueError)
