"""Shared fixtures: a fake upstream tree and small photos from scikit-image."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from plugins.data import sample_photos

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def fake_upstream(tmp_path: Path) -> Path:
    """A folder with just what plugins.link checks for in an upstream checkout."""
    root = tmp_path / "upstream"
    for name in ("train.py", "test.py", "data/base_dataset.py", "models/base_model.py"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("")
    return root


def skimage_photos() -> list[np.ndarray]:
    """Four RGB photos that scikit-image ships (no download needed), as arrays."""
    return [np.array(sample_photos.load_source(name))
            for name in ("astronaut.png", "coffee.png", "chelsea.png", "rocket.jpg")]


@pytest.fixture(scope="session")
def photo_dir(tmp_path_factory) -> Path:
    """A folder of 8 RGB 96x96 photo crops as PNG, photo_0000.png..photo_0007.png."""
    root = tmp_path_factory.mktemp("photos")
    sample_photos.write_photo_crops(root, sample_photos.TRAIN_SOURCES, 8, 96, seed=0)
    return root


def pytest_terminal_summary(terminalreporter):
    """Say how many integration tests ran, and why the others skipped: CI runs the tier on both upstreams,
    and a tier that silently skips whole would look green."""
    counts, reasons = {}, {}
    for outcome in ("passed", "failed", "error", "skipped"):
        for report in terminalreporter.stats.get(outcome, []):
            if "tests/integration/" not in report.nodeid or (outcome == "passed" and report.when != "call"):
                continue
            counts[outcome] = counts.get(outcome, 0) + 1
            if outcome == "skipped" and isinstance(report.longrepr, tuple):
                reason = report.longrepr[2].removeprefix("Skipped: ")
                reasons[reason] = reasons.get(reason, 0) + 1
    if not counts:
        return
    ran = sum(n for outcome, n in counts.items() if outcome != "skipped")
    detail = ", ".join(f"{n} {outcome}" for outcome, n in counts.items())
    terminalreporter.write_line(f"integration tier: {ran} ran ({detail})")
    for reason, n in sorted(reasons.items(), key=lambda item: -item[1]):
        terminalreporter.write_line(f"  skipped {n}: {reason}")
