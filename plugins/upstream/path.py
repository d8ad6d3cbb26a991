"""Upstream's own modules (`models`, `options`, `data`, `util`) importable in this process: the one sys.path edit.

Upstream is a folder of scripts, not a package: its train.py finds `models`
because Python puts the script's folder first on sys.path. Our code that uses
upstream in-process (restore's generator, benchmarks, tests) gets the same
from this module, and nothing else in the repository touches sys.path (tests
load a fixture's module by file: plugins.testing.modules): our own package `plugins` is installed (`pip install -e .`,
what scripts/venv.sh does), so every file, script or linked module, imports it
like any installed package.
"""
from __future__ import annotations

import sys
from pathlib import Path


def add(upstream: Path) -> None:
    """Make the top-level modules of the checkout `upstream` importable, as running one of its scripts would."""
    folder = str(upstream)
    if folder not in sys.path:
        sys.path.insert(0, folder)

