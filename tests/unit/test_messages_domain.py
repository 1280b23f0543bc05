"""A message's text and client id: trimming, control characters, Unicode normalisation, length, previews."""

from __future__ import annotations

import unicodedata
import uuid

import pytest

from chalicelib.domain.messages import MAX_LENGTH, PREVIEW_LENGTH, body_digest, clean_body, clean_client_id, preview
from chalicelib.errors import ValidationError


def _refused_body(value) -> str:
    with pytest.raises(ValidationError) as caught:
        clean_body(value)
    assert caught.value.field == "body"
    return caught.value.message


def test_a_message_is_trimmed_at_both_ends_but_keeps_its_inner_lines():
    assert clean_body("  \n Hello\n\n  team \t ") == "Hello\n\n  team"


def test_windows_line_endings_become_newlines():
    assert clean_body("one\r\ntwo") == "one\ntwo"


def test_control_characters_are_removed_but_newlines_and_tabs_stay():
    assert clean_body("be\x00ll\x07 \x1b[31mred\x7f\ttab\nline") == "bell [31mred\ttab\nline"


def test_text_is_stored_in_nfc_so_the_same_words_are_the_same_bytes():
    decomposed = "Zoe\u0308"  # e + combining diaeresis
    cleaned = clean_body(decomposed)
    assert cleaned == "Zoë" and unicodedata.is_normalized("NFC", cleaned)
    assert body_digest(cleaned) == body_digest(clean_body("Zoë"))


@pytest.mark.parametrize("value", ["", "   ", "\n\t \r\n", "\x00\x07", None, 42, ["hi"], {"text": "hi"}])
def test_an_empty_or_non_text_message_is_refused(value):
    assert _refused_body(value) == "Write a message before sending."


def test_a_message_may_be_2000_characters_after_trimming_and_no_more():
    assert len(clean_body("  " + "a" * MAX_LENGTH + "  ")) == MAX_LENGTH == 2000
    message = _refused_body("a" * (MAX_LENGTH + 1))
    assert "2,001 characters" in message and "2,000" in message


def test_the_length_is_counted_after_normalising():
    # 2,000 letters typed as 4,000 code points (letter + combining accent) is 2,000 characters once composed.
    assert len(clean_body("e\u0301" * MAX_LENGTH)) == MAX_LENGTH


def test_emoji_and_other_scripts_are_kept():
    assert clean_body("Feeling 😔 today. 今日は") == "Feeling 😔 today. 今日は"


def test_html_is_kept_as_text_for_the_templates_to_escape():
    assert clean_body("<b>hi</b>") == "<b>hi</b>"


# --- client ids -----------------------------------------------------------------------------------------------


def test_a_client_id_is_a_uuid_kept_in_lower_case():
    value = str(uuid.uuid4())
    assert clean_client_id(value) == value
    assert clean_client_id(value.upper()) == value


A_UUID = "7ac1a41c-f891-456f-bfbf-c6ab999c0e0f"  # fixed, so parallel workers collect the same tests


@pytest.mark.parametrize("value", [
    "", "123", "not-a-uuid", A_UUID.replace("-", ""), "{" + A_UUID + "}", A_UUID + "0", " " + A_UUID, None, 7,
    "g" * 8 + "-0000-0000-0000-" + "0" * 12,
])
def test_anything_but_a_uuid_is_refused_as_a_client_id(value):
    with pytest.raises(ValidationError) as caught:
        clean_client_id(value)
    assert caught.value.field == "client_id"


# --- digests and previews ----------------------------------------------------------------------------------------


def test_the_digest_tells_different_texts_apart():
    assert body_digest("hello") == body_digest("hello")
    assert body_digest("hello") != body_digest("hello ")
    assert len(body_digest("hello")) == 64


def test_a_short_message_is_its_own_preview_on_one_line():
    assert preview("Hi\nthere   team") == "Hi there team"


def test_a_long_message_is_cut_with_an_ellipsis_to_the_preview_length():
    text = "word " * 100
    cut = preview(text)
    assert len(cut) <= PREVIEW_LENGTH == 120
    assert cut.endswith("…") and not cut.endswith(" …")
    assert text.startswith(cut[:-1])


def test_a_message_of_exactly_the_preview_length_is_not_cut():
    assert preview("x" * PREVIEW_LENGTH) == "x" * PREVIEW_LENGTH
    assert preview("x" * (PREVIEW_LENGTH + 1)) == "x" * (PREVIEW_LENGTH - 1) + "…"
