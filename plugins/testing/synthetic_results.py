"""A synthetic results tree in upstream test.py's layout: photo crops, their pixelation and a noisy "model",
for the evaluation's tests and benchmark (no training needed)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from plugins.data import image_io
from plugins.data import pixelation
from plugins.data import sample_photos


def write_triplets(images: Path, count: int, size: int = 64, noise: float = 8.0, seed: int = 0,
                   pixel_size: int = 16) -> None:
    """`count` triplets: real_B a photo crop, real_A it pixelated, fake_B it plus noise."""
    images.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for i, photo in enumerate(sample_photos.photo_crops(sample_photos.TEST_SOURCES, count, size, seed)):
        real_b = np.asarray(photo)
        fake_b = np.clip(real_b + rng.normal(0, noise, real_b.shape), 0, 255).astype(np.uint8)
        image_io.save_png(images / f"img{i:03d}_real_B.png", real_b)
        image_io.save_png(images / f"img{i:03d}_real_A.png", pixelation.pixelate(photo, pixel_size))
        image_io.save_png(images / f"img{i:03d}_fake_B.png", fake_b)


def write_results_root(root: Path, runs: dict[str, list[str]], count: int = 4) -> Path:
    """results/<run>/test_<epoch>/images/ for each run and epoch; noise falls with the epoch."""
    for r, (run, epochs) in enumerate(runs.items()):
        for epoch in epochs:
            noise = 20.0 / (1 + int(epoch)) if epoch.isdigit() else 5.0
            write_triplets(root / run / f"test_{epoch}" / "images", count, noise=noise, seed=r)
    return root
