"""Samples of mosaics made elsewhere, as the `pixelated` dataset's --pixel_block trains on them and as
validation scores them: pure functions of a photo and a draw.

One sample: a patch of the photo pixelated the way editors do it
(plugins.data.mosaic: a block size drawn from a range, box or bilinear cells,
the grid starting anywhere with an offset, JPEG at a drawn quality for a
share of the samples), then read the way `python -m plugins.restore` reads
such a picture: block means on the known grid, `cells` of them a side,
blown up to the model's block size (crop_size / cells). The target is the
photo under those blocks at the same scale. Every draw comes from the `rng`
given, in a fixed order, so a seeded Random gives the same sample anywhere.
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Sequence

import numpy as np
from PIL import Image

from plugins.data import mosaic
from plugins.restore import blocks
from plugins.restore import grid as pixel_grid


@dataclass(frozen=True)
class MosaicSpec:
    """What the samples are made of: the dataset's --pixel_block/--pixel_down/--pixel_offset/
    --pixel_jpeg/--pixel_jpeg_share, its one --pixel_size (cells a side) and --crop_size."""

    blocks: tuple[float, float]
    downs: tuple[str, ...]
    cells: int
    crop_size: int
    offset: bool = False
    jpeg: tuple[float, float] | None = None
    jpeg_share: float = 1.0

    @property
    def model_block(self) -> int:
        """The model's block size in pixels: crop_size / cells."""
        return self.crop_size // self.cells

    def patch_side(self, block: float) -> int:
        """The photo patch behind one sample at `block` px blocks: its cells, and margin for the offset."""
        return int(np.ceil(block * (self.cells + 3)))

    def sample(self, photo: Image.Image, rng) -> tuple[np.ndarray, np.ndarray]:
        """(input, target) float32 arrays (0..255, crop_size square) of one mosaic of `photo`, every
        choice drawn from `rng` (a random.Random)."""
        # a photo too small for the drawn block takes the largest block it holds (at least the smallest)
        block = mosaic.draw(self.blocks, rng)
        block = min(block, max(self.blocks[0], min(photo.size) / (self.cells + 3)))
        side = min(self.patch_side(block), photo.width, photo.height)
        x, y = rng.randrange(photo.width - side + 1), rng.randrange(photo.height - side + 1)
        patch = photo.crop((x, y, x + side, y + side))
        made, (bx, by) = mosaic.pixelate_like_editor(patch, block, rng.choice(self.downs))
        ox, oy = (rng.randrange(int(np.ceil(b))) for b in (bx, by)) if self.offset else (0, 0)
        made, patch = (img.crop((ox, oy, side, side)) for img in (made, patch))
        if self.jpeg and rng.random() < self.jpeg_share:
            made = mosaic.jpeg(made, round(mosaic.draw(self.jpeg, rng)))
        low = blocks.low_res(np.asarray(made), pixel_grid.Grid(bx, -ox, by, -oy, 1.0))
        n = self.cells
        # whole cells only: cell k starts at k * b - offset, and cell 0 may be cut by the offset
        kx, ky = (rng.randint(1, cells - n - 1) if cells - n - 1 >= 1 else 0 for cells in (low.shape[1], low.shape[0]))
        low = low[ky:ky + n, kx:kx + n]
        model_in = low.repeat(self.model_block, 0).repeat(self.model_block, 1)
        box = (kx * bx - ox, ky * by - oy, (kx + n) * bx - ox, (ky + n) * by - oy)
        truth = np.asarray(patch.resize((self.crop_size,) * 2, Image.Resampling.BICUBIC, box=box), np.float32)
        return model_in, truth


def from_options(opt: argparse.Namespace, sizes: Sequence[int], downs: Sequence[str]) -> MosaicSpec:
    """The spec of the `pixelated` dataset's options (`sizes` and `downs` parsed from --pixel_size and
    --pixel_down); ValueError naming the flag that is out of range."""
    blocks_range = mosaic.parse_range(opt.pixel_block, "--pixel_block", 1, opt.crop_size)
    jpeg_range = mosaic.parse_range(opt.pixel_jpeg, "--pixel_jpeg", 1, 100) if opt.pixel_jpeg else None
    if not 0 <= opt.pixel_jpeg_share <= 1:
        raise ValueError(f"--pixel_jpeg_share {opt.pixel_jpeg_share}: must be within 0..1")
    if len(sizes) > 1 or opt.crop_size % sizes[0]:
        raise ValueError(f"--pixel_block needs one --pixel_size that divides --crop_size (the model's blocks are "
                         f"crop_size / pixel_size px), got --pixel_size {opt.pixel_size} --crop_size {opt.crop_size}")
    return MosaicSpec(blocks_range, tuple(downs), sizes[0], opt.crop_size, bool(opt.pixel_offset), jpeg_range,
                      opt.pixel_jpeg_share)
