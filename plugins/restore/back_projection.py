"""Back-projection: a restored image made to agree with the mosaic it came from. Pure numpy.

A box mosaic, the kind editors and censor tools make, is the photo's mean over
each block, so it pins down every block's mean: a restoration whose block means
differ from the mosaic is wrong by at least that much. Each round adds the
bicubic upscale, on the image's own grid, of the difference between the mosaic's
blocks and the restored image's block means (iterative back-projection, Irani
and Peleg 1991); the correction is smooth, so it adds no block edges. Only
blocks lying whole inside the image count: an edge block's mean reaches outside.
Measured with the bundled model (benchmarks/bench_quality.py, 22 test photos):
+0.18 to +0.42 dB on box mosaics, with or without JPEG, and -0.01 dB on
bilinear-shrunk ones, whose blocks are not plain means (-0.06 on the
validation photos).
"""
from __future__ import annotations

import numpy as np

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


def back_project(image: np.ndarray, observed: np.ndarray, grid: pixel_grid.Grid, rounds: int = ROUNDS) -> np.ndarray:
    """`image` (HxWx3 uint8, restored on `grid`) corrected towards the block values `observed` (low_res
    of the mosaic) in `rounds` rounds; uint8. Zero rounds, or no whole block, give `image` back."""
    height, width = image.shape[:2]
    whole = whole_blocks(grid, width, height)[..., None]
    if rounds < 1 or not whole.any():
        return image
    estimate = image.astype(np.float32)
    for _ in range(rounds):
        miss = np.where(whole, observed - blocks.low_res(estimate, grid, whole=True), 0).astype(np.float32)
        estimate += blocks.onto_image(miss, grid, width, height, 1)
    return np.clip(np.rint(estimate), 0, 255).astype(np.uint8)
