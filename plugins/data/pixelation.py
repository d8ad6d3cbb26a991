"""Pixelation, the study's degradation, and its inverse: pure functions on PIL images.

A photo is shrunk to size x size (bilinear by default, or a filter drawn from
a list) and blown back to its own size (nearest by default). The pixel size comes from a spec: fixed
`64`, inclusive range `48:128` or list `64,85,128`. Training draws a size
per sample; any other phase uses a size that is a pure function of
(seed, image index), so every model is scored on the very same inputs.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Protocol, Sequence

import numpy as np
from PIL import Image

FILTERS = {
    "nearest": Image.Resampling.NEAREST,
    "box": Image.Resampling.BOX,
    "bilinear": Image.Resampling.BILINEAR,
    "hamming": Image.Resampling.HAMMING,
    "bicubic": Image.Resampling.BICUBIC,
    "lanczos": Image.Resampling.LANCZOS,
}
# more blocks per side than any image has pixels: refused before a range of them is built in memory
MAX_PIXEL_SIZE = 65536
DEFAULT_DOWN = "bilinear"
DEFAULT_UP = "nearest"


class Chooser(Protocol):
    """Anything with random.Random's choice (the random module itself, too)."""

    def choice(self, seq: Sequence[int]) -> int: ...


def parse_pixel_size(spec: str | int) -> tuple[int, ...]:
    """Every size a spec allows, ascending: '64', '48:128' (inclusive) or '64,85,128'.

    Raises ValueError naming the spec when it does not parse, a size is < 1 or above MAX_PIXEL_SIZE
    (checked before a range is built).
    """
    text = str(spec).strip()
    try:
        if ":" in text:
            low, high = (int(part) for part in text.split(":"))
            if low > high:
                raise ValueError(f"pixel size range {text!r} runs backwards (MIN:MAX with MIN <= MAX)")
            if high > MAX_PIXEL_SIZE:
                raise ValueError(f"pixel size range {text!r} goes above {MAX_PIXEL_SIZE} blocks per side")
            sizes = tuple(range(low, high + 1))
        else:
            sizes = tuple(sorted({int(part) for part in text.split(",")}))
    except ValueError as err:
        if "backwards" in str(err) or "goes above" in str(err):
            raise
        raise ValueError(f"pixel size {text!r} does not parse: use N, MIN:MAX or N,M,...") from None
    if sizes[0] < 1:
        raise ValueError(f"pixel size {text!r} has a size below 1")
    if sizes[-1] > MAX_PIXEL_SIZE:
        raise ValueError(f"pixel size {text!r} has a size above {MAX_PIXEL_SIZE} blocks per side")
    return sizes


def check_pixel_sizes(sizes: Sequence[int], limit: int, spec: str = "") -> None:
    """Raise ValueError when a size exceeds `limit` (the image size it must fit in)."""
    if max(sizes) > limit:
        raise ValueError(f"pixel size {spec or max(sizes)!s} is larger than the image size {limit}")


def resample_filter(name: str) -> Image.Resampling:
    """The PIL filter of that name; ValueError listing the names otherwise."""
    try:
        return FILTERS[name.lower()]
    except KeyError:
        raise ValueError(f"unknown filter {name!r}: choose from {', '.join(FILTERS)}") from None


def parse_filters(spec: str) -> tuple[str, ...]:
    """The filter names of a spec, 'bilinear' or a list 'box,bilinear' (in order, without repeats);
    ValueError naming an unknown one. A list makes the degradation vary like a pixel size range."""
    names = tuple(dict.fromkeys(part.strip().lower() for part in str(spec).split(",")))
    for name in names:
        resample_filter(name)
    return names


def fixed_filter(filters: Sequence[str], seed: int, index: int) -> str:
    """The filter of image `index` outside training: a pure function of (seed, index), drawn
    apart from its size (fixed_size), so that sizes and filters do not pair up."""
    if len(filters) == 1:
        return filters[0]
    return filters[int(np.random.default_rng([seed, index, 1]).integers(len(filters)))]


def sample_size(sizes: Sequence[int], rng: Chooser) -> int:
    """A size drawn uniformly from `sizes` (training: fresh every draw)."""
    return rng.choice(sizes)


def fixed_size(sizes: Sequence[int], seed: int, index: int) -> int:
    """The size of image `index` outside training: a pure function of (seed, index)."""
    rng = np.random.default_rng([seed, index])
    return int(sizes[rng.integers(len(sizes))])


def pixelate(img: Image.Image, size: int, down: str = DEFAULT_DOWN, up: str = DEFAULT_UP) -> Image.Image:
    """Shrink `img` to size x size with `down`, then back to its own size with `up`."""
    small = img.resize((size, size), resample_filter(down))
    return small.resize(img.size, resample_filter(up))


QUARTER_TURNS = (None, Image.Transpose.ROTATE_90, Image.Transpose.ROTATE_180, Image.Transpose.ROTATE_270)


def rotate_quarter(img: Image.Image, turns: int) -> Image.Image:
    """`img` rotated by turns x 90 degrees, exactly (a transpose, no resampling)."""
    step = QUARTER_TURNS[turns % 4]
    return img if step is None else img.transpose(step)


@lru_cache(maxsize=4096)
def _nearest_sources(size: int, length: int) -> np.ndarray:
    """For each of `length` output pixels, the source index PIL's nearest upscale from `size` takes."""
    ramp = Image.fromarray(np.arange(size, dtype=np.int32)[None, :])
    return np.asarray(ramp.resize((length, 1), Image.Resampling.NEAREST))[0]


def _run_starts(arr: np.ndarray, axis: int) -> np.ndarray:
    """Positions along `axis` where a line differs from the one before it."""
    lines = np.moveaxis(arr, axis, 0)
    lines = lines.reshape(lines.shape[0], -1)
    return np.flatnonzero((lines[1:] != lines[:-1]).any(axis=1)) + 1


def recover_pixel_size(arr: np.ndarray) -> int | None:
    """The pixel size of a nearest-upscaled image, from its runs of equal rows and columns.

    Returns the smallest size whose nearest-neighbour grid explains every run
    boundary on both axes, or None when only the identity does (not pixelated).
    Works for sizes that do not divide the image size (e.g. 85 in 256).
    """
    height, width = arr.shape[:2]
    if height != width:
        return None
    starts = _run_starts(arr, 0), _run_starts(arr, 1)
    # a grid of `size` pixels has size - 1 boundaries: fewer cannot explain them all
    for size in range(1 + max(len(s) for s in starts), width):
        sources = _nearest_sources(size, width)
        if all(np.all(sources[s] != sources[s - 1]) for s in starts):
            return size
    return None


@lru_cache(maxsize=4096)
def grid_samples(size: int, length: int) -> np.ndarray:
    """For each of `size` low-resolution pixels, the first of the `length` output pixels
    that PIL's nearest upscale fills from it: sampling there inverts the upscale."""
    return np.searchsorted(_nearest_sources(size, length), np.arange(size))


def recover_low_res(arr: np.ndarray) -> np.ndarray | None:
    """The size x size image behind a nearest-upscaled one, or None if not recoverable."""
    size = recover_pixel_size(arr)
    if size is None:
        return None
    first = grid_samples(size, arr.shape[0])
    return arr[first][:, first]
