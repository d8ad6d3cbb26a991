"""Where a sharp photo holds pixel mosaics: axis-aligned rectangles that are constant on the cells of a grid.

Pure numpy/scipy on HxWxC uint8 arrays, in three steps:
1. Candidates: dense patches of short flat runs aligned from line to line
   (plugins.restore.flat_runs), looked for again with a lower step
   threshold, away from the mosaics found, for faint mosaics over smooth areas.
2. Grid. The grid detector (plugins.restore.grid) fits block size and offset
   on each candidate, cropped on JPEG's 8 px grid so that its JPEG-step
   removal lines up. A candidate a few blocks across may show a fraction of
   the block size: a multiple whose lines step far more often (the
   fraction's other lines run inside blocks) replaces it, and the grid is
   looked for again on the mosaic found.
3. Extent. Each cell of that grid scores 1 - (mean step between neighbouring
   pixels inside it) / (mean step across its boundaries): ~1 in a mosaic,
   ~0 in a photo whatever its texture. The run of cells that score high,
   trimmed to a rectangle, is the mosaic, widened by the partial blocks at
   its edges; flat cells fill it, and faint ones that score high stretch it
   (unless the grid is JPEG's own). What is left of a candidate is searched
   again, so mosaics of different block sizes that touch are each found.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from plugins.restore import flat_runs
from plugins.restore import grid as pixel_grid
from plugins.restore import raw_steps

MIN_BLOCK, MAX_BLOCK = 4, 40  # block sizes looked for, pixels
MIN_CELLS = 6  # a mosaic shows at least this many blocks along each side
FAINT_FLAT = 6  # the step threshold (flat_runs.FLAT: the first) of a second look for faint mosaics
POOL = flat_runs.POOL  # candidates are pools of POOL x POOL pixels
DENSE = 0.1  # share of mosaic-like pixels (over 5x5 pools) that makes a candidate
CELL_SCORE = 0.8  # a cell whose inside is this much quieter than its boundaries is a mosaic's
NEUTRAL_SCORE = 0.7  # a cell scoring this says neither way
BAD_CELL, FLAT_CELL = -2.0, -0.2  # weights of a cell that is no mosaic's and of one too flat to tell
QUIET = 6.0  # mean boundary step (x3 luma) below which a cell says nothing (a flat area)
FAINT, FAINT_CELL = 2.0, 0.5  # a flat cell with this much contrast that scores high counts this much
MIN_STRENGTH = 0.4  # a candidate's grid strength worth scoring cells for (the cells then decide)
GROW_STEPS = 8  # times the area around a candidate grows while its mosaic reaches the area's edge
MAX_MULTIPLE = 4  # block sizes up to this multiple of the detected one are tried
SMALL_READ_MULTIPLE = 6  # ... up to this one for a grid read below MIN_BLOCK (surely a fraction of the blocks)
STEPPED = 0.25  # a grid line steps when its edge profile reaches this share of the strongest lines' (90th pct)
FRACTION_STEPS = 1.6  # a multiple whose lines step this many times as often shows the grid was a fraction
FRACTION_CELLS = 3  # ... looked for on candidates this many of the multiple's blocks across
FRACTION_SCORE = 0.5  # ... on candidates whose cells score this on average (mostly mosaic)
SMALL_READ_STEPPED = 0.6  # a grid read below MIN_BLOCK is kept (as a multiple) when this share of its lines step
MAX_TRIES = 64  # candidates examined per image at most: bounds the time on a photo full of texture


@dataclass(frozen=True)
class Mosaic:
    """One mosaic: its rectangle (pixels) and its grid, in the coordinates of the whole image."""

    x: int
    y: int
    w: int
    h: int
    grid: pixel_grid.Grid

    @property
    def region(self) -> tuple[int, int, int, int]:
        return self.x, self.y, self.w, self.h

    @property
    def block(self) -> float:
        return (self.grid.size_x + self.grid.size_y) / 2

    def covers(self, width: int, height: int) -> bool:
        """True when the mosaic reaches within a block of every edge of a width x height image."""
        reach = math.ceil(self.block)
        return (self.x <= reach and self.y <= reach and self.x + self.w >= width - reach
                and self.y + self.h >= height - reach)

    def describe(self) -> str:
        """'40,56,120,104 (8 px blocks)'."""
        return f"{self.x},{self.y},{self.w},{self.h} ({self.block:.3g} px blocks)"


def _inner_pairs(block: np.ndarray) -> np.ndarray:
    """Which neighbouring pairs (i, i+1) along an axis lie inside one cell, away from its edge pixels
    (`block`: the cell index of each pixel)."""
    same = block[1:] == block[:-1]
    first = np.concatenate([[True], ~same])  # the first pixel of its cell
    last = np.concatenate([~same, [True]])
    return same & ~first[:-1] & ~last[1:]


def _cell_scores(luma: np.ndarray, grid: pixel_grid.Grid) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per cell of `grid` on `luma`: its score (see the module) and its contrast (mean step across its
    boundaries, 0 where it has no inside or no boundary), and the first pixel of each column and row
    of cells. A cell of contrast below QUIET says nothing (a flat area)."""
    lum = luma.astype(np.float32)
    bx = np.floor((np.arange(lum.shape[1]) + 0.5 - grid.offset_x) / grid.size_x).astype(np.int64)
    by = np.floor((np.arange(lum.shape[0]) + 0.5 - grid.offset_y) / grid.size_y).astype(np.int64)
    bx -= bx[0]
    by -= by[0]
    nx, ny = int(bx[-1]) + 1, int(by[-1]) + 1
    # inside pairs leave out each cell's edge pixels: a non-integer grid rounds its boundaries either way
    keep_x, keep_y = (_inner_pairs(b) if size >= MIN_BLOCK else b[1:] == b[:-1]
                      for b, size in ((bx, grid.size_x), (by, grid.size_y)))
    inside, inside_n = np.zeros(ny * nx), np.zeros(ny * nx)
    across, across_n = np.zeros(ny * nx), np.zeros(ny * nx)
    for steps, cells_a, cells_b, keep in (
            (np.abs(np.diff(lum, axis=1)), by[:, None] * nx + bx[None, :-1], by[:, None] * nx + bx[None, 1:],
             np.broadcast_to(keep_x[None, :], (len(by), len(keep_x)))),
            (np.abs(np.diff(lum, axis=0)), by[:-1, None] * nx + bx[None, :], by[1:, None] * nx + bx[None, :],
             np.broadcast_to(keep_y[:, None], (len(keep_y), len(bx))))):
        values, a, b = steps.ravel(), cells_a.ravel(), cells_b.ravel()
        flat_same, inner = (cells_a == cells_b).ravel(), keep.ravel()
        inside += np.bincount(a[inner], values[inner], ny * nx)
        inside_n += np.bincount(a[inner], minlength=ny * nx)
        for cells in (a, b):
            across += np.bincount(cells[~flat_same], values[~flat_same], ny * nx)
            across_n += np.bincount(cells[~flat_same], minlength=ny * nx)
    mean_in = inside / np.maximum(inside_n, 1)
    mean_across = across / np.maximum(across_n, 1)
    contrast = np.where((inside_n > 0) & (across_n > 0), mean_across, 0.0)
    score = np.where(contrast > 0, 1 - mean_in / np.maximum(mean_across, 1e-6), 0.0)
    starts_x = np.flatnonzero(np.diff(bx, prepend=-1))
    starts_y = np.flatnonzero(np.diff(by, prepend=-1))
    return score.reshape(ny, nx), contrast.reshape(ny, nx), starts_x, starts_y


