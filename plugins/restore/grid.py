"""The pixel grid of an image pixelated elsewhere: block size and offset (plugins.restore.blocks reads its blocks).

Pure numpy on HxWxC uint8 arrays. A pixelated image is a low-resolution
image blown up with nearest neighbour, so along each axis the pixel values
only change at block boundaries, spaced by the block size (any real number:
PIL and browsers scale by non-integer factors) from an offset (the grid need
not start at the image's corner). Each axis is fitted on its edge profile
(how much neighbouring columns, or rows, differ beyond JPEG-sized noise):
candidate block sizes come from the profile's spectrum; the size and offset
whose boundaries best split the profile into strong boundaries and quiet
block interiors win (a likelihood: a multiple of the true size leaves
boundaries among the interiors, a fraction puts interiors among the
boundaries), then a least-squares fit to the boundaries seen polishes them.
The strength (medians on and off the boundaries) says whether the image
shows a grid at all. On whole block sizes the restore command then puts an
offset left between two pixels on the one where the mosaic steps
(whole_offsets): through JPEG the fit may settle between the mosaic's
boundaries and JPEG's own.

Coordinates are continuous: pixel x covers [x, x+1) and belongs to block k
when its centre x + 0.5 lies in [offset + k*size, offset + (k+1)*size),
which is how PIL's nearest upscale assigns pixels.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from plugins.restore import raw_steps

MIN_BLOCK = 2.0  # smaller blocks are not told apart from texture
MIN_BLOCKS = 6  # a grid must show at least this many blocks along each axis
MIN_STRENGTH = 0.7  # grid strength (see _strength) that counts as a pixel grid
# JPEG leaves its own 8x8 grid at the corner; a grid like that must show more clearly
# (a photo pixelated to 8 px blocks at the corner keeps strength ~1 through JPEG)
JPEG_BLOCK, JPEG_STRENGTH = 8.0, 0.9
_ROWS_PER_CHUNK = 256  # bounds the memory of the edge profile on large images
TIE = 0.2  # pixels: a boundary this close to a half pixel may be rounded either way
POLISH_KEEP = 0.95  # a polished fit is kept while it keeps this share of the coarse fit's gain
DEAD_ZONE = 8  # grey levels summed over channels: below this a step is noise
SQUARE_TOLERANCE = 0.05  # relative size difference under which a grid counts as square
MIN_SQUARE_BLOCK = 3.0  # square grids are searched from this block size ...
MIN_SQUARE_BLOCKS = 16  # ... up to the size that leaves this many blocks along the shorter side
FLOOR = 0.05  # profile value below which means are not told apart (PNG interiors are exactly 0)


@dataclass(frozen=True)
class AxisFit:
    """The grid along one axis: block size and offset (pixels) and how clearly it shows (0..1)."""

    size: float
    offset: float
    strength: float


@dataclass(frozen=True)
class Grid:
    """A pixel grid: block size and offset along x (columns) and y (rows), and its weaker strength."""

    size_x: float
    offset_x: float
    size_y: float
    offset_y: float
    strength: float

    @classmethod
    def from_axes(cls, x: AxisFit, y: AxisFit) -> "Grid":
        return cls(x.size, x.offset, y.size, y.offset, min(x.strength, y.strength))

    @property
    def like_jpeg(self) -> bool:
        """True when the grid is JPEG's own: 8 px blocks starting at the corner."""
        return all(abs(size - JPEG_BLOCK) < 0.05 and min(offset % JPEG_BLOCK, -offset % JPEG_BLOCK) < 0.75
                   for size, offset in ((self.size_x, self.offset_x), (self.size_y, self.offset_y)))

    @property
    def found(self) -> bool:
        """True when both axes show a grid clearly enough to be a pixelated image."""
        return self.strength >= (JPEG_STRENGTH if self.like_jpeg else MIN_STRENGTH)

    def describe(self) -> str:
        """'blocks 4.37x4.37 px, offset (1.2, 3.0)': offsets in [0, size), where the first whole block starts."""
        def start(offset: float, size: float) -> float:
            offset %= size
            return 0.0 if size - offset < 0.05 else offset
        return (f"blocks {self.size_x:.2f}x{self.size_y:.2f} px, "
                f"offset ({start(self.offset_x, self.size_x):.1f}, {start(self.offset_y, self.size_y):.1f})")


