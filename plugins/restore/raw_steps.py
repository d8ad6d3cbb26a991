"""Steps between neighbouring pixels with no dead zone: the 2-D evidence of a mosaic in smooth photos.

The grid detector's edge profiles drop steps below JPEG-sized noise, which
hides the grid of a smooth photo (sky, water, a dark scene) pixelated with
small steps. Raw profiles keep every step, taken on luma (JPEG keeps it at full
resolution; its half-resolution colour leaves 2 px steps of its own) and with
JPEG's own 8x8 block edges neutralised; the cell contrast then weighs every
pair of neighbouring pixels inside a cell against every pair across a boundary.
"""
from __future__ import annotations

import numpy as np

LUMA = np.array([0.299, 0.587, 0.114], np.float32) * 3  # BT.601, on the scale of three summed channels
_ROWS_PER_CHUNK = 256  # bounds the float copy of a large image


def luma(arr: np.ndarray) -> np.ndarray:
    """HxW int16 luma of an HxW(xC) uint8 image, scaled x3 (grey images: the value x3)."""
    if arr.ndim == 2 or arr.shape[2] == 1:
        return arr.reshape(arr.shape[:2]).astype(np.int16) * 3
    out = np.empty(arr.shape[:2], dtype=np.int16)
    for start in range(0, arr.shape[0], _ROWS_PER_CHUNK):
        out[start:start + _ROWS_PER_CHUNK] = np.rint(arr[start:start + _ROWS_PER_CHUNK, :, :3] @ LUMA)
    return out


def without_jpeg_steps(profile: np.ndarray, jpeg_block: int = 8) -> np.ndarray:
    """A raw profile with each step between JPEG's blocks (pixels 8k-1 and 8k) replaced by the mean of
    the steps half a JPEG block before and after it.

    Otherwise JPEG's block edges show as a grid of their own. Those neighbours lie
    inside JPEG blocks, and a grid whose size divides 4 (a 4 px grid from the
    corner) has boundaries there too, so it keeps all of them.
    """
    cleaned = profile.copy()
    half = jpeg_block // 2
    index = np.arange(jpeg_block - 1, len(profile), jpeg_block)
    before = profile[np.clip(index - half, 0, len(profile) - 1)]
    after = profile[np.clip(index + half, 0, len(profile) - 1)]
    cleaned[index] = (before + after) / 2
    return cleaned


def cell_contrast(profiles: tuple[np.ndarray, ...], on: list[np.ndarray]) -> float:
    """1 - mean step inside cells / mean step across their boundaries, over both axes together.

    `on[i]` marks the boundary entries of `profiles[i]` (each entry is a mean over
    lines, so this counts every neighbouring pair of the image). ~1 for a mosaic,
    ~0 for a photo; 0 when there is nothing to compare.
    """
    on_sum = sum(float(p[m].sum()) for p, m in zip(profiles, on))
    off_sum = sum(float(p[~m].sum()) for p, m in zip(profiles, on))
    on_count = sum(int(m.sum()) for m in on)
    off_count = sum(int((~m).sum()) for m in on)
    if not on_count or not off_count or on_sum <= 0:
        return 0.0
    return float(np.clip(1 - (off_sum / off_count) / (on_sum / on_count), 0.0, 1.0))