def _cell_rectangle(score: np.ndarray, contrast: np.ndarray, faint: bool) -> tuple[int, int, int, int] | None:
    """(row0, row1, col0, col1): the rectangle of cells with the largest summed weight, a cell weighing
    +1 from CELL_SCORE up, 0 at NEUTRAL_SCORE and down to BAD_CELL below, a flat cell FLAT_CELL (flat
    cells may fill a mosaic, never stretch it), except, with `faint`, a flat cell of contrast from
    FAINT up that scores CELL_SCORE: FAINT_CELL (faint blocks over a smooth area stretch it);
    None when no cell is clearly a mosaic's."""
    says = contrast >= QUIET
    if not (says & (score >= CELL_SCORE)).any():
        return None
    flat = np.where(faint & (contrast >= FAINT) & (score >= CELL_SCORE), FAINT_CELL, FLAT_CELL)
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


def _shifted(grid: pixel_grid.Grid, x: int, y: int) -> pixel_grid.Grid:
    """`grid` as seen from pixel (x, y): offsets in [0, size)."""
    return pixel_grid.Grid(grid.size_x, (grid.offset_x - x) % grid.size_x,
                           grid.size_y, (grid.offset_y - y) % grid.size_y, grid.strength)


Box = tuple[int, int, int, int]  # x0, y0, x1, y1