def off_period(value: float, period: float) -> float:
    """How far `value` lies from the nearest multiple of `period` (a grid line's distance from another
    grid's lines)."""
    apart = value % period
    return min(apart, period - apart)


def edge_profile(arr: np.ndarray, axis: int, dead_zone: int = DEAD_ZONE) -> np.ndarray:
    """Mean over lines of max(0, |difference| summed over channels - dead_zone) between neighbours.

    axis 1: entry i compares columns i and i+1 (length W-1); axis 0: rows.
    The dead zone drops JPEG noise and its 8x8 block steps in flat areas.
    """
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if axis == 0:
        arr = arr.transpose(1, 0, 2)
    total = np.zeros(arr.shape[1] - 1, dtype=np.float64)
    for start in range(0, arr.shape[0], _ROWS_PER_CHUNK):
        chunk = arr[start:start + _ROWS_PER_CHUNK].astype(np.int16)
        step = np.abs(np.diff(chunk, axis=1)).sum(axis=2)
        total += np.maximum(step - dead_zone, 0).sum(axis=0, dtype=np.float64)
    return total / arr.shape[0]


def _boundaries(profile: np.ndarray, size: float, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Profile indices of the predicted boundaries for each offset, and which of them lie inside.

    The first pixel of block k is ceil(offset + k*size - 0.5), except near a tie
    (that value within TIE of a half pixel), where scalers round either way:
    there the stronger of the two pixels is taken. Shape (len(offsets), blocks).
    """
    length = len(profile) + 1
    k = np.arange(-1, int(length / size) + 2)
    c = offsets[:, None] + k[None, :] * size - 0.5
    j = np.ceil(c).astype(np.int64)
    near = np.rint(c).astype(np.int64)
    tie = np.abs(c - near) < TIE
    lower = profile[np.clip(near - 1, 0, len(profile) - 1)]
    upper = profile[np.clip(near, 0, len(profile) - 1)]
    j = np.where(tie, np.where((upper > lower) & (near + 1 <= length - 1) | (near < 1), near + 1, near), j)
    inside = (j >= 1) & (j <= length - 1)
    return np.clip(j - 1, 0, len(profile) - 1), inside


def _gains(profile: np.ndarray, size: float, offsets: np.ndarray) -> np.ndarray:
    """Log-likelihood gain per profile entry of each offset's boundaries, for one block size.

    Boundary values and the rest are each modelled as exponential with their own
    mean, against one mean for all: the split that explains the profile best wins.
    Multiples of the true size leave boundaries among the rest, fractions put
    block interiors among the boundaries; both gain less.
    """
    index, inside = _boundaries(profile, size, offsets)
    values = np.where(inside, profile[index], 0.0)
    n_on = inside.sum(axis=1)
    n_off = len(profile) - n_on
    on = values.sum(axis=1)
    total = profile.sum()
    mean_on = np.maximum(on / np.maximum(n_on, 1), FLOOR)
    mean_off = np.maximum((total - on) / np.maximum(n_off, 1), FLOOR)
    mean_all = max(total / len(profile), FLOOR)
    gain = (len(profile) * np.log(mean_all) - n_on * np.log(mean_on) - n_off * np.log(mean_off)) / len(profile)
    return np.where(mean_on > mean_off, gain, 0.0)  # the split is symmetric: boundaries must be the stronger side


def _offsets(size: float) -> np.ndarray:
    """Offsets to try for a block size: steps of at most 1/4 pixel over one block."""
    steps = max(8, math.ceil(size * 4))
    return np.arange(steps) * (size / steps)


def _candidate_sizes(profile: np.ndarray, max_size: float, peaks: int = 6, multiples: int = 8) -> list[float]:
    """Block sizes worth a close look: the strongest spectral peaks of the profile and their multiples."""
    n = len(profile)
    pad = 1 << int(math.ceil(math.log2(max(64 * n, 1024))))
    spectrum = np.abs(np.fft.rfft(profile - profile.mean(), pad))
    freqs = np.fft.rfftfreq(pad)
    usable = (freqs >= 1.0 / max_size) & (freqs <= 1.0 / MIN_BLOCK)
    is_peak = np.zeros_like(usable)
    is_peak[1:-1] = (spectrum[1:-1] >= spectrum[:-2]) & (spectrum[1:-1] > spectrum[2:])
    is_peak[-1] = spectrum[-1] >= spectrum[-2]  # 2 px blocks peak at the last frequency
    index = np.flatnonzero(usable & is_peak)
    index = index[np.argsort(spectrum[index])[::-1][:peaks]]
    sizes = []
    for i in index:
        # parabolic interpolation of the peak's frequency (the spectrum is symmetric about the last one)
        a, b, c = spectrum[i - 1], spectrum[i], spectrum[i + 1] if i + 1 < len(spectrum) else spectrum[i - 1]
        shift = 0.5 * (a - c) / (a - 2 * b + c) if a - 2 * b + c else 0.0
        period = 1.0 / ((i + shift) / pad)
        sizes += [period * m for m in range(1, multiples + 1) if MIN_BLOCK <= period * m <= max_size]
    unique: list[float] = []
    for size in sorted(sizes):
        if not unique or size > unique[-1] * 1.002:
            unique.append(size)
    return unique


def _best_offset(profile: np.ndarray, size: float) -> tuple[float, float]:
    """(offset, gain) of the best offset for one block size."""
    offsets = _offsets(size)
    gains = _gains(profile, size, offsets)
    best = int(np.argmax(gains))
    return float(offsets[best]), float(gains[best])


def _polish(profile: np.ndarray, size: float, offset: float, fixed: bool = False) -> tuple[float, float]:
    """(size, offset) fitted by least squares to the boundaries seen within a pixel of the predicted ones;
    with `fixed`, the offset only.

    Each predicted boundary j is matched to the strongest of j-1, j, j+1; a
    pixel-exact grid then predicts those very pixels (a coarse search cannot
    land inside the tiny region of exact sizes and offsets on a long axis,
    and its offsets on half pixels may put a block's first pixel in the block before).
    """
    length = len(profile) + 1
    first = math.ceil((0.5 - offset) / size)
    k = np.arange(first, first + int(length / size) + 2)
    j = np.ceil(offset + k * size - 0.5).astype(np.int64)
    keep = (j >= 2) & (j <= length - 2)
    k, j = k[keep], j[keep]
    if len(k) < 3:
        return size, offset
    near = np.stack([profile[j - 2], profile[j - 1], profile[j]])
    seen = j - 1 + near.argmax(axis=0)
    weight = near.max(axis=0)
    strong = weight > np.median(weight) * 0.25
    if strong.sum() < 3:
        return size, offset
    if fixed:
        return size, float(np.average(seen[strong] - k[strong] * size, weights=np.sqrt(weight[strong])) % size)
    slope, intercept = np.polyfit(k[strong], seen[strong], 1, w=np.sqrt(weight[strong]))
    return float(slope), float(intercept % slope)


def _refine(profile: np.ndarray, size: float) -> tuple[float, float, float]:
    """(size, offset, gain) with the best gain near `size`: a coarse search (sizes 1/2 px of drift
    over the axis apart), then a least-squares polish."""
    step = 0.5 / (len(profile) + 1)
    fits = [(float(s), *_best_offset(profile, s)) for s in size * (1 + step * np.arange(-6, 7))
            if s >= MIN_BLOCK]
    size, offset, gain = max(fits, key=lambda fit: fit[2])
    # The polish is the estimate: the coarse maximum can drift through flat areas, where
    # boundaries cost nothing. Kept unless it explains the profile clearly worse.
    polished = _polish(profile, *_polish(profile, size, offset))
    if polished[0] >= MIN_BLOCK:
        polished_gain = float(_gains(profile, polished[0], np.array([polished[1]]))[0])
        if polished_gain >= POLISH_KEEP * gain:
            return (*polished, polished_gain)
    return size, offset, gain


def _on_boundaries(profile: np.ndarray, size: float, offset: float) -> np.ndarray:
    """Which profile entries are boundaries of the grid (size, offset)."""
    index, inside = _boundaries(profile, size, np.array([offset]))
    on = np.zeros(len(profile), dtype=bool)
    on[index[inside]] = True
    return on


def _strength(profile: np.ndarray, size: float, offset: float) -> float:
    """1 - median off the boundaries / median on them: ~1 for a clean grid, ~0 for none.

    Medians, so that one strong edge in a photo does not make a grid."""
    on = _on_boundaries(profile, size, offset)
    if not on.any() or on.all():
        return 0.0
    median_on = float(np.median(profile[on]))
    return float(np.clip(1 - np.median(profile[~on]) / median_on, 0.0, 1.0)) if median_on > 0 else 0.0


def fit_axis(profile: np.ndarray, size: float | None = None) -> AxisFit:
    """The grid along one axis from its edge profile; with `size` given, only the offset is fitted."""
    if size is not None:
        offset = _polish(profile, float(size), _best_offset(profile, float(size))[0], fixed=True)[1]
        return AxisFit(float(size), offset, _strength(profile, float(size), offset))
    max_size = (len(profile) + 1) / MIN_BLOCKS
    candidates = _candidate_sizes(profile, max_size) if max_size >= MIN_BLOCK and profile.any() else []
    if not candidates:
        return AxisFit(math.nan, 0.0, 0.0)
    size, offset, _ = max((_refine(profile, s) for s in candidates), key=lambda fit: fit[2])
    return AxisFit(size, offset, _strength(profile, size, offset))


def _square_grid(raw: tuple[np.ndarray, np.ndarray], profiles: tuple[np.ndarray, np.ndarray],
                 sizes: list[float]) -> Grid:
    """The best square grid among candidate sizes: the size whose offsets explain both raw profiles
    best (summed likelihood gain), its strength their cell contrast (raw_steps.cell_contrast)."""
    best: tuple[float, float, float, float] | None = None
    for size in sizes:
        fits = [_refine(profile, size) for profile in raw]
        # one size for both axes: the one seen on the axis that shows the grid more clearly
        size = max(fits, key=lambda fit: fit[2])[0]
        offsets = [_best_offset(profile, size) for profile in raw]
        gain = offsets[0][1] + offsets[1][1]
        if best is None or gain > best[0]:
            best = (gain, size, offsets[0][0], offsets[1][0])
    if best is None:
        return Grid(math.nan, 0.0, math.nan, 0.0, 0.0)
    _, size, offset_x, offset_y = best
    on = [_on_boundaries(profile, size, offset) for profile, offset in zip(raw, (offset_x, offset_y))]
    strength = max(raw_steps.cell_contrast(raw, on), raw_steps.cell_contrast(profiles, on))
    return Grid(size, offset_x, size, offset_y, strength)


def _square_sizes(raw: tuple[np.ndarray, np.ndarray], fits: tuple[AxisFit, AxisFit], short_side: int) -> list[float]:
    """Candidate sizes of a square grid: the per-axis fits' and the raw profiles' spectral peaks, from
    MIN_SQUARE_BLOCK up to the size that leaves MIN_SQUARE_BLOCKS blocks along the shorter side."""
    largest = short_side / MIN_SQUARE_BLOCKS
    sizes = [fit.size for fit in fits if math.isfinite(fit.size)]
    for profile in raw:
        if largest >= MIN_SQUARE_BLOCK and profile.any():
            sizes += _candidate_sizes(profile, largest, multiples=2)
    return [size for size in sizes if MIN_SQUARE_BLOCK <= size <= largest]


def detect_grid(arr: np.ndarray, size: float | None = None) -> Grid:
    """The pixel grid of an HxW(xC) image; `size` fixes the block size (pixels) and fits the offset.

    Each axis is fitted on its own first. When that finds no square grid (one
    axis smooth or ambiguous), blocks are taken as square, as in nearly every
    real mosaic: the size comes from whichever axis shows it, and the strength
    from the 2-D cell contrast. Check `.found` before trusting it: an image
    that shows no grid has a low strength.
    """
    profiles = edge_profile(arr, 1), edge_profile(arr, 0)
    fits = fit_axis(profiles[0], size), fit_axis(profiles[1], size)
    grid = Grid.from_axes(*fits)
    if size is not None or grid.found and abs(grid.size_x / grid.size_y - 1) < SQUARE_TOLERANCE:
        return grid
    luma = raw_steps.luma(arr)
    plain = tuple(edge_profile(luma, axis, 0) for axis in (1, 0))
    raw = tuple(raw_steps.without_jpeg_steps(profile, int(JPEG_BLOCK)) for profile in plain)
    square = _square_grid(raw, profiles, _square_sizes(raw, fits, min(arr.shape[:2])))
    if not square.found:
        # an 8 px mosaic from the corner lies on JPEG's own block edges, which the raw profiles cancel: look
        # again with them kept (a grid there must show as clearly as JPEG_STRENGTH asks, see Grid.found)
        again = _square_grid(plain, profiles, _square_sizes(plain, fits, min(arr.shape[:2])))
        square = again if again.found else square
    # a per-axis grid that is not square is believed only when no square one shows
    if square.found or grid.found:
        return square
    return max((square, grid), key=lambda best_guess: best_guess.strength)


def whole_offsets(arr: np.ndarray, grid: Grid) -> Grid:
    """`grid` (snapped) with each offset left between two pixels on a whole block size put on the one of
    the two whose boundaries step more, JPEG's own block edges cancelled (raw_steps.without_jpeg_steps).

    A mosaic with whole blocks has its boundaries between pixels. Through JPEG, the
    polish of the fit may settle between the mosaic's boundaries and JPEG's 8 px
    ones (a 4 px grid shifted by 2 px read at 1.4 px), and the blocks read there
    mix two of the mosaic's. On blocks of a multiple of 8 px JPEG's edges may be
    the mosaic's own, so those offsets stay.
    """
    def between(size: float, offset: float) -> bool:
        return size == round(size) and offset != round(offset) and round(size) % JPEG_BLOCK != 0

    if not (between(grid.size_x, grid.offset_x) or between(grid.size_y, grid.offset_y)):
        return grid
    luma = raw_steps.luma(arr)

    def axis(size: float, offset: float, profile_axis: int) -> float:
        if not between(size, offset):
            return offset
        profile = raw_steps.without_jpeg_steps(edge_profile(luma, profile_axis, 0), int(JPEG_BLOCK))
        whole = int(size)
        if len(profile) < whole:  # no boundary inside the image to look at
            return offset

        def steps(start: int) -> float:  # mean step at the boundaries of blocks starting at pixel `start` (mod size)
            return float(profile[(start - 1) % whole::whole].mean())
        return float(max((math.floor(offset), math.ceil(offset)), key=steps) % whole)

    return Grid(grid.size_x, axis(grid.size_x, grid.offset_x, 1), grid.size_y, axis(grid.size_y, grid.offset_y, 0),
                grid.strength)


def snap(grid: Grid, width: int, height: int) -> Grid:
    """`grid` with each block size rounded to an integer where that moves no boundary by more than
    half a pixel across the image, and each offset then rounded where it is within 1/4 pixel.

    A grid made by an integer upscale then maps back to the image without resampling.
    """
    def axis(size: float, offset: float, length: int) -> tuple[float, float]:
        whole = round(size)
        if whole >= 1 and abs(size - whole) * length / size < 0.5:
            size = float(whole)
            if abs(offset - round(offset)) < 0.25:
                offset = float(round(offset))
        return size, offset

    sx, ox = axis(grid.size_x, grid.offset_x, width)
    sy, oy = axis(grid.size_y, grid.offset_y, height)
    return Grid(sx, ox % sx, sy, oy % sy, grid.strength)
