"""Red flags: words in a young person's message that mean they may need help now. Pure: no I/O but the shipped data.

Teamline is not an emergency service, so when a message says something that cannot wait (a temperature of 38 on
chemotherapy, vomiting with high ketones, thoughts of suicide) the young person is shown, openly and before they
send, where to get help now, and the message is flagged to the team as urgent. The words are data, not code:

* the **crisis** list (suicide, self-harm, overdose, abuse) ships in ``data/red_flags.json`` and applies to every
  team; nobody can switch it off;
* **condition presets** in the same file (fever on chemotherapy, DKA, a bad hypo...) and a team's **own phrases**
  are switched on by the team lead and travel in the team's policy (cached per policy version).

The page runs the same check while the young person types (``static/js/red_flags.js``). To make sure both give the
same verdict, phrases are compiled here once, into plain data (:func:`compile_phrases` → :meth:`Matcher.to_json`),
which the page receives as a data attribute; the browser only normalises text and matches, exactly as
:func:`normalise` and :meth:`Matcher.categories` do. ``tests/unit/test_red_flags_parity.py`` runs one fixture set
through both.

Phrase syntax (documented for team leads in ``data/README.md``): words are matched as whole words, in order,
next to each other; ``word*`` matches any word starting with ``word`` (at least three letters); ``a|b|c`` matches
any one of them; ``...`` allows up to three other words in between; ``#38-45`` matches a number in that range
(``38.2`` included). Text and phrases are normalised the same way first: case, accents, apostrophes ("can't" is
"cant"), repeated letters ("sooo", "killl"), digits used as letters in a word ("su1c1de"), and a number glued to its
unit ("38.5c"). A two- or three-word phrase also matches the words run together ("selfharm", "killmyself").

What it is not: it does not understand negation ("I don't want to die" matches "want to die") or context. That is
deliberate: a false alarm costs the young person a kind panel they can dismiss, a miss can cost much more.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache
from itertools import chain, compress
from pathlib import Path
from typing import Any, NamedTuple

from chalicelib.errors import ValidationError

DATA_FILE = Path(__file__).with_name("data") / "red_flags.json"
GAP = 3  # how many other words "..." allows between two parts of a phrase
MIN_PREFIX = 3
MAX_PHRASE_CHARS = 120
CRISIS = "crisis"
CONDITION = "condition"

_DOUBLE = re.compile(r"([a-z])\1+")
_RAW = re.compile(r"[a-z0-9@$]+(?:\.[0-9]+)*")
_RUNS = re.compile(r"[a-z@$]+|[0-9]+(?:\.[0-9]+)*")
_NUMBER = re.compile(r"^[0-9]+(?:\.[0-9]+)?$")
_RANGE = re.compile(r"^#([0-9]+(?:\.[0-9]+)?)-([0-9]+(?:\.[0-9]+)?)$")
_LEET = str.maketrans("013457@$", "oieastas")
_CURLY_CHARS = frozenset("\u2018\u2019\u02bc")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


# --- normalising text ------------------------------------------------------------------------------------


def _drop_marks(found: re.Match[str]) -> str:
    char = found.group()
    return "" if char in _CURLY_CHARS or unicodedata.category(char).startswith("M") else char


def _fold(text: str) -> str:
    """Accents off, compatibility forms to plain letters ("ｆｅｖｅｒ" → "fever"), curly apostrophes out.

    Only the characters still outside ASCII after decomposing are looked at (a phone's ’ or an emoji), so a long
    message with one smart apostrophe costs little more than a plain one.
    """
    return _NON_ASCII.sub(_drop_marks, unicodedata.normalize("NFKD", text))


def _mixed(raw: str) -> tuple[str, ...]:
    """A token with letters and digits: leetspeak ("k1ll") becomes one word; "temp38" or "38.5c" splits in two."""
    runs = _RUNS.findall(raw)
    if all(len(run) == 1 for run in runs if run[0].isdigit()):
        return (_DOUBLE.sub(r"\1", "".join(runs).translate(_LEET)),)
    return tuple(run if run[0].isdigit() else _DOUBLE.sub(r"\1", run.translate(_LEET)) for run in runs)


def _words(raw: str) -> tuple[str, ...]:
    """The matcher's words for one raw token of lower-cased text."""
    collapsed = _DOUBLE.sub(r"\1", raw)
    if collapsed.isalpha() or _NUMBER.match(collapsed):
        return (collapsed,)
    if not any(c.isdigit() for c in collapsed):
        return (_DOUBLE.sub(r"\1", collapsed.translate(_LEET)),)
    return _mixed(collapsed)


class _Remembered(dict[str, Any]):
    """A bounded memo whose misses are worked out by ``compute``: looking up a known word stays in C."""

    def __init__(self, compute: Any, limit: int = 50_000) -> None:
        super().__init__()
        self._compute = compute
        self._limit = limit

    def __missing__(self, key: str) -> Any:
        if len(self) >= self._limit:
            self.clear()  # a bound, not a policy: real messages stay far below it
        value = self[key] = self._compute(key)
        return value


_seen = _Remembered(_words)


def normalise(text: str) -> list[str]:
    """The words of ``text`` as the matcher compares them (see the module docstring). Mirrored in red_flags.js."""
    if not text.isascii():
        text = _fold(text)
    raws = _RAW.findall(text.lower().replace("'", "").replace("`", ""))
    return list(chain.from_iterable(map(_seen.__getitem__, raws)))


# --- compiling phrases --------------------------------------------------------------------------------------

# An element is ("t", words, prefixes): one word that is one of ``words`` or starts with one of ``prefixes``;
# or ("n", low, high): one number in that range.
Element = tuple[Any, ...]


class Pattern(NamedTuple):
    """One compiled phrase: the category it raises, its elements, and the words allowed before each element."""

    category: int
    elements: tuple[Element, ...]
    gaps: tuple[int, ...]


def _one_word(piece: str, phrase: str) -> str:
    words = normalise(piece)
    if len(words) != 1:
        raise ValidationError(f'"{piece}" in "{phrase}" must be a single word.', field="phrases")
    return words[0]


def _token_element(piece: str, phrase: str) -> list[Element]:
    """The elements of one space-free piece of a phrase: a word (maybe several), an alternative, a prefix."""
    if "|" in piece:
        words: list[str] = []
        prefixes: list[str] = []
        for option in piece.split("|"):
            if option.endswith("*"):
                prefixes.append(_prefix(option[:-1], phrase))
            elif option:
                words.append(_one_word(option, phrase))
        return [("t", tuple(sorted(set(words))), tuple(sorted(set(prefixes))))]
    if piece.endswith("*"):
        *leading, last = normalise(piece[:-1]) or [""]
        return [("t", (w,), ()) for w in leading] + [("t", (), (_prefix(last, phrase),))]
    words_in_piece = normalise(piece)
    if not words_in_piece:
        raise ValidationError(f'"{phrase}" has no letters or numbers to match.', field="phrases")
    return [("t", (w,), ()) for w in words_in_piece]


def _prefix(text: str, phrase: str) -> str:
    prefix = _one_word(text, phrase) if text else ""
    if len(prefix) < MIN_PREFIX or not prefix.isalpha():
        raise ValidationError(f'In "{phrase}", put * after at least {MIN_PREFIX} letters.', field="phrases")
    return prefix


def parse_phrase(phrase: str) -> tuple[tuple[Element, ...], tuple[int, ...]]:
    """Elements and gaps of one phrase in the syntax above; ValidationError (field "phrases") if it is not usable."""
    if not isinstance(phrase, str) or not phrase.strip():
        raise ValidationError("A phrase cannot be empty.", field="phrases")
    if len(phrase) > MAX_PHRASE_CHARS:
        raise ValidationError(f"Keep each phrase to {MAX_PHRASE_CHARS} characters.", field="phrases")
    elements: list[Element] = []
    gaps: list[int] = []
    gap = 0
    for piece in phrase.split():
        if piece == "...":
            if not elements or gap:
                raise ValidationError(f'"..." must sit between two words in "{phrase}".', field="phrases")
            gap = GAP
            continue
        found = _RANGE.match(piece)
        new = [("n", float(found.group(1)), float(found.group(2)))] if found else _token_element(piece, phrase)
        for index, element in enumerate(new):
            elements.append(element)
            gaps.append(gap if index == 0 else 0)
        gap = 0
    if gap or not elements:
        raise ValidationError(f'"..." must sit between two words in "{phrase}".', field="phrases")
    return tuple(elements), tuple(gaps)


def _run_together(elements: tuple[Element, ...], gaps: tuple[int, ...]) -> Element | None:
    """"self harm" also matches "selfharm" (and "self harm*" "selfharming"): two or three words run together."""
    if not 2 <= len(elements) <= 3 or any(gaps):
        return None
    *leading, last = elements
    if any(e[0] != "t" or len(e[1]) != 1 or e[2] for e in leading) or last[0] != "t" or len(last[1]) + len(last[2]) != 1:
        return None
    joined = "".join(e[1][0] for e in leading) + (last[1] or last[2])[0]
    return ("t", (), (_DOUBLE.sub(r"\1", joined),)) if last[2] else ("t", (_DOUBLE.sub(r"\1", joined),), ())


def compile_phrases(groups: Iterable[tuple[str, Iterable[str]]]) -> Matcher:
    """A matcher for (category id, phrases) groups, e.g. ``[("crisis.suicide", [...]), ("condition.team", [...])]``."""
    categories: list[str] = []
    patterns: list[Pattern] = []
    for category, phrases in groups:
        if category not in categories:
            categories.append(category)
        index = categories.index(category)
        for phrase in phrases:
            elements, gaps = parse_phrase(phrase)
            patterns.append(Pattern(index, elements, gaps))
            joined = _run_together(elements, gaps)
            if joined:
                patterns.append(Pattern(index, (joined,), (0,)))
    return Matcher(tuple(categories), tuple(patterns))


# --- matching ----------------------------------------------------------------------------------------------


def _fits(element: Element, token: str) -> bool:
    if element[0] == "n":
        return bool(_NUMBER.match(token)) and element[1] <= float(token) <= element[2]
    return token in element[1] or any(token.startswith(p) for p in element[2])


def _rest(pattern: Pattern, tokens: Sequence[str], k: int, at: int) -> bool:
    """Do elements k.. of ``pattern`` follow the token at ``at`` (each within its gap)? Backtracks, so never greedy."""
    if k == len(pattern.elements):
        return True
    last = min(len(tokens), at + 2 + pattern.gaps[k])
    return any(_fits(pattern.elements[k], tokens[j]) and _rest(pattern, tokens, k + 1, j)
               for j in range(at + 1, last))


class Matcher:
    """Compiled phrases, indexed by what their first word can be, so a message is checked in one pass."""

    def __init__(self, categories: tuple[str, ...], patterns: tuple[Pattern, ...]) -> None:
        self.category_ids = categories
        self.patterns = patterns
        self._by_word: dict[str, list[Pattern]] = {}
        self._by_prefix: dict[str, list[Pattern]] = {}
        self._by_number: list[Pattern] = []
        self._candidates_of = _Remembered(self._candidates)
        for pattern in patterns:
            first = pattern.elements[0]
            if first[0] == "n":
                self._by_number.append(pattern)
                continue
            for word in first[1]:
                self._by_word.setdefault(word, []).append(pattern)
            for prefix in first[2]:
                self._by_prefix.setdefault(prefix[:MIN_PREFIX], []).append(pattern)

    def _candidates(self, token: str) -> tuple[Pattern, ...]:
        """The patterns whose first element ``token`` fits (remembered per word in ``_candidates_of``)."""
        found = list(self._by_word.get(token, ()))
        found += [p for p in self._by_prefix.get(token[:MIN_PREFIX], ()) if _fits(p.elements[0], token)]
        if self._by_number and token[0].isdigit():
            found += [p for p in self._by_number if _fits(p.elements[0], token)]
        return tuple(found)

    def categories(self, text: str) -> tuple[str, ...]:
        """The ids of every category whose phrases ``text`` contains, sorted; () when none."""
        tokens = normalise(text)
        candidates = list(map(self._candidates_of.__getitem__, tokens))
        hit: set[int] = set()
        for at in compress(range(len(tokens)), candidates):  # only the words some phrase starts with
            for pattern in candidates[at]:
                if pattern.category not in hit and _rest(pattern, tokens, 1, at):
                    hit.add(pattern.category)
        return tuple(sorted(self.category_ids[i] for i in hit))

    def to_json(self) -> dict[str, Any]:
        """The compiled phrases as plain data for the page's matcher (``static/js/red_flags.js``)."""
        def element(e: Element) -> list[Any]:
            return ["n", e[1], e[2]] if e[0] == "n" else ["t", list(e[1]), list(e[2])]
        return {"categories": list(self.category_ids),
                "patterns": [[p.category, [element(e) for e in p.elements], list(p.gaps)] for p in self.patterns]}


# --- the shipped lists ----------------------------------------------------------------------------------------


class Preset(NamedTuple):
    """A condition's red flags as shipped: what it is called, what the panel says about it, its phrases."""

    id: str
    label: str
    advice: str
    phrases: tuple[str, ...]


class CrisisCategory(NamedTuple):
    id: str
    label: str
    phrases: tuple[str, ...]


class Shipped(NamedTuple):
    """The shipped data file, read once per process."""

    version: str
    crisis: tuple[CrisisCategory, ...]
    presets: dict[str, Preset]


@lru_cache(maxsize=1)
def shipped() -> Shipped:
    """The crisis list and the condition presets from ``data/red_flags.json``."""
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    crisis = tuple(CrisisCategory(c["id"], c["label"], tuple(c["phrases"])) for c in data["crisis"])
    presets = {c["id"]: Preset(c["id"], c["label"], c["advice"], tuple(c["phrases"])) for c in data["conditions"]}
    return Shipped(str(data["version"]), crisis, presets)


def crisis_groups() -> list[tuple[str, tuple[str, ...]]]:
    """(category id, phrases) for every crisis category: every team checks these."""
    return [(f"{CRISIS}.{c.id}", c.phrases) for c in shipped().crisis]


def preset_groups(preset_ids: Iterable[str]) -> list[tuple[str, tuple[str, ...]]]:
    """(category id, phrases) for the condition presets a team switched on (unknown ids are ignored)."""
    presets = shipped().presets
    return [(f"{CONDITION}.{p}", presets[p].phrases) for p in preset_ids if p in presets]


def team_matcher(preset_ids: Iterable[str], own_phrases: Iterable[str]) -> Matcher:
    """Everything one team's messages are checked against: crisis, its presets, then its own phrases."""
    own = tuple(own_phrases)
    groups = [*crisis_groups(), *preset_groups(preset_ids)]
    if own:
        groups.append((f"{CONDITION}.team", own))
    return compile_phrases(groups)


def is_crisis(category: str) -> bool:
    """True for the crisis categories (which get the crisis lines, not the team's condition advice)."""
    return category.startswith(CRISIS + ".")


def label(category: str) -> str:
    """How a category is named to staff: "Thoughts of suicide", "Fever or shivering during cancer treatment"."""
    kind, _, name = category.partition(".")
    if kind == CRISIS:
        return next((c.label for c in shipped().crisis if c.id == name), name)
    if name == "team":
        return "The team's own red-flag words"
    preset = shipped().presets.get(name)
    return preset.label if preset else name
