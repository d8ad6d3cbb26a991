"""Where a sharp photo holds pixel mosaics: axis-aligned rectangles that are constant on the cells of a grid.

Pure numpy/scipy on HxWxC uint8 arrays, in three steps:
1. Candidates: dense patches of short flat runs aligned from line to line
   (plugins.restore.flat_runs), looked for again with lower step
   thresholds, away from the mosaics found, for faint mosaics over smooth
   areas; the faintest look keeps no grid that could be JPEG's own.
2. Grid. The grid detector (plugins.restore.grid) fits block size and offset
   on each candidate, cropped on JPEG's 8 px grid so that its JPEG-step
   removal lines up; a grid read too weakly to count is read again at
   its multiples (large blocks read as a fraction, at an offset between
   their lines). A candidate a few blocks across may show a fraction of
   the block size (along both axes, even below MIN_BLOCK, or along one): a
   multiple whose lines step far more often (the fraction's other lines run
   inside blocks) replaces it, and the grid is looked for again on the
   mosaic found.
3. Extent (plugins.restore.mosaic_extent): the rectangle of that grid's
   cells that look like a mosaic's blocks, widened by its partial blocks.
   What is left of a candidate is searched again, so mosaics of different
   block sizes that touch are each found.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from plugins.restore import flat_runs, mosaic_extent
from plugins.restore import grid as pixel_grid
from plugins.restore import raw_steps
from plugins.restore.mosaic_extent import MAX_BLOCK, MIN_BLOCK, MIN_CELLS

LOOKS = (flat_runs.FLAT, 6, 3, 2)  # step thresholds of the looks for candidates: plain, faint, fainter, faintest
POOL = flat_runs.POOL  # candidates are pools of POOL x POOL pixels
DENSE = 0.1  # share of mosaic-like pixels (over 5x5 pools) that makes a candidate
MIN_STRENGTH = 0.4  # a candidate's grid strength worth scoring cells for (the cells then decide)
GROW_STEPS = 8  # times the area around a candidate grows while its mosaic reaches the area's edge
MAX_MULTIPLE = 4  # block sizes up to this multiple of the detected one are tried
FRACTION_MULTIPLE = 6  # ... up to this one when its lines step far more often (see _coarsest)
FULL_SHARE = 0.8  # a grid this share of whose lines step is no fraction: no multiple is tried
STEPPED = 0.25  # a grid line steps when its edge profile reaches this share of the strongest lines' (90th pct)
FRACTION_STEPS = 1.6  # a multiple whose lines step this many times as often shows the grid was a fraction
FRACTION_CELLS = 3  # ... looked for on candidates this many of the multiple's blocks across
FRACTION_SCORE = 0.5  # ... on candidates whose cells score this on average (mostly mosaic)
SMALL_READ_STEPPED = 0.6  # a grid read below MIN_BLOCK is kept (as a multiple) when this share of its lines step
MULTIPLE_STRENGTH = 0.15  # a multiple read again replaces a grid when it shows this much more strongly
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


def _coarsest(luma: np.ndarray, grid: pixel_grid.Grid) -> pixel_grid.Grid | None:
    """`grid`, or the multiple of its block size (at the best offset) that fits better: on a few large
    blocks the detector may take a fraction of their size. None is tried when most of the grid's lines
    step (FULL_SHARE: a fraction's other lines run inside blocks). A multiple fits better when its cells
    score higher on average, or when many more of its lines step while its cells score about as well;
    beyond MAX_MULTIPLE only the latter, only when most of its lines step and, when a nearer multiple
    fitted better, it is a multiple of that one whose lines step far more often too (a multiple of
    the blocks steps as often as the blocks). A grid read below MIN_BLOCK is surely a fraction: None
    unless it comes to a multiple of at least MIN_BLOCK whose lines mostly step (SMALL_READ_STEPPED)."""
    profiles = (pixel_grid.edge_profile(luma, 1, flat_runs.FLAT), pixel_grid.edge_profile(luma, 0, flat_runs.FLAT))

    def fit(candidate: pixel_grid.Grid) -> tuple[float, float]:
        score, contrast, *_ = mosaic_extent.cell_scores(luma, candidate)
        says = contrast >= mosaic_extent.QUIET
        return (float(score[says].mean()) if says.any() else 0.0), _stepped_share(profiles, candidate)
    best, (best_score, base_share) = grid, fit(grid)
    base_score, best_share, best_times = best_score, base_share, 1
    small_read = (grid.size_x + grid.size_y) / 2 < MIN_BLOCK - 0.5
    for times in range(2, FRACTION_MULTIPLE + 1 if base_share < FULL_SHARE else 2):
        if min(luma.shape) < FRACTION_CELLS * grid.size_x * times or grid.size_x * times > MAX_BLOCK + 1:
            break
        for shift_x in range(times):
            for shift_y in range(times):
                candidate = pixel_grid.Grid(grid.size_x * times, grid.offset_x + shift_x * grid.size_x,
                                            grid.size_y * times, grid.offset_y + shift_y * grid.size_y,
                                            grid.strength)
                score, share = fit(candidate)
                near = small_read or times <= MAX_MULTIPLE
                roomy = near and min(luma.shape) >= MIN_CELLS * grid.size_x * times
                # far ones only when most of their lines step, and as a fraction of the best so far too
                far_ok = share >= SMALL_READ_STEPPED and times % best_times == 0 and share > FRACTION_STEPS * best_share
                fraction = (base_score >= FRACTION_SCORE and share > FRACTION_STEPS * base_share
                            and (near or far_ok))
                if (roomy and score > best_score + 0.05) or (fraction and score > max(best_score, base_score - 0.1)):
                    best, best_score, best_share, best_times = candidate, score, share, times
    if small_read and ((best.size_x + best.size_y) / 2 < MIN_BLOCK - 0.5 or best_share < SMALL_READ_STEPPED):
        return None
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


def _stronger_multiple(crop: np.ndarray, grid: pixel_grid.Grid) -> pixel_grid.Grid:
    """`grid`, or a multiple of its block size (2 .. MAX_MULTIPLE, offsets fitted again) that shows
    clearly more strongly on `crop`: the size detector may read half or a third of large blocks at an
    offset between their lines, from which no multiple at the fraction's offsets lines up."""
    best = grid
    for times in range(2, MAX_MULTIPLE + 1):
        size = (grid.size_x + grid.size_y) / 2 * times
        if size > MAX_BLOCK + 1 or min(crop.shape[:2]) < FRACTION_CELLS * size:
            break
        candidate = pixel_grid.detect_grid(crop, size)
        if candidate.strength > best.strength + MULTIPLE_STRENGTH:
            best = candidate
    return best


def _examine(arr: np.ndarray, luma: np.ndarray, box: tuple[int, int, int, int]) -> Mosaic | None:
    """The mosaic around a candidate box (x0, y0, x1, y1) of the image, or None.

    A candidate is often a part of its mosaic only, which may show a fraction of
    its block size, so the grid is looked for again on the mosaic found, and
    that reading is kept when it finds a larger mosaic, unless it puts blocks of
    the same size on other lines (no fraction was mended: the first reading
    found the mosaic, the second one's lines run through its blocks).
    """
    found = _examine_box(arr, luma, box)
    if found is None:
        return None
    again = _examine_box(arr, luma, (found.x, found.y, found.x + found.w, found.y + found.h))
    if again is None or again.w * again.h <= found.w * found.h:
        return found
    moved = abs(again.block / found.block - 1) < 0.02 and not _one_grid(again.grid, found.grid)
    return found if moved else again


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
    if not math.isfinite(grid.size_x + grid.size_y):
        return None
    if grid.strength < MIN_STRENGTH:
        grid = _stronger_multiple(crop, grid)
        if grid.strength < MIN_STRENGTH:
            return None
    grid = _squared(crop, grid)
    if grid is None or (grid.size_x + grid.size_y) / 2 > MAX_BLOCK + 1:
        return None
    grid = _coarsest(luma[y0:y1, x0:x1], pixel_grid.snap(grid, x1 - x0, y1 - y0))
    if grid is None:
        return None
    grid = mosaic_extent.shifted(grid, -x0, -y0)
    size = (grid.size_x + grid.size_y) / 2
    height, width = luma.shape
    margin = int(math.ceil(3 * size))
    found = None
    for _ in range(GROW_STEPS):
        area = (max(x0 - margin, 0), max(y0 - margin, 0), min(x1 + margin, width), min(y1 + margin, height))
        found = mosaic_extent.extent(luma, grid, area)
        if found is None:
            return None
        x0, y0, x1, y1 = found
        if all(abs(a - b) > size or a in (0, width, height) for a, b in zip(found, area)):
            break
    x0, y0, x1, y1 = found
    if min(x1 - x0, y1 - y0) < MIN_CELLS * size - 1:  # a pixel of rounding on a non-integer grid
        return None
    return Mosaic(x0, y0, x1 - x0, y1 - y0, grid)


def _overlap(a: Mosaic, b: Mosaic) -> bool:
    """True when two mosaics share any pixel."""
    return a.x < b.x + b.w and b.x < a.x + a.w and a.y < b.y + b.h and b.y < a.y + a.h


def _one_grid(a: pixel_grid.Grid, b: pixel_grid.Grid) -> bool:
    """True when two grids (image coordinates) put their lines within a pixel of each other."""
    def near(size_a: float, offset_a: float, size_b: float, offset_b: float) -> bool:
        return abs(size_a / size_b - 1) < 0.02 and pixel_grid.off_period(offset_a - offset_b, size_a) <= 1.0
    return near(a.size_x, a.offset_x, b.size_x, b.offset_x) and near(a.size_y, a.offset_y, b.size_y, b.offset_y)


def _union(a: Mosaic, b: Mosaic) -> Mosaic:
    """The rectangle around two mosaics of one grid."""
    x, y = min(a.x, b.x), min(a.y, b.y)
    return Mosaic(x, y, max(a.x + a.w, b.x + b.w) - x, max(a.y + a.h, b.y + b.h) - y, a.grid)


def find_mosaics(arr: np.ndarray) -> list[Mosaic]:
    """Every axis-aligned rectangle of an HxWxC uint8 image that is a pixel mosaic, top to bottom.

    Candidates are looked for with each step threshold of LOOKS in turn, each away from the
    mosaics found before (faint blocks over smooth areas, which a look with a higher
    threshold takes for one long flat run).
    """
    luma = raw_steps.luma(arr)
    found: list[Mosaic] = []
    for flat in LOOKS:
        dense = ndimage.uniform_filter(flat_runs.density(luma, flat, 2 * MAX_BLOCK), 5) >= DENSE
        for mosaic in found:
            _clear(dense, mosaic)
        _search(arr, luma, dense, found, flat == LOOKS[-1])
    return sorted(found, key=lambda m: (m.y, m.x))


def _clear(dense: np.ndarray, mosaic: Mosaic) -> None:
    """Drop the candidate pools within a block of a found mosaic."""
    pad = int(math.ceil(mosaic.block))
    dense[max(mosaic.y - pad, 0) // POOL:(mosaic.y + mosaic.h + pad) // POOL + 1,
          max(mosaic.x - pad, 0) // POOL:(mosaic.x + mosaic.w + pad) // POOL + 1] = False


def _like_jpeg(grid: pixel_grid.Grid) -> bool:
    """True when the grid (image coordinates) could be JPEG's own: its lines along either axis within a
    pixel of JPEG's 8 px lines, or along both axes through the image's corner, as the 8 px lines of a
    photo this one was scaled from are. A strongly compressed smooth area shows flat blocks there."""
    axes = ((grid.size_x, grid.offset_x), (grid.size_y, grid.offset_y))
    return (any(mosaic_extent.on_jpeg_lines(size, offset) for size, offset in axes)
            or all(pixel_grid.off_period(offset, size) <= 1.0 for size, offset in axes))


def _search(arr: np.ndarray, luma: np.ndarray, dense: np.ndarray, found: list[Mosaic], faintest: bool) -> None:
    """Examine the candidates of `dense` (pools), largest first, adding the mosaics they hold to `found`;
    the `faintest` look keeps none whose grid could be JPEG's own (_like_jpeg)."""
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
        if mosaic is None or (faintest and _like_jpeg(mosaic.grid)):
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
