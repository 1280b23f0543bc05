"""The hazard log's controls are tests that exist: ``docs/safety/hazard-log.md`` names test ids
(``tests/x/test_y.py::test_name``); this fails if one does not exist, if a hazard names none, or if the log covers
fewer than 20 hazards. Tests are found by parsing, so a renamed or deleted test breaks the log, not silently."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOG = ROOT / "docs" / "safety" / "hazard-log.md"
CASE = ROOT / "docs" / "safety" / "safety-case.md"
TEST_ID = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")
HAZARD = re.compile(r"^### (H\d\d)\. (.+)$", re.MULTILINE)
FIELDS = ("**Cause**", "**Effect**", "**Before**", "**After**", "**Controls**", "**Tests**")


def _hazards() -> dict[str, str]:
    text = LOG.read_text(encoding="utf-8")
    starts = list(HAZARD.finditer(text))
    return {m.group(1): text[m.end(): (starts[i + 1].start() if i + 1 < len(starts) else len(text))]
            for i, m in enumerate(starts)}


def _defined_tests(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test_")}


def test_every_test_the_hazard_log_names_exists():
    missing = []
    for file, name in TEST_ID.findall(LOG.read_text(encoding="utf-8")):
        path = ROOT / file
        if not path.is_file() or name not in _defined_tests(path):
            missing.append(f"{file}::{name}")
    assert not missing, f"The hazard log names tests that do not exist: {missing}"


def test_the_log_covers_at_least_20_hazards_each_fully_described_with_a_test():
    hazards = _hazards()
    assert len(hazards) >= 20
    assert list(hazards) == [f"H{i:02d}" for i in range(1, len(hazards) + 1)]
    for hazard, body in hazards.items():
        for field in FIELDS:
            assert field in body, f"{hazard} has no {field}"
        assert TEST_ID.search(body), f"{hazard} names no test"


def test_the_checker_finds_a_missing_test():
    assert "test_no_such_test_anywhere" not in _defined_tests(Path(__file__))
    assert TEST_ID.findall("`tests/unit/test_x.py::test_y`") == [("tests/unit/test_x.py", "test_y")]


def test_there_is_a_safety_case_saying_what_teamline_is_not():
    text = CASE.read_text(encoding="utf-8")
    for heading in ("## Scope", "## Intended use", "## What Teamline is not"):
        assert heading in text
    assert "not an emergency service" in text
