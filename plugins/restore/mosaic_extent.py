"""Step 3 of finding mosaics: the rectangle of a grid's cells that is a mosaic (plugins.restore.mosaics).

Each cell of the grid scores 1 - (mean step between neighbouring pixels
inside it) / (mean step across its boundaries): ~1 in a mosaic, ~0 in a
photo whatever its texture. The rectangle of cells with the largest summed
weight (high scores count for, low ones against) is the mosaic, less a rim
row or column that steps only towards it (a flat area beside a mosaic, whose
edge makes its cells look like blocks), widened by the partial blocks at its
edges while they repeat its edge lines; flat cells fill it, and faint ones
that score high or step cleanly (never inside, often across their boundaries,
as a mosaic over a smooth sky does) stretch it, unless the grid is JPEG's
own. Pure numpy.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from plugins.restore import flat_runs
from plugins.restore import grid as pixel_grid

MIN_BLOCK, MAX_BLOCK = 4, 40  # block sizes looked for, pixels
MIN_CELLS = 6  # a mosaic shows at least this many blocks along each side
CELL_SCORE = 0.8  # a cell whose inside is this much quieter than its boundaries is a mosaic's
NEUTRAL_SCORE = 0.7  # a cell scoring this says neither way
BAD_CELL, FLAT_CELL = -2.0, -0.2  # weights of a cell that is no mosaic's and of one too flat to tell
QUIET = 6.0  # mean boundary step (x3 luma) below which a cell says nothing (a flat area)
FAINT, FAINT_CELL = 2.0, 0.5  # a flat cell with this much contrast that scores high counts this much
STEP = 2  # a step of luma (x3) this large is more than rounding
CLEAN_INSIDE, CLEAN_ACROSS = 0.02, 0.3  # a clean cell's share of inside pairs / of boundary pairs that step
CLEAN_BLOCK = 8  # ... on grids of at least this block size (smaller cells have too few inside pairs to tell)

Box = tuple[int, int, int, int]  # x0, y0, x1, y1


def _inner_pairs(block: np.ndarray) -> np.ndarray:
    """Which neighbouring pairs (i, i+1) along an axis lie inside one cell, away from its edge pixels
    (`block`: the cell index of each pixel)."""
    same = block[1:] == block[:-1]
    first = np.concatenate([[True], ~same])  # the first pixel of its cell
    last = np.concatenate([~same, [True]])
    return same & ~first[:-1] & ~last[1:]


class Cells(NamedTuple):
    """What cell_scores tells of each cell of a grid (arrays of rows x columns of cells)."""

    score: np.ndarray  # see the module; 0 where contrast is 0
    contrast: np.ndarray  # mean step across its boundaries, 0 where it has no inside or no boundary
    clean: np.ndarray  # its inside (almost) never steps by STEP while its boundaries often do
    starts_x: np.ndarray  # the first pixel of each column of cells
    starts_y: np.ndarray  # ... and of each row


def cell_scores(luma: np.ndarray, grid: pixel_grid.Grid) -> Cells:
    """Per cell of `grid` on `luma`: its score, contrast and whether its steps are clean (see Cells). A
    cell of contrast below QUIET says nothing by its score (a flat area); a clean one is a faint mosaic's
    block, whose boundaries step by a level or two all along while JPEG noise over a smooth area steps
    here and there, inside cells as often as across their boundaries."""
    lum = luma.astype(np.float32)
    bx = np.floor((np.arange(lum.shape[1]) + 0.5 - grid.offset_x) / grid.size_x).astype(np.int64)
    by = np.floor((np.arange(lum.shape[0]) + 0.5 - grid.offset_y) / grid.size_y).astype(np.int64)
    bx -= bx[0]
    by -= by[0]
    nx, ny = int(bx[-1]) + 1, int(by[-1]) + 1
    # inside pairs leave out each cell's edge pixels: a non-integer grid rounds its boundaries either way
    keep_x, keep_y = (_inner_pairs(b) if size >= MIN_BLOCK else b[1:] == b[:-1]
                      for b, size in ((bx, grid.size_x), (by, grid.size_y)))
    inside, across = np.zeros((3, ny * nx)), np.zeros((3, ny * nx))  # sums of steps, pairs, pairs that step
    for steps, cells_a, cells_b, keep in (
            (np.abs(np.diff(lum, axis=1)), by[:, None] * nx + bx[None, :-1], by[:, None] * nx + bx[None, 1:],
             np.broadcast_to(keep_x[None, :], (len(by), len(keep_x)))),
            (np.abs(np.diff(lum, axis=0)), by[:-1, None] * nx + bx[None, :], by[1:, None] * nx + bx[None, :],
             np.broadcast_to(keep_y[:, None], (len(keep_y), len(bx))))):
        values, a, b = steps.ravel(), cells_a.ravel(), cells_b.ravel()
        weights = (values, np.ones_like(values), (values >= STEP).astype(np.float64))
        inner, apart = keep.ravel(), (cells_a != cells_b).ravel()
        inner_cells, inner_weights = a[inner], [w[inner] for w in weights]
        inside += [np.bincount(inner_cells, w, ny * nx) for w in inner_weights]
        apart_weights = [w[apart] for w in weights]
        for cells in (a[apart], b[apart]):
            across += [np.bincount(cells, w, ny * nx) for w in apart_weights]
    mean_in, mean_across = inside[0] / np.maximum(inside[1], 1), across[0] / np.maximum(across[1], 1)
    contrast = np.where((inside[1] > 0) & (across[1] > 0), mean_across, 0.0)
    score = np.where(contrast > 0, 1 - mean_in / np.maximum(mean_across, 1e-6), 0.0)
    clean = (inside[2] <= CLEAN_INSIDE * inside[1]) & (across[2] >= CLEAN_ACROSS * across[1]) & (contrast > 0)
    clean &= min(grid.size_x, grid.size_y) >= CLEAN_BLOCK
    starts_x = np.flatnonzero(np.diff(bx, prepend=-1))
    starts_y = np.flatnonzero(np.diff(by, prepend=-1))
    return Cells(score.reshape(ny, nx), contrast.reshape(ny, nx), clean.reshape(ny, nx), starts_x, starts_y)


def _cell_rectangle(score: np.ndarray, contrast: np.ndarray, clean: np.ndarray,
                    faint: bool) -> tuple[int, int, int, int] | None:
    """(row0, row1, col0, col1): the rectangle of cells with the largest summed weight, a cell weighing
    +1 from CELL_SCORE up, 0 at NEUTRAL_SCORE and down to BAD_CELL below, a flat cell FLAT_CELL (flat
    cells may fill a mosaic, never stretch it), except, with `faint`, a flat cell of contrast from
    FAINT up that scores CELL_SCORE, or a clean one: FAINT_CELL (faint blocks over a smooth area
    stretch it); None when no cell is clearly a mosaic's."""
    says = contrast >= QUIET
    if not (says & (score >= CELL_SCORE)).any():
        return None
    faint_block = ((contrast >= FAINT) & (score >= CELL_SCORE)) | clean
    flat = np.where(faint & faint_block, FAINT_CELL, FLAT_CELL)
    weight = np.where(says, np.clip((score - NEUTRAL_SCORE) / (CELL_SCORE - NEUTRAL_SCORE), BAD_CELL, 1.0), flat)
    rows, cols = weight.shape
    best, where = 0.0, None
    for r0 in range(rows):
        sums = np.cumsum(weight[r0:], axis=0)  # column sums of rows r0..r1, per r1
        prefix = np.concatenate([np.zeros((rows - r0, 1)), np.cumsum(sums, axis=1)], axis=1)
        low = np.minimum.accumulate(prefix, axis=1)
        gain = prefix[:, 1:] - low[:, :-1]  # best sum ending at column c
        r1, c1 = np.unravel_index(int(np.argmax(gain)), gain.shape)
        if gain[r1, c1] > best:
            c0 = int(np.argmin(prefix[r1, :c1 + 1]))
            best, where = float(gain[r1, c1]), (r0, r0 + int(r1) + 1, c0, int(c1) + 1)
    return where


