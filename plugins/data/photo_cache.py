"""Decoded photos kept in memory up to a budget, so a loader decodes each photo once, not once per sample.

Training on crops of whole photos (`--pixel_repeat 16`) decodes a 1280 px
photo for every 128 px sample: on the bundled model's recipe 20 of the
loader's 25 ms per sample. Epochs visit the photos in a cycle, where evicting
the oldest would evict every photo before its next visit, so the cache keeps
the first photos that fit and decodes the rest each time.
"""
from __future__ import annotations

from collections.abc import Callable

from PIL import Image


class PhotoCache:
    """Images by path, kept while their pixels fit in `budget_bytes` (0 keeps none)."""

    def __init__(self, budget_bytes: int):
        self.budget = budget_bytes
        self.used = 0
        self.images: dict[str, Image.Image] = {}

    def get(self, path: str, load: Callable[[str], Image.Image]) -> Image.Image:
        """The image of `path`: the kept one, or `load(path)`, kept when it still fits."""
        image = self.images.get(path)
        if image is None:
            image = load(path)
            size = image.width * image.height * len(image.getbands())
            if self.used + size <= self.budget:
                self.images[path] = image
                self.used += size
        return image
