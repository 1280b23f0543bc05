"""Build the static assets Teamline serves into ``static/dist/`` (not committed).

What a young person's phone downloads before it shows anything is built here, so it is kept small and
fetched once:

* **CSS**: NHS.UK frontend compiled from its SCSS with only the parts our pages use, followed by
  Teamline's own styles, minified by esbuild into one file: one request. ``app.css`` is for the young
  person's pages and the public ones (``static/scss/nhsuk.scss`` and ``static/css/app.css``); ``staff.css``
  adds what only staff pages use (``nhsuk-staff.scss``: tables, details...; ``static/css/staff.css``: the
  inbox, notes, the dashboard, the rota tools...), so a phone never downloads it. Only ``app.css`` is
  precached: staff tablets keep ``staff.css`` in their HTTP cache.
* **JS**: ``static/js/app.js`` and everything it imports (our modules and the NHS.UK frontend components
  we use) bundled and minified by esbuild into one ES module: one request, and no module imports another
  by an unversioned URL. ``staff.js`` is the same plus the team inbox's script (``teamwork.js``), for
  staff pages; like ``staff.css`` it is not precached.
* **Names**: every file is named by its content (``app.3fa9c1b2d4.js``), so a URL never changes meaning;
  the server caches them for a year and the service worker serves them without asking the network.
  ``assets.json`` maps each logical name to its file, and lists exactly the URLs the worker precaches.
* **Service worker**: ``static/js/sw.js`` bundled (it shares the outbox and device stores with the
  pages) with the version and the precache list written in, as ``sw.js`` (served at ``/sw.js``, never
  renamed: browsers find updates by fetching the same URL).
* **Icons**: the app icon (any and maskable) and the notification badge, drawn here as PNGs.

Run by ``make assets``, which ``make run``, ``make test``, ``make bench`` and ``make deploy`` depend on.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import struct
import subprocess
import sys
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "static" / "dist"
NODE_BIN = ROOT / "node_modules" / ".bin"
NHSUK = ROOT / "node_modules" / "nhsuk-frontend" / "dist" / "nhsuk"
BLUE = (0, 94, 184)
WHITE = (255, 255, 255)
#: Browsers Teamline supports: those with ES modules, <dialog>, CSS.escape and optional chaining.
JS_TARGET = "es2020"
#: NHS.UK frontend features no Teamline page uses, inside components the pages do use: the header's navigation,
#: menu, search, account and organisation variants (our header is the service name and logo only), and the card's
#: variants other than plain, clickable, warning and the urgent care card. A rule whose every selector names one of these
#: classes is left out of the build (``drop_unused_rules``); the rest of each component is kept as compiled.
#: tests/functional/test_static_shell.py (every NHS.UK class any page renders, as any persona, is in the
#: stylesheet it links) and the browser tier (the same on every page's live DOM) fail if a page starts to use one.
UNUSED_NHSUK = re.compile(r"nhsuk-header__(?:account|menu|navigation|organisation|search)[a-z_-]*"
                          r"|nhsuk-header--(?:inline|organisation|white)"
                          r"|nhsuk-card--(?:feature|primary|secondary|care--emergency|care--non-urgent)"
                          r"|nhsuk-card__(?:img|action|actions|content--[a-z]+|heading--feature)"
                          r"|nhsuk-icon--(?:search|user)")
#: Templates the service worker's cached copy of /offline is rendered from: a change to them is a new version.
OFFLINE_TEMPLATES = ("templates/base.html", "templates/offline.html", "templates/partials/help_now.html")

Pixel = Callable[[int, int], tuple[int, ...]]


def _png(width: int, height: int, pixel: Pixel, *, alpha: bool = False) -> bytes:
    """Encode an image given by ``pixel(x, y) -> (r, g, b[, a])`` as an RGB or RGBA PNG."""
    rows = bytearray()
    for y in range(height):
        rows.append(0)
        for x in range(width):
            rows.extend(pixel(x, y))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    colour_type = 6 if alpha else 2
    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(rows), 9)) + chunk(b"IEND", b"")


def _glyph(size: int, safe_zone: float = 1.0) -> Callable[[float, float], str]:
    """Teamline's mark: a speech bubble with three dots. Returns ``where(x, y)``: "dot", "bubble" or "out"."""
    scale = size * safe_zone
    offset = (size - scale) / 2
    left, right = offset + 0.2 * scale, offset + 0.8 * scale
    top, bottom = offset + 0.24 * scale, offset + 0.66 * scale
    radius = 0.09 * scale
    dots = [(offset + f * scale, offset + 0.45 * scale) for f in (0.36, 0.5, 0.64)]
    dot_r = 0.045 * scale

    def in_bubble(x: float, y: float) -> bool:
        cx = min(max(x, left + radius), right - radius)
        cy = min(max(y, top + radius), bottom - radius)
        if (x - cx) ** 2 + (y - cy) ** 2 <= radius**2 and left <= x <= right and top <= y <= bottom:
            return True
        # The tail: a triangle under the bubble's left side.
        tx0, tx1, ty0, ty1 = offset + 0.3 * scale, offset + 0.46 * scale, bottom, offset + 0.8 * scale
        if ty0 <= y <= ty1:
            t = (y - ty0) / (ty1 - ty0)
            return tx0 <= x <= tx1 - t * (tx1 - tx0)
        return False

    def where(x: float, y: float) -> str:
        if any((x - dx) ** 2 + (y - dy) ** 2 <= dot_r**2 for dx, dy in dots):
            return "dot"
        return "bubble" if in_bubble(x, y) else "out"

    return where


