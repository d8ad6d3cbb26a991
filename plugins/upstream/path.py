"""Upstream's own modules (`models`, `options`, `data`, `util`) importable in this process: the one sys.path edit.

Upstream is a folder of scripts, not a package: its train.py finds `models`
because Python puts the script's folder first on sys.path. Our code that uses
upstream in-process (restore's generator, benchmarks, tests with a stand-in
upstream) gets the same from this module, and nothing else in the repository
touches sys.path: our own package `plugins` is installed (`pip install -e .`,
what scripts/venv.sh does), so every file, script or linked module, imports it
like any installed package.
"""
from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path


def add(upstream: Path) -> None:
    """Make the top-level modules of the checkout `upstream` importable, as running one of its scripts would."""
    folder = str(upstream)
    if folder not in sys.path:
        sys.path.insert(0, folder)


@contextlib.contextmanager
def temporarily(upstream: Path) -> Iterator[None]:
    """`add` for the body of a with statement only (already imported modules stay imported)."""
    added = str(upstream) not in sys.path
    add(upstream)
    try:
        yield
    finally:
        if added:
            sys.path.remove(str(upstream))
