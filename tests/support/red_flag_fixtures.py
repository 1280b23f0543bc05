"""The red-flag fixtures (``tests/fixtures/red_flags.json``) and a repeatable set of variations on them, for the
Python matcher's tests and the parity test that runs the page's matcher under Node."""

from __future__ import annotations

import json
import random
import subprocess
from pathlib import Path
from typing import Any

from chalicelib.domain import red_flags

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "red_flags.json"
NODE_RUNNER = ROOT / "tests" / "js" / "red_flags_verdicts.mjs"


def fixtures() -> dict[str, Any]:
    return json.loads(FIXTURES.read_text(encoding="utf-8"))


def fixture_matcher() -> red_flags.Matcher:
    """The matcher of the fixtures' team: every condition preset and two phrases of its own."""
    team = fixtures()["team"]
    return red_flags.team_matcher(team["presets"], team["phrases"])


_LEET = {"o": "0", "i": "1", "e": "3", "a": "4", "s": "5", "t": "7"}
_NOISE = ["!!", "...", " lol", " pls", "?", " :(", " 😢", " x", "\n", " tbh", "  ", ","]
_ACCENTS = {"e": "é", "a": "à", "u": "ü", "o": "ô", "i": "í"}


def _mutate(text: str, rng: random.Random) -> str:
    """One way a young person might write it: case, repeated letters, leetspeak, accents, wide letters, noise."""
    choice = rng.randrange(8)
    if choice == 0:
        return text.upper()
    if choice == 1:
        at = rng.randrange(len(text))
        return text[:at] + text[at] * rng.randint(2, 5) + text[at + 1:]
    if choice == 2:
        return "".join(_LEET.get(c, c) if rng.random() < 0.3 else c for c in text)
    if choice == 3:
        return "".join(_ACCENTS.get(c, c) if rng.random() < 0.3 else c for c in text)
    if choice == 4:
        return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" and rng.random() < 0.3 else c for c in text)
    if choice == 5:
        return text.replace(" ", rng.choice(["  ", " - ", "_", ". "]))
    if choice == 6:
        return text.replace("'", "\u2019").replace("I", "i")
    return rng.choice(_NOISE).join([text, rng.choice(_NOISE)])


def variations(count: int = 600, seed: int = 10) -> list[str]:
    """The fixtures' texts and ``count`` seeded variations of them (some mixed together)."""
    data = fixtures()
    texts = [text for text, _ in data["must_match"]] + list(data["must_not_match"])
    rng = random.Random(seed)
    made = list(texts)
    for _ in range(count):
        text = rng.choice(texts)
        for _ in range(rng.randint(1, 3)):
            text = _mutate(text, rng)
        if rng.random() < 0.2:
            text = f"{text} {rng.choice(texts)}"
        made.append(text)
    return made


def node_verdicts(matcher: red_flags.Matcher, texts: list[str]) -> dict[str, list[list[str]]]:
    """The page's matcher (static/js/red_flags.js) run by Node over ``texts``: each one's words and categories."""
    result = subprocess.run(["node", str(NODE_RUNNER)], input=json.dumps({"compiled": matcher.to_json(),
                                                                          "texts": texts}),
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    verdicts: dict[str, list[list[str]]] = json.loads(result.stdout)
    return verdicts