def icon(size: int, *, safe_zone: float = 1.0) -> bytes:
    """Teamline's icon: a white speech bubble with three dots on NHS blue."""
    where = _glyph(size, safe_zone)
    return _png(size, size, lambda x, y: WHITE if where(x + 0.5, y + 0.5) == "bubble" else BLUE)


def badge(size: int = 96) -> bytes:
    """The notification badge: the bubble in white on transparency, the dots cut out.

    Android draws a badge in the status bar from its alpha channel alone, so a coloured square icon
    shows as a plain white square; a monochrome glyph with transparency shows as the glyph.
    """
    where = _glyph(size, safe_zone=1.15)
    clear = (255, 255, 255, 0)
    return _png(size, size, lambda x, y: (*WHITE, 255) if where(x + 0.5, y + 0.5) == "bubble" else clear, alpha=True)


def _run(command: list[str], stdin: bytes | None = None) -> bytes:
    """Run a build tool from node_modules; its complaint (not a traceback) if it fails."""
    result = subprocess.run(command, input=stdin, capture_output=True, check=False)  # noqa: S603 - our own tools and files
    if result.returncode != 0:
        sys.exit(f"{Path(command[0]).name} failed:\n{result.stderr.decode(errors='replace')}")
    return result.stdout


def drop_unused_rules(css: str, unused: re.Pattern[str] = UNUSED_NHSUK) -> str:
    """``css`` without the selectors that name a class ``unused`` matches (whole class names), and without the
    rules and at-rule blocks left empty. Only classes the selector itself requires count: a class inside
    ``:not(...)`` or ``:is(...)`` does not make a selector unused. Parsed with tinycss2, not by pattern."""
    import tinycss2

    def required_classes(tokens: list[Any]) -> set[str]:
        return {tokens[i + 1].value for i in range(len(tokens) - 1)
                if tokens[i].type == "literal" and tokens[i].value == "." and tokens[i + 1].type == "ident"}

    def kept_selectors(prelude: list[Any]) -> list[list[Any]]:
        selectors: list[list[Any]] = [[]]
        for token in prelude:
            if token.type == "literal" and token.value == ",":
                selectors.append([])
            else:
                selectors[-1].append(token)
        return [sel for sel in selectors if not any(unused.fullmatch(c) for c in required_classes(sel))]

    def prune(rules: list[Any]) -> list[Any]:
        out = []
        for rule in rules:
            if rule.type == "qualified-rule":
                kept = kept_selectors(rule.prelude)
                if not kept:
                    continue
                rule.prelude = [token for i, sel in enumerate(kept)
                                for token in ([tinycss2.ast.LiteralToken(0, 0, ",")] if i else []) + sel]
            elif rule.type == "at-rule" and rule.content is not None and rule.lower_at_keyword in ("media", "supports"):
                inner = prune(tinycss2.parse_rule_list(rule.content, skip_whitespace=True, skip_comments=True))
                if not inner:
                    continue
                rule.content = inner
            out.append(rule)
        return out

    return tinycss2.serialize(prune(tinycss2.parse_stylesheet(css, skip_whitespace=True, skip_comments=True)))


