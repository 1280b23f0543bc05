"""What the static shell promises, as checks the functional and browser tiers share.

* Every ``nhsuk-*`` class a page uses that NHS.UK frontend styles is styled by the stylesheet the page
  links (Teamline compiles only the parts it uses; see static/scss/).
* Every static URL a page uses is content-hashed (so cached for a year and fetched once).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "static" / "dist"
NHSUK_BUNDLE = ROOT / "node_modules" / "nhsuk-frontend" / "dist" / "nhsuk" / "nhsuk-frontend.min.css"
CSS_CLASS = re.compile(r"\.(nhsuk-[A-Za-z0-9_-]+)")
HTML_CLASS = re.compile(r"""\bclass\s*=\s*(?:"([^"]*)"|'([^']*)')""")
STATIC_URL = re.compile(r"""/static/[^"'\s)>]+""")
OWN_CLASS = re.compile(r"\.(tl-[A-Za-z0-9_-]+)")
SCRIPT = re.compile(r"""<script\b[^>]*\bsrc="([^"]+)\"""")
STYLESHEET = re.compile(r"""<link\b[^>]*\brel="stylesheet"[^>]*\bhref="([^"]+)\"""")


def manifest() -> dict[str, object]:
    """static/dist/assets.json (the build's logical name → hashed file map, version, precache list)."""
    return dict(json.loads((DIST / "assets.json").read_text()))


def hashed_urls() -> set[str]:
    files = manifest()["files"]
    assert isinstance(files, dict)
    return {f"/static/{name}" for name in files.values()}


def css_classes(css: str) -> set[str]:
    """The nhsuk-* classes a stylesheet has rules for."""
    return set(CSS_CLASS.findall(css))


@lru_cache(maxsize=1)
def nhsuk_styled() -> frozenset[str]:
    """Every class the whole of NHS.UK frontend styles (its full npm bundle)."""
    return frozenset(css_classes(NHSUK_BUNDLE.read_text()))


@lru_cache(maxsize=8)
def stylesheet_classes(url: str) -> frozenset[str]:
    """The nhsuk-* classes styled by the built stylesheet at ``url`` (a /static/ URL)."""
    name = url.split("?", 1)[0].removeprefix("/static/")
    files = manifest()["files"]
    assert isinstance(files, dict)
    return frozenset(css_classes((DIST / files.get(name, name)).read_text()))


@lru_cache(maxsize=8)
def own_classes(url: str) -> frozenset[str]:
    """Teamline's own tl-* classes styled by the built stylesheet at ``url``."""
    name = url.removeprefix("/static/")
    files = manifest()["files"]
    assert isinstance(files, dict)
    return frozenset(OWN_CLASS.findall((DIST / files.get(name, name)).read_text()))


def html_classes(html: str) -> set[str]:
    """The nhsuk-* classes used in an HTML document."""
    found: set[str] = set()
    for double, single in HTML_CLASS.findall(html):
        found.update(c for c in (double or single).split() if c.startswith("nhsuk-"))
    return found


def unstyled(classes: set[str], stylesheet: str) -> set[str]:
    """Those of ``classes`` that NHS.UK frontend styles but the built ``stylesheet`` does not."""
    return (classes & nhsuk_styled()) - stylesheet_classes(stylesheet)


def stylesheets(html: str) -> list[str]:
    return STYLESHEET.findall(html)


def scripts(html: str) -> list[str]:
    return SCRIPT.findall(html)


def unversioned_static_urls(text: str) -> set[str]:
    """/static/ URLs in ``text`` that are not the build's content-hashed files."""
    return {url for url in STATIC_URL.findall(text) if url not in hashed_urls()}
