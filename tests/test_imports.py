"""The import rule: everything imports the installed package `plugins`; plugins/upstream/path.py alone edits
the module search path (for upstream's own modules); nothing outside tests/ imports from tests/."""
from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO_ROOT

MECHANISM = Path("plugins/upstream/path.py")
SEARCH_PATH = re.compile("sys" + ".path")  # the grep, spelt so that this file does not match it
PRUNED = {"__pycache__", "build", "node_modules"}  # generated folders; upstream's code is pruned at the root only


def python_files() -> list[Path]:
    """Every .py of the repository, relative to its root: not upstream's, not in hidden or generated folders."""
    found = []
    for folder, dirs, files in os.walk(REPO_ROOT):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d not in PRUNED and not d.endswith(".egg-info")
                   and not (d == "upstream" and Path(folder) == REPO_ROOT)]
        found += [Path(folder, f).relative_to(REPO_ROOT) for f in files if f.endswith(".py")]
    return sorted(found)


def imported_modules(path: Path) -> set[str]:
    """First components of the absolute imports in a file (relative imports stay inside their package)."""
    tree = ast.parse((REPO_ROOT / path).read_text(), str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_the_walk_sees_the_repository():
    files = set(python_files())
    assert {MECHANISM, Path("plugins/evaluate.py"), Path("datasets/make_pixelated.py"),
            Path("tests/test_imports.py")} <= files
    assert not any(p.parts[0] == "upstream" for p in files)


def test_only_the_mechanism_edits_the_search_path():
    editing = [str(p) for p in python_files() if SEARCH_PATH.search((REPO_ROOT / p).read_text())]
    assert editing == [str(MECHANISM)]


def test_nothing_outside_tests_imports_from_tests():
    files = python_files()
    test_modules = {"tests"} | {p.stem for p in files if p.parts[0] == "tests" and p.stem != "__init__"}
    offenders = {str(p): sorted(imported_modules(p) & test_modules) for p in files if p.parts[0] != "tests"}
    assert {p: names for p, names in offenders.items() if names} == {}


@pytest.mark.parametrize("script", ["plugins/evaluate.py", "datasets/make_pixelated.py"])
def test_entry_points_run_by_path_from_anywhere(script, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # the installed package is what finds plugins
    proc = subprocess.run([sys.executable, str(REPO_ROOT / script), "--help"], cwd=tmp_path, env=env,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"usage: {Path(script).name}")
