"""Run an image-to-image model over a pixelated image of any size: padding, overlapping tiles, smooth blend.

Pure numpy around any callable `model(tile, grid) -> tile` on HxWx3 float32
arrays in [-1, 1] (plugins.data.scaling; grid: the tile's low-resolution size, rows x cols). The
image comes as its low-resolution array; the model sees it blown up by an
integer `block` with nearest neighbour, so every tile starts on the block
grid and its grid is known exactly. A side no longer than the tile is padded
by reflection (of whole blocks) to what the generator needs and cropped back;
a longer side is cut into tiles of at most `tile` pixels that overlap by at
least `overlap`, blended with raised-cosine ramps that sum to one, so no seam
shows. Tiles run one at a time, a band of tile rows at a time: memory follows
the tile and the image's width, not its area.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from plugins.data import scaling

Model = Callable[[np.ndarray, tuple[int, int]], np.ndarray]
DEFAULT_TILE = 512
DEFAULT_OVERLAP = 32


@dataclass(frozen=True)
class AxisPlan:
    """How one axis is cut: its length, padded length, tile length, tile origins and blend windows."""

    length: int
    padded: int
    tile: int
    origins: tuple[int, ...]
    windows: tuple[np.ndarray, ...]


def tile_unit(block: int, multiple: int) -> int:
    """The smallest tile side that is a multiple of both the block and what the generator needs."""
    return block * multiple // math.gcd(block, multiple)


def _ramp(n: int) -> np.ndarray:
    """Raised-cosine ramp from ~0 to ~1 over n pixels; ramp + reversed ramp == 1."""
    return np.sin(np.pi / 2 * (np.arange(n) + 0.5) / n) ** 2 if n else np.zeros(0)


def _windows(origins: list[int], tile: int) -> tuple[np.ndarray, ...]:
    """Blend weights of each tile: ramps over the parts it shares with its neighbours, 1 elsewhere."""
    windows = []
    for i, start in enumerate(origins):
        w = np.ones(tile)
        if i > 0:
            shared = origins[i - 1] + tile - start
            w[:shared] = _ramp(shared)
        if i + 1 < len(origins):
            shared = start + tile - origins[i + 1]
            w[tile - shared:] = _ramp(shared)[::-1]
        windows.append(w)
    return tuple(windows)


def plan_axis(length: int, block: int, multiple: int = 1, tile: int = DEFAULT_TILE,
              overlap: int = DEFAULT_OVERLAP) -> AxisPlan:
    """Cut one axis of `length` model pixels (a multiple of `block`).

    Tiles are multiples of lcm(block, multiple) (at least one such unit, even
    above `tile`); as few tiles as keep `overlap`, then shrunk to the smallest
    size that still covers the axis, origins on the block grid and spread evenly.
    """
    if length <= 0 or length % block:
        raise ValueError(f"length {length} is not a positive multiple of the block {block}")
    unit = tile_unit(block, multiple)
    largest = max(unit, tile // unit * unit)
    if length <= largest:
        padded = -(-length // unit) * unit
        return AxisPlan(length, padded, padded, (0,), (np.ones(padded),))
    overlap = min(max(overlap, block), largest // 2)
    count = -(-(length - overlap) // (largest - overlap))
    # n tiles of `size` overlap by >= overlap when n * size - (n - 1) * overlap >= length
    size = min(largest, -(-(length + (count - 1) * overlap) // count // unit) * unit)
    origins = [round(i * (length - size) / (count - 1) / block) * block for i in range(count)]
    return AxisPlan(length, length, size, tuple(origins), _windows(origins, size))


def _pad_low_res(low: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """`low` grown to rows x cols by mirroring whole low-res pixels at the bottom and right."""
    extra = ((0, rows - low.shape[0]), (0, cols - low.shape[1])) + ((0, 0),) * (low.ndim - 2)
    return np.pad(low, extra, mode="symmetric") if any(e[1] for e in extra) else low


def restore_tiled(low: np.ndarray, block: int, model: Model, multiple: int = 1, tile: int = DEFAULT_TILE,
                  overlap: int = DEFAULT_OVERLAP,
                  on_tile: Optional[Callable[[int, int], None]] = None) -> np.ndarray:
    """The model's output for the nearest upscale (by `block`) of `low` (rows x cols x 3, 0..255).

    Returns (rows*block) x (cols*block) x 3 uint8. `on_tile(done, total)` is
    called after each tile (progress).
    """
    rows, cols = low.shape[:2]
    ys = plan_axis(rows * block, block, multiple, tile, overlap)
    xs = plan_axis(cols * block, block, multiple, tile, overlap)
    low = _pad_low_res(low, ys.padded // block, xs.padded // block)
    out = np.empty((ys.padded, xs.padded, 3), dtype=np.uint8)
    total, done = len(ys.origins) * len(xs.origins), 0
    band_start = 0  # first model row not yet written to `out`
    # float64 sums: a blend of equal values casts back to that very float32, which the truncating decode needs
    acc = np.zeros((0, xs.padded, 3))
    weight = np.zeros((0, xs.padded))
    for i, (y0, wy) in enumerate(zip(ys.origins, ys.windows)):
        grow = y0 + ys.tile - band_start - acc.shape[0]
        if grow > 0:
            acc = np.concatenate([acc, np.zeros((grow, xs.padded, 3))])
            weight = np.concatenate([weight, np.zeros((grow, xs.padded))])
        top = y0 - band_start
        for x0, wx in zip(xs.origins, xs.windows):
            part = low[y0 // block:(y0 + ys.tile) // block, x0 // block:(x0 + xs.tile) // block]
            grid = part.shape[:2]
            result = np.asarray(model(scaling.to_unit(part.repeat(block, 0).repeat(block, 1)), grid),
                                dtype=np.float32)
            if result.shape != (ys.tile, xs.tile, 3):
                raise ValueError(f"model returned {result.shape} for a tile of {(ys.tile, xs.tile, 3)}")
            w = np.outer(wy, wx)
            acc[top:top + ys.tile, x0:x0 + xs.tile] += result * w[:, :, None]
            weight[top:top + ys.tile, x0:x0 + xs.tile] += w
            done += 1
            if on_tile:
                on_tile(done, total)
        finished = ys.origins[i + 1] if i + 1 < len(ys.origins) else ys.padded
        count = finished - band_start
        out[band_start:finished] = scaling.to_uint8((acc[:count] / weight[:count, :, None]).astype(np.float32))
        acc, weight, band_start = acc[count:], weight[count:], finished
    return out[:rows * block, :cols * block]
