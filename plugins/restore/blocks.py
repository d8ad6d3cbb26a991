"""The blocks of a known pixel grid: the pixels each holds, the low-res image behind them, and the way back.

Pure numpy (and PIL's resize) on HxWxC arrays, in the coordinates of
plugins.restore.grid: pixel x belongs to block k when its centre x + 0.5
lies in [offset + k*size, offset + (k+1)*size). `low_res` reads the blocks
out, `model_box` and `onto_image` put an image made from them (blown up to
a model's block size) back onto the image's own grid.
"""
from __future__ import annotations

import numpy as np
from PIL import Image

from plugins.restore.grid import Grid

_ROWS_PER_CHUNK = 256  # bounds the memory of the running sums on large images
_EDGE_TOLERANCE = 1e-6  # pixels: a boundary this close to a pixel's edge lies on it
CUT = 0.5  # an interior margin that leaves out only the pixels a block boundary cuts through
CORE = 1.0  # one that leaves out a pixel more at each side: where JPEG smears colour across the boundary
# JPEG's colour transform (BT.601); _COLOUR keeps the Cb and Cr part of an RGB difference, in RGB
_YCC = np.array([[0.299, 0.587, 0.114], [-0.168736, -0.331264, 0.5], [0.5, -0.418688, -0.081312]])
_COLOUR = (np.linalg.inv(_YCC) @ np.diag([0.0, 1.0, 1.0]) @ _YCC).astype(np.float32)


def axis_blocks(length: int, size: float, offset: float, whole: bool = False,
                margin: float = CUT) -> tuple[int, np.ndarray, np.ndarray]:
    """(first block index, start and stop pixel of each block's interior) along one axis.

    Block k holds the pixels whose centre lies in [offset + k*size, offset + (k+1)*size);
    its interior holds those whose centre lies `margin` px or more inside (CUT: the
    pixels no boundary cuts through, which a scaler rounds either way; CORE: a pixel
    more at each side), never more than half of size - 1, and falls back to the whole
    visible block when nothing is left. With `whole`, start and stop bound the whole
    visible block.
    """
    centres = np.arange(length) + 0.5
    block = np.floor((centres - offset) / size).astype(np.int64)
    first = int(block[0])
    count = int(block[-1]) - first + 1
    k = np.arange(first, first + count)
    whole_start = np.searchsorted(block, k, side="left")
    whole_stop = np.searchsorted(block, k, side="right")
    if whole:
        return first, whole_start, whole_stop
    margin = min(margin, (size - 1) / 2) if size > 1 else 0.0
    start = np.clip(np.ceil(offset + k * size + margin - 0.5 - _EDGE_TOLERANCE), 0, length).astype(np.int64)
    stop = np.clip(np.floor(offset + (k + 1) * size - margin - 0.5 + _EDGE_TOLERANCE) + 1, 0, length).astype(np.int64)
    empty = stop <= start
    start[empty], stop[empty] = whole_start[empty], whole_stop[empty]
    return first, start, stop


def _interval_means(arr: np.ndarray, start: np.ndarray, stop: np.ndarray, axis: int) -> np.ndarray:
    """Means of arr over [start[i], stop[i]) along `axis` (float64 running sums)."""
    sums = np.cumsum(arr, axis=axis, dtype=np.float64)
    sums = np.concatenate([np.zeros_like(np.take(sums, [0], axis=axis)), sums], axis=axis)
    span = (stop - start).astype(np.float64)
    shape = [1] * arr.ndim
    shape[axis] = -1
    return (np.take(sums, stop, axis=axis) - np.take(sums, start, axis=axis)) / span.reshape(shape)


def _block_means(arr: np.ndarray, grid: Grid, whole: bool, margin: float = CUT) -> np.ndarray:
    """Mean of each block's interior (axis_blocks' `whole` and `margin`), float32 rows x cols x C."""
    _, xs, xe = axis_blocks(arr.shape[1], grid.size_x, grid.offset_x, whole, margin)
    _, ys, ye = axis_blocks(arr.shape[0], grid.size_y, grid.offset_y, whole, margin)
    columns = np.concatenate([_interval_means(arr[r:r + _ROWS_PER_CHUNK], xs, xe, 1).astype(np.float32)
                              for r in range(0, arr.shape[0], _ROWS_PER_CHUNK)])
    return _interval_means(columns, ys, ye, 0).astype(np.float32)


def low_res(arr: np.ndarray, grid: Grid, whole: bool = False) -> np.ndarray:
    """The low-resolution image behind a pixelated HxWxC array (of each whole block's mean with `whole`).

    A block's luma is the mean of every pixel no boundary cuts (CUT; on a grid of
    whole pixels, the whole block): through JPEG, a mean of all 16 pixels of a 4 px
    block holds less of JPEG's noise than one of its inner 2x2. Its colour (Cb, Cr)
    is the mean of its core (CORE): JPEG keeps colour at half resolution and its
    decoder's upsampling smears it a pixel across every boundary. Partial blocks at
    the edges count as whole low-res pixels. float32, rows x cols x C.
    """
    if whole:
        return _block_means(arr, grid, True)
    cut = _block_means(arr, grid, False, CUT)
    if arr.ndim != 3 or arr.shape[2] != 3:
        return cut
    return cut + (_block_means(arr, grid, False, CORE) - cut) @ _COLOUR.T


def model_box(grid: Grid, width: int, height: int, block: int) -> tuple[float, float, float, float]:
    """Where the image lies in model space (low_res blown up by `block`), as PIL's resize box.

    Resizing that box of the model's output to (width, height) puts every restored
    block back on the block it came from.
    """
    def axis(size: float, offset: float, length: int) -> tuple[float, float]:
        first, _, _ = axis_blocks(length, size, offset)
        start = (-offset / size - first) * block
        return start, start + length * block / size

    left, right = axis(grid.size_x, grid.offset_x, width)
    top, bottom = axis(grid.size_y, grid.offset_y, height)
    return left, top, right, bottom


def onto_image(space: np.ndarray, grid: Grid, width: int, height: int, block: int) -> np.ndarray:
    """A model-space array (low_res blown up by `block`: uint8 RGB, or float32 per channel) resized onto
    the image's own grid and size: an exact crop when it can be, else a bicubic resize of model_box."""
    left, top, right, bottom = box = model_box(grid, width, height, block)
    if all(float(v).is_integer() for v in box) and (right - left, bottom - top) == (width, height):
        return space[int(top):int(bottom), int(left):int(right)].copy()
    # one block of edge padding keeps the box inside the source, as PIL requires
    padded = np.pad(space, ((block, block), (block, block), (0, 0)), mode="edge")
    shifted = (left + block, top + block, right + block, bottom + block)

    def resize(plane: np.ndarray) -> np.ndarray:
        return np.asarray(Image.fromarray(plane).resize((width, height), Image.Resampling.BICUBIC, box=shifted))
    if padded.dtype == np.uint8:
        return resize(padded)
    return np.stack([resize(padded[..., c].astype(np.float32)) for c in range(padded.shape[2])], axis=-1)