def _on_jpeg_grid(grid: pixel_grid.Grid) -> bool:
    """True when every line of the grid (image coordinates) is a line of JPEG's 8x8 grid, whose blocks
    are as flat as a mosaic's in smooth areas."""
    return all(size % 8 == 0 and offset % 8 == 0
               for size, offset in ((grid.size_x, grid.offset_x), (grid.size_y, grid.offset_y)))


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


def _extent(luma: np.ndarray, grid: pixel_grid.Grid, area: Box) -> Box | None:
    """The mosaic of `grid` (image coordinates) inside `area` (x0, y0, x1, y1): (x0, y0, x1, y1) or None."""
    x0, y0, x1, y1 = area
    local = luma[y0:y1, x0:x1]
    score, contrast, starts_x, starts_y = _cell_scores(local, _shifted(grid, x0, y0))
    cells = _cell_rectangle(score, contrast, not _on_jpeg_grid(grid))
    if cells is None:
        return None
    bounds_x, bounds_y = np.append(starts_x, x1 - x0), np.append(starts_y, y1 - y0)
    r0, r1, c0, c1 = _without_rims(local, cells, bounds_x, bounds_y)
    left, right = _widen(local, int(bounds_x[c0]), int(bounds_x[c1]), grid.size_x, 1)
    top, bottom = _widen(local, int(bounds_y[r0]), int(bounds_y[r1]), grid.size_y, 0)
    return x0 + left, y0 + top, x0 + right, y0 + bottom


def _stepped_share(profiles: tuple[np.ndarray, np.ndarray], grid: pixel_grid.Grid) -> float:
    """Share of the grid's lines (both axes) across which the picture steps, by the edge profiles along
    x and y (entry i: the boundary at i + 1): near 1 on a mosaic's own grid and on its multiples, about
    1/k on a grid of 1/k its block size, whose other lines run inside blocks."""
    stepped, lines = 0, 0
    for profile, size, offset in zip(profiles, (grid.size_x, grid.size_y), (grid.offset_x, grid.offset_y)):
        at = offset + size * np.arange(math.ceil((1 - offset) / size), math.floor((len(profile) - offset) / size) + 1)
        if not len(at):
            continue
        low = np.clip(np.floor(at - 1).astype(np.int64), 0, len(profile) - 1)
        high = np.clip(np.ceil(at - 1).astype(np.int64), 0, len(profile) - 1)
        on = np.maximum(profile[low], profile[high])
        stepped += int((on > STEPPED * np.percentile(on, 90)).sum())
        lines += len(on)
    return stepped / lines if lines else 0.0


