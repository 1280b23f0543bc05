"""Build the static assets Teamline serves: NHS.UK frontend from npm, app icons, and a version hash.

Output goes to ``static/dist/`` (not committed). Run by ``make assets``, which ``make run``,
``make test`` and ``make deploy`` depend on.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "static" / "dist"
NHSUK = ROOT / "node_modules" / "nhsuk-frontend" / "dist" / "nhsuk"
BLUE = (0, 94, 184)
WHITE = (255, 255, 255)


def _png(width: int, height: int, pixel) -> bytes:  # type: ignore[no-untyped-def]
    """Encode an RGB image given by ``pixel(x, y) -> (r, g, b)`` as a PNG."""
    rows = bytearray()
    for y in range(height):
        rows.append(0)
        for x in range(width):
            rows.extend(pixel(x, y))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(rows), 9)) + chunk(b"IEND", b"")


def icon(size: int, *, safe_zone: float = 1.0) -> bytes:
    """Teamline's icon: a white speech bubble with three dots on NHS blue."""
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

    def pixel(x: int, y: int) -> tuple[int, int, int]:
        px, py = x + 0.5, y + 0.5
        if any((px - dx) ** 2 + (py - dy) ** 2 <= dot_r**2 for dx, dy in dots):
            return BLUE
        return WHITE if in_bubble(px, py) else BLUE

    return _png(size, size, pixel)


def build() -> str:
    """Copy and generate every asset; return the version hash."""
    if not NHSUK.is_dir():
        sys.exit("nhsuk-frontend is missing: run `npm ci` first (make assets does).")
    DIST.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(NHSUK / "nhsuk-frontend.min.js", DIST / "nhsuk-frontend.min.js")
    # Compiled from SCSS (not the npm bundle) so the NHS web font's @font-face rules are left out.
    sass = ROOT / "node_modules" / ".bin" / "sass"
    subprocess.run(  # noqa: S603 - a fixed command on the project's own files
        [str(sass), "--no-source-map", "--style=compressed", f"--load-path={ROOT / 'node_modules'}",
         str(ROOT / "static" / "scss" / "nhsuk.scss"), str(DIST / "nhsuk-frontend.min.css")],
        check=True,
    )
    icons = {"icon-180.png": icon(180), "icon-192.png": icon(192), "icon-512.png": icon(512),
             "icon-maskable-512.png": icon(512, safe_zone=0.8)}
    for name, data in icons.items():
        (DIST / name).write_bytes(data)
    digest = hashlib.sha256()
    sources = sorted(DIST.glob("*.*")) + sorted((ROOT / "static").glob("*/*.*"))
    for path in sources:
        if path.name == "assets.json" or path.parent.name == "dist" and path.suffix == ".map":
            continue
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    version = digest.hexdigest()[:12]
    (DIST / "assets.json").write_text(json.dumps({"version": version}) + "\n")
    return version


if __name__ == "__main__":
    print(f"assets built: version {build()}")
