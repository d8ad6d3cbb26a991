"""Shared fixtures: a fake upstream tree and small photos from scikit-image."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

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
    """The RGB photos that scikit-image ships (no download needed)."""
    from skimage import data
    return [data.astronaut(), data.coffee(), data.chelsea(), data.rocket()]


@pytest.fixture(scope="session")
def photo_dir(tmp_path_factory) -> Path:
    """A folder of 8 RGB 96x96 photo crops as PNG, named photo_0.png..photo_7.png."""
    root = tmp_path_factory.mktemp("photos")
    rng = np.random.default_rng(0)
    for i in range(8):
        img = skimage_photos()[i % 4]
        y = rng.integers(0, img.shape[0] - 96)
        x = rng.integers(0, img.shape[1] - 96)
        Image.fromarray(img[y:y + 96, x:x + 96]).save(root / f"photo_{i}.png")
    return root
