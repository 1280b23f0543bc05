"""Jinja2 templates: Teamline's own (``templates/``) and the NHS.UK frontend components.

Templates get prepared data and never query. Jinja2 is imported on first render, not at cold start,
because JSON API requests never need it.

Compiling templates is most of a cold page's cost (a patient's home compiles fifteen: ours and the NHS.UK
header, footer and skip link macros, ~150 ms), and Lambda starts cold often. So ``make assets`` compiles
every template once (:func:`prebuild_bytecode`) into a Jinja bytecode cache that ships with the app,
and a cold start only unmarshals code. Jinja keys the cache by template name and checks it against the
source's checksum (and the Python version), so an edited template is simply compiled as before: the
cache can be stale, never wrong. It is never written at run time (Lambda's disk is read-only, and
``chalice local`` would restart on every write).
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

#: The project root: next to ``app.py`` locally and ``/var/task`` in Lambda, where the build copies
#: ``templates/`` and ``static/`` (see ``scripts/deploy/project.py``).
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TEMPLATE_DIR = os.path.join(ROOT, "templates")
#: The prebuilt template bytecode (gitignored; packaged with templates/).
BYTECODE_DIR = os.path.join(TEMPLATE_DIR, ".bytecode")


def _bytecode_cache(writable: bool) -> Any:
    """The prebuilt bytecode cache (read-only unless building it), or None if there is none."""
    import jinja2

    class PrebuiltBytecodeCache(jinja2.FileSystemBytecodeCache):
        #: What else decides the compiled code: set from the environment once it exists.
        fingerprint = ""

        def get_cache_key(self, name: str, filename: str | None = None) -> str:
            return str(super().get_cache_key(f"{self.fingerprint}:{name}", filename))

        def dump_bytecode(self, bucket: Any) -> None:
            if writable:
                super().dump_bytecode(bucket)

    if not writable and not os.path.isdir(BYTECODE_DIR):
        return None
    os.makedirs(BYTECODE_DIR, exist_ok=True)
    return PrebuiltBytecodeCache(BYTECODE_DIR)


@lru_cache(maxsize=1)
def environment(*, writable_cache: bool = False) -> Any:
    """Build the Jinja environment once per process."""
    import jinja2

    cache = _bytecode_cache(writable_cache)
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
        bytecode_cache=cache,
    )
    if cache is not None:  # a change of options or of Jinja misses the cache, as a changed source does
        cache.fingerprint = f"{jinja2.__version__}:{env.trim_blocks}:{env.lstrip_blocks}:{env.undefined.__name__}"
    return env


def render(template: str, context: dict[str, Any]) -> str:
    """Render a template to a string."""
    return str(environment().get_template(template).render(**context))


def prebuild_bytecode() -> int:
    """Compile every template (ours and all of NHS.UK frontend's) into the bytecode cache; return how many."""
    import shutil

    shutil.rmtree(BYTECODE_DIR, ignore_errors=True)
    env = environment.__wrapped__(writable_cache=True)
    names = env.list_templates(filter_func=lambda name: name.endswith((".html", ".jinja")))
    for name in names:
        env.get_template(name)
    return len(names)
