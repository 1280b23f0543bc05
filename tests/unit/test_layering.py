"""The layering rules of issue 7 ("One home for each thing"), read from the source with ``ast``.

* Nothing below the web layer knows about HTTP: no ``chalice`` or ``chalicelib.web`` import in
  ``domain/``, ``models/``, ``services/``, ``auth/`` or ``access.py``.
* Only ``chalicelib/models/`` talks to DynamoDB through PynamoDB: no ``.query(``, ``.get(``, ``.count(``,
  ``.batch_get(`` or ``.scan(`` on a model class (or one of its indexes) anywhere else.
* Only ``chalicelib/models/`` spells a key: no string holding a key prefix (``"TEAM#"``, ``"MSG#"``...)
  anywhere else. The prefixes are read from ``models/keys.py``, so a new one is covered the day it is added.
* No module outside ``domain/`` grows past 350 lines (pure rules may, with their property tests).

The checks parse; they import nothing from ``chalicelib``. Each rule is also run against a small
snippet that breaks it, so a checker that quietly finds nothing would fail here too.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ROOT / "chalicelib"
MODELS = PRODUCT / "models"
BELOW_THE_WEB = ("domain", "models", "services", "auth", "access.py")
MODEL_CALLS = {"query", "get", "count", "batch_get", "scan"}
MAX_LINES = 350


def _product_files() -> list[Path]:
    return sorted([*PRODUCT.rglob("*.py"), ROOT / "app.py"])


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _outside_models(path: Path) -> bool:
    return MODELS not in path.parents


def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


# --- the rules, as functions of one parsed module ---------------------------------------------------------


def web_imports(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """Imports of ``chalice`` or ``chalicelib.web`` (at any depth, including ``from chalicelib import web``)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            if name == "chalice" or name.startswith("chalice.") or name == "chalicelib.web" or name.startswith(
                    "chalicelib.web."):
                yield node.lineno, f"imports {name}"
                break


def model_class_names(models: list[ast.Module]) -> set[str]:
    """Every class in the models that is (through any chain of bases) a PynamoDB ``Model`` or index."""
    roots = {"Model", "GlobalSecondaryIndex", "LocalSecondaryIndex"}
    classes = {node.name: {_base_name(base) for base in node.bases}
               for tree in models for node in ast.walk(tree) if isinstance(node, ast.ClassDef)}
    found: set[str] = set()
    while True:
        more = {name for name, bases in classes.items() if name not in found and bases & (roots | found)}
        if not more:
            return found
        found |= more


def _base_name(base: ast.expr) -> str:
    if isinstance(base, ast.Subscript):  # GlobalSecondaryIndex["MainItem"]
        base = base.value
    if isinstance(base, ast.Attribute):
        return base.attr
    return base.id if isinstance(base, ast.Name) else ""


def _dotted(node: ast.expr) -> list[str]:
    """``a.b.c`` as ["a", "b", "c"]; calls and subscripts in the chain end it."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return list(reversed(parts))


def model_calls(tree: ast.Module, models: set[str]) -> Iterator[tuple[int, str]]:
    """Calls like ``StaffItem.get(...)``, ``people.StaffItem.get(...)`` or ``ConversationItem.by_gsi1.query(...)``.

    A name imported under an alias (``from ...people import StaffItem as S``) is followed; a call on anything
    else (``dict.get``, ``db.get``, ``found.get``) is not a model call.
    """
    aliases = {alias.asname: alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
               for alias in node.names if alias.asname}
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in MODEL_CALLS):
            continue
        chain = [aliases.get(part, part) for part in _dotted(node.func.value)]
        if set(chain) & models:
            yield node.lineno, f"{'.'.join(chain)}.{node.func.attr}(...)"


def key_prefixes(keys_module: ast.Module) -> set[str]:
    """The ``XYZ#`` prefixes that ``models/keys.py`` builds keys with (string and f-string parts alike)."""
    found: set[str] = set()
    for node in ast.walk(keys_module):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            found |= set(re.findall(r"\b([A-Z]{2,}#)", node.value))
    return found


def _docstrings(tree: ast.Module) -> set[int]:
    """The ids of docstring nodes: they may describe a key layout, as long as no code spells one."""
    owners = [tree, *(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef))]
    return {id(owner.body[0].value) for owner in owners
            if owner.body and isinstance(owner.body[0], ast.Expr) and isinstance(owner.body[0].value, ast.Constant)}


