"""Where a photo may hold a pixel mosaic: pixels in short flat runs, aligned from line to line. Pure numpy.

A mosaic pixel lies in a flat run of luma (neighbours within JPEG-sized
noise) bounded by steps and a few px to two blocks long, along its row and
along its column, and the neighbouring line shows the very same run (a
block's edges are straight); a sharp photo has runs of a pixel or two, a
smooth one runs that go on. The share of such pixels per POOL x POOL tile
marks dense patches, the candidates of plugins.restore.mosaics. Tiles are
computed with a margin longer than any accepted run, so the work is bounded
per WORK_TILE: memory is the image plus a float per POOL x POOL pixels.
"""
from __future__ import annotations

import numpy as np

FLAT = 12  # luma steps (x3 scale, as raw_steps.luma) at or below this are noise inside a block
MIN_RUN = 3  # flat runs shorter than this are texture
POOL = 4  # the density is kept per POOL x POOL pixels
WORK_TILE = 1024  # pixels per side of the work tiles (plus a margin longer than any run each side)


def _in_runs(luma: np.ndarray, axis: int, flat: int, longest: int) -> np.ndarray:
    """True where a pixel lies in a flat run along `axis`, MIN_RUN..longest px long, with a step at each
    end, and the line before or after it has the very same run there."""
    lines = luma if axis == 1 else luma.T
    n = lines.shape[1]
    steps = np.abs(np.diff(lines, axis=1)) > flat  # step j lies between pixels j and j+1
    index = np.broadcast_to(np.arange(n - 1, dtype=np.int32), steps.shape)
    before = np.maximum.accumulate(np.where(steps, index, -1), axis=1)  # last step at or before j
    after = np.minimum.accumulate(np.where(steps, index, n)[:, ::-1], axis=1)[:, ::-1]  # first at or after j
    prev = np.concatenate([np.full((len(lines), 1), -1, np.int32), before], axis=1)  # last step before pixel i
    nxt = np.concatenate([after, np.full((len(lines), 1), n, np.int32)], axis=1)  # first step after pixel i
    length = nxt - prev
    out = (prev >= 0) & (nxt <= n - 2) & (length >= MIN_RUN) & (length <= longest)
    # a block's edges are straight: the same run shows on the line before or after
    same = (prev[1:] == prev[:-1]) & (nxt[1:] == nxt[:-1])
    aligned = np.zeros_like(out)
    aligned[1:] |= same
    aligned[:-1] |= same
    out &= aligned
    return out if axis == 1 else out.T


def density(luma: np.ndarray, flat: int, longest: int) -> np.ndarray:
    """Share of pixels in aligned flat runs (steps above `flat` end them, MIN_RUN..`longest` px long) per
    POOL x POOL tile, both along rows and along columns: float32, ceil(H/POOL) x ceil(W/POOL)."""
    height, width = luma.shape
    out = np.zeros((-(-height // POOL), -(-width // POOL)), np.float32)
    margin = longest + 2
    for top in range(0, height, WORK_TILE):
        for left in range(0, width, WORK_TILE):
            y0, x0 = max(top - margin, 0), max(left - margin, 0)
            part = luma[y0:top + WORK_TILE + margin, x0:left + WORK_TILE + margin]
            like = _in_runs(part, 1, flat, longest) & _in_runs(part, 0, flat, longest)
            like = like[top - y0:top - y0 + WORK_TILE, left - x0:left - x0 + WORK_TILE]
            h, w = like.shape
            padded = np.zeros((-(-h // POOL) * POOL, -(-w // POOL) * POOL), np.float32)
            padded[:h, :w] = like
            pooled = padded.reshape(padded.shape[0] // POOL, POOL, -1, POOL).mean(axis=(1, 3))
            out[top // POOL:top // POOL + pooled.shape[0], left // POOL:left // POOL + pooled.shape[1]] = pooled
    return out