def _edge_profiles(luma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The edge profiles along x and y that _stepped_share reads."""
    return pixel_grid.edge_profile(luma, 1, flat_runs.FLAT), pixel_grid.edge_profile(luma, 0, flat_runs.FLAT)


def _coarsest(luma: np.ndarray, grid: pixel_grid.Grid) -> pixel_grid.Grid:
    """`grid`, or the multiple of its block size (at the best offset) that fits better: on a few large
    blocks the detector may take a fraction of their size. A multiple fits better when its cells score
    higher on average, or when many more of its lines step (a fraction's other lines run inside blocks)
    while its cells score about as well."""
    profiles = _edge_profiles(luma)

    def fit(candidate: pixel_grid.Grid) -> tuple[float, float]:
        score, contrast, _, _ = _cell_scores(luma, candidate)
        says = contrast >= QUIET
        return (float(score[says].mean()) if says.any() else 0.0), _stepped_share(profiles, candidate)
    best, (best_score, base_share) = grid, fit(grid)
    base_score = best_score
    small_read = (grid.size_x + grid.size_y) / 2 < MIN_BLOCK - 0.5
    for times in range(2, (SMALL_READ_MULTIPLE if small_read else MAX_MULTIPLE) + 1):
        if min(luma.shape) < FRACTION_CELLS * grid.size_x * times or grid.size_x * times > MAX_BLOCK + 1:
            break
        for shift_x in range(times):
            for shift_y in range(times):
                candidate = pixel_grid.Grid(grid.size_x * times, grid.offset_x + shift_x * grid.size_x,
                                            grid.size_y * times, grid.offset_y + shift_y * grid.size_y,
                                            grid.strength)
                score, share = fit(candidate)
                roomy = min(luma.shape) >= MIN_CELLS * grid.size_x * times
                fraction = base_score >= FRACTION_SCORE and share > FRACTION_STEPS * base_share
                if (roomy and score > best_score + 0.05) or (fraction and score > max(best_score, base_score - 0.1)):
                    best, best_score = candidate, score
    return best


def _squared(crop: np.ndarray, grid: pixel_grid.Grid) -> pixel_grid.Grid | None:
    """`grid` (read on `crop`) when square; when one axis reads a whole fraction (1/2 .. 1/MAX_MULTIPLE)
    of the other's block size, the square grid of the larger size with both offsets fitted again, when
    that shows as a grid (MIN_STRENGTH); else None."""
    ratio = max(grid.size_x, grid.size_y) / min(grid.size_x, grid.size_y)
    if ratio - 1 < pixel_grid.SQUARE_TOLERANCE:
        return grid
    times = round(ratio)
    if not 2 <= times <= MAX_MULTIPLE or abs(ratio / times - 1) >= pixel_grid.SQUARE_TOLERANCE:
        return None
    squared = pixel_grid.detect_grid(crop, max(grid.size_x, grid.size_y))
    return squared if squared.strength >= MIN_STRENGTH else None


def _examine(arr: np.ndarray, luma: np.ndarray, box: tuple[int, int, int, int]) -> Mosaic | None:
    """The mosaic around a candidate box (x0, y0, x1, y1) of the image, or None.

    A candidate is often a part of its mosaic only, which may show a fraction of
    its block size, so the grid is looked for again on the mosaic found, and
    that reading is kept when it finds a larger mosaic.
    """
    found = _examine_box(arr, luma, box)
    if found is None:
        return None
    again = _examine_box(arr, luma, (found.x, found.y, found.x + found.w, found.y + found.h))
    return again if again is not None and again.w * again.h > found.w * found.h else found


def _examine_box(arr: np.ndarray, luma: np.ndarray, box: tuple[int, int, int, int]) -> Mosaic | None:
    """The mosaic around a box (x0, y0, x1, y1) of the image, or None.

    The grid comes from the box; the extent from the cells around it, looked at
    in an area that grows while the mosaic reaches its edge.
    """
    x0, y0, x1, y1 = box
    x0, y0 = x0 - x0 % 8, y0 - y0 % 8  # JPEG's grid at the crop's corner, as the grid detector expects
    crop = arr[y0:y1, x0:x1]
    if min(crop.shape[:2]) < MIN_CELLS * MIN_BLOCK:
        return None
    grid = pixel_grid.detect_grid(crop)
    if not (math.isfinite(grid.size_x + grid.size_y) and grid.strength >= MIN_STRENGTH):
        return None
    grid = _squared(crop, grid)
    size = (grid.size_x + grid.size_y) / 2 if grid else math.inf
    if size > MAX_BLOCK + 1:
        return None
    read = size
    grid = _coarsest(luma[y0:y1, x0:x1], pixel_grid.snap(grid, x1 - x0, y1 - y0))
    size = (grid.size_x + grid.size_y) / 2
    if size < MIN_BLOCK - 0.5 or (read < MIN_BLOCK - 0.5 and _stepped_share(
            _edge_profiles(luma[y0:y1, x0:x1]), grid) < SMALL_READ_STEPPED):
        return None
    grid = _shifted(grid, -x0, -y0)
    height, width = luma.shape
    margin = int(math.ceil(3 * size))
    found = None
    for _ in range(GROW_STEPS):
        area = (max(x0 - margin, 0), max(y0 - margin, 0), min(x1 + margin, width), min(y1 + margin, height))
        found = _extent(luma, grid, area)
        if found is None:
            return None
        x0, y0, x1, y1 = found
        if all(abs(a - b) > size or a in (0, width, height) for a, b in zip(found, area)):
            break
    x0, y0, x1, y1 = found
    if min(x1 - x0, y1 - y0) < (MIN_CELLS - 0.5) * size:
        return None
    return Mosaic(x0, y0, x1 - x0, y1 - y0, grid)


def _overlap(a: Mosaic, b: Mosaic) -> bool:
    """True when two mosaics share any pixel."""
    return a.x < b.x + b.w and b.x < a.x + a.w and a.y < b.y + b.h and b.y < a.y + a.h


def _one_grid(a: pixel_grid.Grid, b: pixel_grid.Grid) -> bool:
    """True when two grids (image coordinates) put their lines within a pixel of each other."""
    def near(size_a: float, offset_a: float, size_b: float, offset_b: float) -> bool:
        apart = abs(offset_a - offset_b) % size_a
        return abs(size_a / size_b - 1) < 0.02 and min(apart, size_a - apart) <= 1.0
    return near(a.size_x, a.offset_x, b.size_x, b.offset_x) and near(a.size_y, a.offset_y, b.size_y, b.offset_y)


def _union(a: Mosaic, b: Mosaic) -> Mosaic:
    """The rectangle around two mosaics of one grid."""
    x, y = min(a.x, b.x), min(a.y, b.y)
    return Mosaic(x, y, max(a.x + a.w, b.x + b.w) - x, max(a.y + a.h, b.y + b.h) - y, a.grid)


def find_mosaics(arr: np.ndarray) -> list[Mosaic]:
    """Every axis-aligned rectangle of an HxWxC uint8 image that is a pixel mosaic, top to bottom.

    Candidates are looked for twice: with steps above flat_runs.FLAT, then, away from the
    mosaics found, with steps above FAINT_FLAT (faint blocks over smooth areas,
    which the first look takes for one long flat run).
    """
    luma = raw_steps.luma(arr)
    found: list[Mosaic] = []
    for flat in (flat_runs.FLAT, FAINT_FLAT):
        dense = ndimage.uniform_filter(flat_runs.density(luma, flat, 2 * MAX_BLOCK), 5) >= DENSE
        for mosaic in found:
            _clear(dense, mosaic)
        _search(arr, luma, dense, found)
    return sorted(found, key=lambda m: (m.y, m.x))


def _clear(dense: np.ndarray, mosaic: Mosaic) -> None:
    """Drop the candidate pools within a block of a found mosaic."""
    pad = int(math.ceil(mosaic.block))
    dense[max(mosaic.y - pad, 0) // POOL:(mosaic.y + mosaic.h + pad) // POOL + 1,
          max(mosaic.x - pad, 0) // POOL:(mosaic.x + mosaic.w + pad) // POOL + 1] = False


def _search(arr: np.ndarray, luma: np.ndarray, dense: np.ndarray, found: list[Mosaic]) -> None:
    """Examine the candidates of `dense` (pools), largest first, adding the mosaics they hold to `found`."""
    height, width = luma.shape
    for _ in range(MAX_TRIES):
        labels, _ = ndimage.label(dense)
        boxes = [(index, rows, cols) for index, (rows, cols) in enumerate(ndimage.find_objects(labels), 1)
                 if min(rows.stop - rows.start, cols.stop - cols.start) * POOL >= MIN_CELLS * MIN_BLOCK - POOL]
        if not boxes:
            break
        index, rows, cols = max(boxes, key=lambda b: (b[1].stop - b[1].start) * (b[2].stop - b[2].start))
        box = (max(cols.start * POOL - POOL, 0), max(rows.start * POOL - POOL, 0),
               min(cols.stop * POOL + POOL, width), min(rows.stop * POOL + POOL, height))
        mosaic = _examine(arr, luma, box)
        dense[labels == index] = False
        if mosaic is None:
            continue
        same = [other for other in found if _overlap(mosaic, other)]
        if same and all(_one_grid(other.grid, mosaic.grid) for other in same):
            # parts of one mosaic parted by flat cells: one rectangle
            for other in same:
                found.remove(other)
                mosaic = _union(mosaic, other)
        elif same:
            continue
        found.append(mosaic)
        _clear(dense, mosaic)
