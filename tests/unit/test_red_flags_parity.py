"""The page's red-flag check (``static/js/red_flags.js``, run here by Node) and the server's give the same verdict.

The young person sees the panel because of what the page's matcher says; the team is told because of what the
server's says. If they disagreed, a young person could be told nothing while the team sees a red flag, or the other
way round. One fixture set, and seeded variations of it (case, repeated letters, leetspeak, accents, full-width
letters, punctuation), goes through both; every word list and every verdict must be identical.
"""

from __future__ import annotations

from chalicelib.domain import red_flags
from chalicelib.domain.red_flags import normalise
from tests.support.red_flag_fixtures import fixture_matcher, fixtures, node_verdicts, variations


def test_the_page_and_the_server_give_the_same_verdict_on_every_fixture_and_variation():
    matcher = fixture_matcher()
    texts = variations()
    page = node_verdicts(matcher, texts)
    differences = [(text, page_words, normalise(text), page_verdict, list(matcher.categories(text)))
                   for text, page_words, page_verdict in zip(texts, page["tokens"], page["verdicts"], strict=True)
                   if page_words != normalise(text) or page_verdict != list(matcher.categories(text))]
    assert not differences, differences[:5]
    assert sum(1 for v in page["verdicts"] if v) > len(fixtures()["must_match"])  # the variations still match


def test_the_page_flags_the_fixtures_as_the_fixtures_say():
    matcher = fixture_matcher()
    data = fixtures()
    texts = [t for t, _ in data["must_match"]] + data["must_not_match"]
    page = node_verdicts(matcher, texts)["verdicts"]
    for (text, expected), verdict in zip(data["must_match"], page, strict=False):
        assert set(expected) <= set(verdict), text
    assert all(v == [] for v in page[len(data["must_match"]):])


def test_a_team_with_only_the_crisis_list_agrees_too():
    matcher = red_flags.team_matcher([], [])
    texts = variations(200, seed=3)
    page = node_verdicts(matcher, texts)["verdicts"]
    assert page == [list(matcher.categories(t)) for t in texts]
