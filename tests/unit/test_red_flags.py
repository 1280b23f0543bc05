"""Red flags (``chalicelib.domain.red_flags``): the shipped lists against fixtures of what young people write, the
normaliser, the phrase syntax, and properties that hold for any text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain import red_flags
from chalicelib.domain.red_flags import compile_phrases, normalise, parse_phrase, team_matcher
from chalicelib.errors import ValidationError
from tests.support.red_flag_fixtures import fixture_matcher, fixtures

MATCHER = fixture_matcher()
MUST_MATCH = fixtures()["must_match"]
MUST_NOT_MATCH = fixtures()["must_not_match"]


@pytest.mark.parametrize(("text", "expected"), MUST_MATCH, ids=[t[:40] for t, _ in MUST_MATCH])
def test_phrases_that_need_help_now_are_flagged(text, expected):
    assert set(expected) <= set(MATCHER.categories(text)), MATCHER.categories(text)


@pytest.mark.parametrize("text", MUST_NOT_MATCH, ids=[t[:40] for t in MUST_NOT_MATCH])
def test_ordinary_messages_are_not_flagged(text):
    assert MATCHER.categories(text) == ()


def test_the_issue_example_is_flagged_for_a_cancer_team_and_not_for_a_team_without_the_list():
    text = "I've got a temperature of 38.2 and I'm shivery, should I come in?"
    assert team_matcher(["chemotherapy_fever"], []).categories(text) == ("condition.chemotherapy_fever",)
    assert team_matcher([], []).categories(text) == ()


def test_the_crisis_list_is_checked_for_every_team_whatever_it_switched_on():
    bare = team_matcher([], [])
    for text, expected in MUST_MATCH:
        crisis = {c for c in expected if red_flags.is_crisis(c)}
        assert crisis <= set(bare.categories(text)), text


@pytest.mark.parametrize(("text", "words"), [
    ("I can't breathe!!", ["i", "cant", "breathe"]),
    ("Sooo shiveryyy", ["so", "shivery"]),
    ("k1ll mys3lf", ["kil", "myself"]),
    ("temp38.5c", ["temp", "38.5", "c"]),
    ("It's 38°C", ["its", "38", "c"]),
    ("Ｆｅｖｅｒ", ["fever"]),
    ("fiévre", ["fievre"]),
    ("I’m fine", ["im", "fine"]),
    ("@buse $elf", ["abuse", "self"]),
    ("v1.2.3", ["v", "1.2.3"]),
    ("", []),
])
def test_text_is_normalised_the_way_young_people_write(text, words):
    assert normalise(text) == words


@pytest.mark.parametrize("phrase", ["", "   ", "...", "... fever", "fever ...", "fever ... ... temp", "fe*", "x" * 121,
                                    "temp ab|*", "!!!"])
def test_phrases_that_cannot_work_are_refused_naming_the_phrases_field(phrase):
    with pytest.raises(ValidationError) as raised:
        parse_phrase(phrase)
    assert raised.value.field == "phrases"


def test_prefixes_alternatives_gaps_and_number_ranges():
    matcher = compile_phrases([("t.x", ["port site ... red|swollen", "temp ... #38-45", "shiver*"])])
    assert matcher.categories("my port site is really very red")  # up to three words between
    assert not matcher.categories("my port site is really really very red")  # four is too many
    assert matcher.categories("temp 38") and matcher.categories("temp 45") and matcher.categories("temp is 38.0")
    assert not matcher.categories("temp 37.9") and not matcher.categories("temp 45.1")
    assert matcher.categories("shivering") and not matcher.categories("shiv")


def test_two_or_three_words_also_match_run_together():
    matcher = compile_phrases([("t.x", ["self harm*", "kill myself"])])
    assert matcher.categories("selfharming") and matcher.categories("killmyself") and matcher.categories("kill myself")


def test_every_shipped_phrase_compiles_and_every_category_has_a_label():
    shipped = red_flags.shipped()
    matcher = team_matcher(list(shipped.presets), [])
    assert len(matcher.patterns) > 200
    for category in matcher.category_ids:
        assert red_flags.label(category) and red_flags.label(category) != category.partition(".")[2]


ASCII_TEXT = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=200)


@settings(max_examples=200, deadline=None)
@given(text=ASCII_TEXT, index=st.integers(min_value=0))
def test_repeating_a_letter_never_changes_the_words(text, index):
    letters = [i for i, c in enumerate(text) if c.isalpha()]
    if not letters:
        return
    at = letters[index % len(letters)]
    assert normalise(text[:at] + text[at] * 3 + text[at + 1:]) == normalise(text)


@settings(max_examples=200, deadline=None)
@given(before=st.sampled_from(MUST_NOT_MATCH), after=st.sampled_from(MUST_NOT_MATCH),
       flagged=st.sampled_from([t for t, _ in MUST_MATCH]))
def test_ordinary_words_around_a_red_flag_never_hide_it(before, after, flagged):
    assert set(MATCHER.categories(flagged)) <= set(MATCHER.categories(f"{before} {flagged} {after}"))


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=300))
def test_any_text_gets_a_sorted_verdict_of_known_categories_and_the_same_one_twice(text):
    verdict = MATCHER.categories(text)
    assert list(verdict) == sorted(set(verdict))
    assert set(verdict) <= set(MATCHER.category_ids)
    assert MATCHER.categories(text) == verdict