def _widen(luma: np.ndarray, lo: int, hi: int, size: float, axis: int) -> tuple[int, int]:
    """[lo, hi) along `axis` (1: columns) grown over the partial blocks at each end: pixel lines that
    differ from the mosaic's edge line as little as a cell's neighbouring pixels do (a partial block
    repeats its edge; a smooth area beside the mosaic drifts away from it)."""
    lines = luma.astype(np.float32) if axis == 1 else luma.astype(np.float32).T
    steps = np.abs(np.diff(lines, axis=1)).mean(axis=0)  # steps[j]: between pixel j and j+1
    inner = steps[lo:hi - 1]
    quiet = max(float(np.median(inner)) * 2 if len(inner) else 0.0, flat_runs.FLAT / 3)

    def off(j: int, edge: int) -> float:  # how far pixel line j is from the mosaic's edge line
        return float(np.abs(lines[:, j] - lines[:, edge]).mean())
    reach, edge = int(math.ceil(size)) - 1, lo
    while reach and lo > 0 and off(lo - 1, edge) <= quiet:
        lo, reach = lo - 1, reach - 1
    reach, edge = int(math.ceil(size)) - 1, hi - 1
    while reach and hi < lines.shape[1] and off(hi, edge) <= quiet:
        hi, reach = hi + 1, reach - 1
    return lo, hi


