"""Jinja2 templates: Teamline's own (``templates/``) and the NHS.UK frontend components.

Templates get prepared data and never query. Jinja2 is imported on first render, not at cold start,
because JSON API requests never need it.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

#: The project root: next to ``app.py`` locally and ``/var/task`` in Lambda, where the build copies
#: ``templates/`` and ``static/`` (see ``scripts/deploy/project.py``).
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TEMPLATE_DIR = os.path.join(ROOT, "templates")


@lru_cache(maxsize=1)
def environment() -> Any:
    """Build the Jinja environment once per process."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(
            [
                jinja2.FileSystemLoader(TEMPLATE_DIR),
                jinja2.PackageLoader("nhsuk_frontend_jinja"),
            ]
        ),
        autoescape=jinja2.select_autoescape(["html", "jinja", "xml"], default_for_string=True, default=True),
        undefined=jinja2.ChainableUndefined,  # the NHS.UK macros expect it
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


def render(template: str, context: dict[str, Any]) -> str:
    """Render a template to a string."""
    return str(environment().get_template(template).render(**context))
