"""Running upstream scripts from tests, with their output shown when they fail."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def run_upstream(upstream: Path, script: str, *args: str, check: bool = True,
                 timeout: float = 900) -> subprocess.CompletedProcess:
    """Run a script (upstream's, or ours) in the upstream tree with upstream importable.

    With `check`, a non-zero exit fails the test with the tail of its output.
    """
    env = dict(os.environ, PYTHONUNBUFFERED="1", PYTHONPATH=str(upstream))
    proc = subprocess.run([sys.executable, str(upstream / script), *args], cwd=upstream,
                          capture_output=True, text=True, timeout=timeout, env=env)
    if check and proc.returncode != 0:
        pytest.fail(f"{script} exited {proc.returncode}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc
