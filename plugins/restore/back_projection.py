"""Back-projection: a restored image made to agree with the mosaic it came from. Pure numpy and PIL.

A box mosaic, the kind editors and censor tools make, is the photo's mean over
each block, so it pins down every block's mean: a restoration whose block means
differ from the mosaic is wrong by at least that much. Each round adds the
bicubic upscale, on the image's own grid, of the difference between the mosaic's
blocks and what the restored image's blocks would be (iterative back-projection,
Irani and Peleg 1991); the correction is smooth, so it adds no block edges. Only
blocks lying whole inside the image count: an edge block's mean reaches outside.
A mosaic shrunk with a bilinear filter (PIL, browsers) is not plain block means:
each cell is a triangle-weighted mean reaching half a block into its neighbours,
so the rounds match the shrink the mosaic was made with (`FILTERS`). Telling the
two apart from the restored image (whichever shrink of it lands nearer the
mosaic) was tried and dropped: right on most bilinear crops, wrong on enough
smooth or JPEG box crops to cost them up to 0.15 dB.
Measured with the bundled model (benchmarks/bench_quality.py, 22 test photos):
box rounds add +0.12 to +0.24 dB on box mosaics, with or without JPEG (but -0.05
on a shifted grid through JPEG 85), and cost -0.33 dB on bilinear-shrunk ones,
where bilinear rounds add +0.24 dB.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PIL import Image

from plugins.restore import blocks
from plugins.restore import grid as pixel_grid

ROUNDS = 3  # the gain stops growing after about three rounds
EDGE = 0.5  # pixels: a block reaching this little past the image's edge still counts as whole


def whole_blocks(grid: pixel_grid.Grid, width: int, height: int) -> np.ndarray:
    """rows x cols booleans over low_res's blocks: True where the block lies whole inside the image."""
    def axis(length: int, size: float, offset: float) -> np.ndarray:
        first, start, _ = blocks.axis_blocks(length, size, offset, whole=True)
        begins = offset + (first + np.arange(len(start))) * size
        return (begins >= -EDGE) & (begins + size <= length + EDGE)
    return axis(height, grid.size_y, grid.offset_y)[:, None] & axis(width, grid.size_x, grid.offset_x)[None, :]


Shrink = Callable[[np.ndarray, pixel_grid.Grid], np.ndarray]


def box_cells(image: np.ndarray, grid: pixel_grid.Grid) -> np.ndarray:
    """rows x cols x C float32: the mean of each whole block of `image` (a box filter's shrink)."""
    return blocks.low_res(image, grid, whole=True)


def bilinear_cells(image: np.ndarray, grid: pixel_grid.Grid) -> np.ndarray:
    """rows x cols x C float32: what PIL's bilinear shrink makes of `image` on the cells box_cells gives
    (the filter reaches past a block's edges, so cells are not block means)."""
    height, width = image.shape[:2]
    first_x, xs, _ = blocks.axis_blocks(width, grid.size_x, grid.offset_x, whole=True)
    first_y, ys, _ = blocks.axis_blocks(height, grid.size_y, grid.offset_y, whole=True)
    pad = int(np.ceil(max(grid.size_x, grid.size_y))) + 1  # edge blocks begin before the image: pad, not clip
    padded = np.pad(np.asarray(image, np.float32), ((pad, pad), (pad, pad), (0, 0)), mode="edge")
    left, top = pad + grid.offset_x + first_x * grid.size_x, pad + grid.offset_y + first_y * grid.size_y
    box = (left, top, left + len(xs) * grid.size_x, top + len(ys) * grid.size_y)
    return np.stack([np.asarray(Image.fromarray(np.ascontiguousarray(padded[..., c])).resize(
        (len(xs), len(ys)), Image.Resampling.BILINEAR, box=box)) for c in range(image.shape[2])], axis=-1)


FILTERS: dict[str, Shrink] = {"box": box_cells, "bilinear": bilinear_cells}
DEFAULT_FILTER = "box"  # what editors and censor tools make


def back_project(image: np.ndarray, observed: np.ndarray, grid: pixel_grid.Grid, rounds: int = ROUNDS,
                 down: str = DEFAULT_FILTER) -> np.ndarray:
    """`image` (HxWx3 uint8, restored on `grid`) corrected towards the block values `observed` (the
    mosaic's low_res, as the restore command reads it: each block's interior, which on a mosaic is its
    value) in `rounds` rounds, under the shrink `down`
    names (FILTERS); uint8. Only whole blocks are matched; zero rounds, or none whole, give `image` back."""
    height, width = image.shape[:2]
    whole = whole_blocks(grid, width, height)[..., None]
    if rounds < 1 or not whole.any():
        return image
    estimate = image.astype(np.float32)
    shrink = FILTERS[down]
    for _ in range(rounds):
        miss = np.where(whole, observed - shrink(estimate, grid), 0).astype(np.float32)
        estimate += blocks.onto_image(miss, grid, width, height, 1)
    return np.clip(np.rint(estimate), 0, 255).astype(np.uint8)