def compile_css(scss: str, own: tuple[str, ...]) -> bytes:
    """NHS.UK frontend (the parts ``scss`` uses, less ``UNUSED_NHSUK``) then Teamline's own styles (``own``, in
    order), minified."""
    compiled = _run([str(NODE_BIN / "sass"), "--no-source-map", "--style=compressed",
                     f"--load-path={ROOT / 'node_modules'}", str(ROOT / "static" / "scss" / scss)])
    nhsuk = drop_unused_rules(compiled.decode()).encode()
    ours = b"\n".join((ROOT / "static" / "css" / name).read_bytes() for name in own)
    return _run([str(NODE_BIN / "esbuild"), "--loader=css", "--minify", "--log-level=warning"], stdin=nhsuk + b"\n" + ours)


def bundle_js(entry: Path, *, format: str, define: dict[str, str] | None = None) -> bytes:
    """Bundle ``entry`` and its imports into one minified script."""
    command = [str(NODE_BIN / "esbuild"), str(entry), "--bundle", f"--format={format}", f"--target={JS_TARGET}",
               "--minify", "--legal-comments=none", "--log-level=warning", "--charset=utf8"]
    command += [f"--define:{name}={value}" for name, value in (define or {}).items()]
    return _run(command)


def hashed_name(name: str, data: bytes) -> str:
    """``app.js`` → ``app.<10 hex digits of the content's SHA-256>.js``."""
    stem, dot, suffix = name.rpartition(".")
    return f"{stem}.{hashlib.sha256(data).hexdigest()[:10]}{dot}{suffix}"


def build() -> str:
    """Build every asset into a fresh static/dist; return the version."""
    for tool in ("sass", "esbuild"):
        if not (NODE_BIN / tool).exists() or not NHSUK.is_dir():
            sys.exit(f"{tool} or nhsuk-frontend is missing: run `npm ci` first (make assets does).")
    outputs: dict[str, bytes] = {
        "app.css": compile_css("nhsuk.scss", ("app.css",)),
        "staff.css": compile_css("nhsuk-staff.scss", ("app.css", "staff.css")),
        "app.js": bundle_js(ROOT / "static" / "js" / "app.js", format="esm"),
        "staff.js": bundle_js(ROOT / "static" / "js" / "staff.js", format="esm"),
        "icon-180.png": icon(180),
        "icon-192.png": icon(192),
        "icon-512.png": icon(512),
        "icon-maskable-512.png": icon(512, safe_zone=0.8),
        "badge-96.png": badge(96),
    }
    files = {name: hashed_name(name, data) for name, data in outputs.items()}
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(files[name].encode())
    for template in OFFLINE_TEMPLATES:
        digest.update((ROOT / template).read_bytes())
    version = digest.hexdigest()[:12]
    url = {name: f"/static/{file}" for name, file in files.items()}
    # Exactly what the pages use (base.html's stylesheet, script and icons) plus the worker's own needs: the
    # offline page, the manifest (not content-named: its URL must stay put) and the notification badge.
    precache = ["/offline", "/manifest.webmanifest", url["app.css"], url["app.js"], url["icon-192.png"],
                url["icon-180.png"], url["badge-96.png"]]
    build_info = {"version": version, "precache": precache, "icon": url["icon-192.png"], "badge": url["badge-96.png"]}
    service_worker = bundle_js(ROOT / "static" / "js" / "sw.js", format="iife",
                               define={"BUILD": json.dumps(build_info, separators=(",", ":"))})

    if DIST.exists():
        shutil.rmtree(DIST)  # yesterday's hashed files would otherwise be served for ever
    DIST.mkdir(parents=True)
    for name, data in outputs.items():
        (DIST / files[name]).write_bytes(data)
    (DIST / "sw.js").write_bytes(service_worker)
    (DIST / "assets.json").write_text(json.dumps({"version": version, "files": files, "precache": precache},
                                                 indent=1, sort_keys=True) + "\n")
    return version


def build_template_bytecode() -> int:
    """Compile every template once, so a cold Lambda start does not (see chalicelib/web/templating.py)."""
    sys.path.insert(0, str(ROOT))
    from chalicelib.web.templating import prebuild_bytecode

    return prebuild_bytecode()


if __name__ == "__main__":
    version = build()
    print(f"assets built: version {version}; {build_template_bytecode()} templates compiled")
