"""Photo crops from the pictures that ship inside scikit-image: data with no download.

Used by the demo, the benchmarks and the tests. Crops are seeded (position
and scale), so the same call always writes the same files. Training and
test crops come from different pictures, so a score on the test crops says
something about photos the model has not seen.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import skimage
from PIL import Image

DATA_DIR = Path(skimage.__file__).resolve().parent / "data"
TRAIN_SOURCES = ("astronaut.png", "chelsea.png", "rocket.jpg", "motorcycle_left.png", "ihc.png", "retina.jpg")
TEST_SOURCES = ("coffee.png", "hubble_deep_field.jpg")


def load_source(name: str) -> Image.Image:
    """One of scikit-image's pictures as an RGB PIL image."""
    return Image.open(DATA_DIR / name).convert("RGB")


def photo_crops(sources: tuple[str, ...], count: int, size: int, seed: int) -> list[Image.Image]:
    """`count` square crops (random side between size/2 and the picture's short side,
    resized to size x size with bicubic), cycling through `sources`."""
    rng = np.random.default_rng(seed)
    pictures = [load_source(name) for name in sources]
    crops = []
    for i in range(count):
        picture = pictures[i % len(pictures)]
        short = min(picture.size)
        side = int(rng.integers(min(size // 2, short), short + 1))
        x = int(rng.integers(0, picture.width - side + 1))
        y = int(rng.integers(0, picture.height - side + 1))
        crop = picture.crop((x, y, x + side, y + side))
        crops.append(crop.resize((size, size), Image.Resampling.BICUBIC))
    return crops


def write_photo_crops(folder: Path, sources: tuple[str, ...], count: int, size: int, seed: int,
                      prefix: str = "photo") -> list[Path]:
    """Save photo_crops(...) as PNGs named {prefix}_0000.png... in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, crop in enumerate(photo_crops(sources, count, size, seed)):
        paths.append(folder / f"{prefix}_{i:04d}.png")
        crop.save(paths[-1])
    return paths
