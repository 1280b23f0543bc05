"""QR codes for invite links, rendered on the server as SVG (no script, no external service)."""

from __future__ import annotations


def svg(data: str) -> str:
    """An inline SVG QR code for ``data`` with a text alternative for screen readers."""
    import segno

    code = segno.make(data, error="m")
    return str(code.svg_inline(scale=5, border=2, title="QR code for the invite link", dark="#000", light="#fff"))