def shifted(grid: pixel_grid.Grid, x: int, y: int) -> pixel_grid.Grid:
    """`grid` as seen from pixel (x, y): offsets in [0, size)."""
    return pixel_grid.Grid(grid.size_x, (grid.offset_x - x) % grid.size_x,
                           grid.size_y, (grid.offset_y - y) % grid.size_y, grid.strength)


def on_jpeg_lines(size: float, offset: float) -> bool:
    """True when the lines of one axis of a grid (image coordinates) lie within a pixel of JPEG's 8 px lines."""
    return pixel_grid.off_period(size, 8) <= 0.05 and pixel_grid.off_period(offset, 8) <= 1.0


def _on_jpeg_grid(grid: pixel_grid.Grid) -> bool:
    """True when every line of the grid (image coordinates) lies within a pixel of a line of JPEG's 8x8
    grid, whose blocks (and 16 px colour blocks) are as flat as a mosaic's in smooth areas."""
    return on_jpeg_lines(grid.size_x, grid.offset_x) and on_jpeg_lines(grid.size_y, grid.offset_y)


def _step(lum: np.ndarray, line: int, span: slice) -> float:
    """Mean step across the boundary between pixel rows line - 1 and line over the columns of `span`,
    or across one of its neighbours where that is larger (a non-integer grid rounds its lines either
    way); 0 where the line is the image's edge or the span is empty."""
    steps = [np.abs(lum[at, span] - lum[at - 1, span]) for at in (line - 1, line, line + 1) if 0 < at < lum.shape[0]]
    return max(float(step.mean()) for step in steps) if 0 < line < lum.shape[0] and steps[0].size else 0.0


def _rim(lum: np.ndarray, band: tuple[int, int], span: slice, lines: np.ndarray, outward: int, inward: int) -> bool:
    """True when a row of cells (pixel rows `band`, columns `span`, inner grid lines `lines`) steps only
    across the boundary towards the mosaic (pixel row `inward`): a flat area beside a mosaic, whose cells
    look like blocks because the mosaic's edge borders them."""
    inner = lum[band[0] + 1:max(band[1] - 1, band[0] + 2)].T  # its edge pixel rows may lie over the next row
    along = float(np.mean([_step(inner, int(line), slice(None)) for line in lines] or [0.0]))
    return max(along, _step(lum, outward, span)) < QUIET <= _step(lum, inward, span)


def _without_rims(local: np.ndarray, cells: tuple[int, int, int, int], bounds_x: np.ndarray,
                  bounds_y: np.ndarray) -> tuple[int, int, int, int]:
    """The cell rectangle (row0, row1, col0, col1) less a rim row or column at each side (see _rim)."""
    lum = local.astype(np.float32)
    r0, r1, c0, c1 = cells
    for transposed in (False, True):
        image, (lo, hi), (a, b) = (lum.T, (c0, c1), (r0, r1)) if transposed else (lum, (r0, r1), (c0, c1))
        along, across = (bounds_y, bounds_x) if transposed else (bounds_x, bounds_y)
        span, lines = slice(int(along[a]), int(along[b])), along[a + 1:b].astype(np.int64)
        if hi - lo > MIN_CELLS and _rim(image, (across[lo], across[lo + 1]), span, lines, across[lo], across[lo + 1]):
            lo += 1
        if hi - lo > MIN_CELLS and _rim(image, (across[hi - 1], across[hi]), span, lines, across[hi], across[hi - 1]):
            hi -= 1
        if transposed:
            c0, c1 = lo, hi
        else:
            r0, r1 = lo, hi
    return r0, r1, c0, c1


def extent(luma: np.ndarray, grid: pixel_grid.Grid, area: Box) -> Box | None:
    """The mosaic of `grid` (image coordinates) inside `area` (x0, y0, x1, y1): (x0, y0, x1, y1) or None."""
    x0, y0, x1, y1 = area
    local = luma[y0:y1, x0:x1]
    score, contrast, clean, starts_x, starts_y = cell_scores(local, shifted(grid, x0, y0))
    cells = _cell_rectangle(score, contrast, clean, not _on_jpeg_grid(grid))
    if cells is None:
        return None
    bounds_x, bounds_y = np.append(starts_x, x1 - x0), np.append(starts_y, y1 - y0)
    r0, r1, c0, c1 = _without_rims(local, cells, bounds_x, bounds_y)
    left, right = _widen(local, int(bounds_x[c0]), int(bounds_x[c1]), grid.size_x, 1)
    top, bottom = _widen(local, int(bounds_y[r0]), int(bounds_y[r1]), grid.size_y, 0)
    return x0 + left, y0 + top, x0 + right, y0 + bottom