def raw_keys(tree: ast.Module, prefixes: set[str]) -> Iterator[tuple[int, str]]:
    """String constants (f-string parts included) that hold a key prefix."""
    docstrings = _docstrings(tree)
    pattern = re.compile(r"\b(" + "|".join(re.escape(p) for p in sorted(prefixes)) + ")")
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            found = pattern.search(node.value)
            if found:
                yield node.lineno, f"spells the key prefix {found.group(1)!r}"


# --- the rules, applied to the product --------------------------------------------------------------------


def _offenders(found: list[str], rule: str) -> str:
    return f"{len(found)} place(s) break the rule that {rule}:\n  " + "\n  ".join(found)


def test_nothing_below_the_web_layer_imports_chalice_or_chalicelib_web():
    below = [p for p in _product_files() if _relative(p).removeprefix("chalicelib/").split("/")[0] in BELOW_THE_WEB]
    assert len(below) > 20, "the layers moved: update BELOW_THE_WEB"

    found = [f"{_relative(path)}:{line}: {what}" for path in below for line, what in web_imports(_parse(path))]

    assert not found, _offenders(found, "domain, models, services, auth and access know nothing of HTTP")


def test_only_the_models_query_or_get_items_with_pynamodb():
    models = model_class_names([_parse(p) for p in MODELS.glob("*.py")])
    assert {"MainItem", "AuditItem", "StaffItem", "ConversationItem", "AuditEvent", "Gsi1"} <= models

    found = [f"{_relative(path)}:{line}: {what}" for path in _product_files() if _outside_models(path)
             for line, what in model_calls(_parse(path), models)]

    assert not found, _offenders(found, "only chalicelib/models/ calls query/get/count/batch_get/scan on a model")


def test_only_the_models_spell_a_key():
    prefixes = key_prefixes(_parse(MODELS / "keys.py"))
    assert {"TEAM#", "PATIENT#", "STAFF#", "DAY#", "CONV#", "MSG#", "SESSION#", "RATE#"} <= prefixes

    found = [f"{_relative(path)}:{line}: {what}" for path in _product_files() if _outside_models(path)
             for line, what in raw_keys(_parse(path), prefixes)]

    assert not found, _offenders(found, "key prefixes are spelled only in chalicelib/models/")


def test_no_module_outside_the_domain_is_over_350_lines():
    lengths = {_relative(p): len(p.read_text(encoding="utf-8").splitlines()) for p in _product_files()}

    found = [f"{path}: {n} lines" for path, n in sorted(lengths.items())
             if n > MAX_LINES and not path.startswith("chalicelib/domain/")]

    assert not found, _offenders(found, f"a module outside chalicelib/domain/ stays within {MAX_LINES} lines")


# --- the checkers catch what they are for -----------------------------------------------------------------

BROKEN = '''
"""A module that mentions CONV#<team>#<patient> in its docstring, which is allowed."""
import chalice
from chalice.app import Response
from chalicelib import web
from chalicelib.models.people import StaffItem as Staff
from chalicelib.models import conversation

def load(staff_id, found):
    found.get("x")
    db.get(keys.staff(staff_id), Staff)
    Staff.get("STAFF#" + staff_id, "META")
    conversation.ConversationItem.by_gsi1.query(f"INBOX#{staff_id}")
    return MessageItem.count(pk)
'''


@pytest.fixture
def broken() -> ast.Module:
    return ast.parse(BROKEN)


def test_the_import_rule_catches_chalice_and_the_web_layer_however_imported(broken):
    assert [line for line, _ in web_imports(broken)] == [3, 4, 5]


def test_the_model_rule_catches_aliases_module_paths_and_indexes_but_not_dict_or_db_get(broken):
    found = list(model_calls(broken, {"StaffItem", "ConversationItem", "MessageItem"}))

    assert [line for line, _ in found] == [12, 13, 14]


def test_the_key_rule_catches_strings_and_f_strings_but_not_docstrings(broken):
    found = list(raw_keys(broken, {"STAFF#", "INBOX#", "CONV#"}))

    assert sorted(line for line, _ in found) == [12, 13]


def test_model_classes_are_found_through_their_bases():
    tree = ast.parse("class Base(Model): ...\nclass Item(Base, discriminator='x'): ...\nclass Other: ...\n"
                     "class Index(GlobalSecondaryIndex['Item']): ...")

    assert model_class_names([tree]) == {"Base", "Item", "Index"}
