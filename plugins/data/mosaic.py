"""Mosaics as other programs make them, and the value ranges that describe them: pure functions.

Image editors, messengers and censor tools pixelate a picture by shrinking it
to round(size / block) cells (block means with a box filter, or a bilinear
shrink) and blowing it back up with nearest neighbour, so a block of 4.6 px
is 4 or 5 pixels wide; the grid starts wherever the picture was later cut,
and the result is usually saved as JPEG. These functions make such mosaics,
so that training sees what the restore command will be given.
"""
from __future__ import annotations

import io
import math
from typing import Sequence

from PIL import Image

from plugins.data import pixelation


def parse_range(spec: str, flag: str, low: float, high: float) -> tuple[float, float]:
    """(min, max) of a value spec 'X' or 'MIN:MAX', each within [low, high]; ValueError naming `flag`."""
    text = str(spec).strip()
    try:
        parts = [float(part) for part in text.split(":")]
    except ValueError:
        raise ValueError(f"{flag} {text!r} does not parse: use X or MIN:MAX") from None
    if len(parts) not in (1, 2) or not all(math.isfinite(p) for p in parts):
        raise ValueError(f"{flag} {text!r} does not parse: use X or MIN:MAX")
    first, last = parts[0], parts[-1]
    if first > last:
        raise ValueError(f"{flag} {text!r} runs backwards (MIN:MAX with MIN <= MAX)")
    if first < low or last > high:
        raise ValueError(f"{flag} {text!r} is outside {low:g}..{high:g}")
    return first, last


def cells(length: int, block: float) -> int:
    """How many cells a program makes of `length` pixels at `block` px per cell (at least one)."""
    return max(1, round(length / block))


def pixelate_like_editor(img: Image.Image, block: float, down: str = "box") -> tuple[Image.Image, tuple[float, float]]:
    """`img` pixelated the way editors do it, and the exact block size (x, y) that results.

    The picture is shrunk to round(width / block) x round(height / block) cells with
    `down` and blown back up with nearest neighbour: cell k holds the pixels whose
    centre lies in [k * w / n, (k + 1) * w / n), so a non-integer block gives blocks
    of the two neighbouring integer widths, as PIL and browsers make them.
    """
    small = shrink(img, block, down)
    return small.resize(img.size, Image.Resampling.NEAREST), (img.width / small.width, img.height / small.height)


def shrink(img: Image.Image, block: float, down: str = "box") -> Image.Image:
    """The cells an editor makes of `img` at `block` px: the true low-res image behind its mosaic (what
    a plain upscale at best starts from, before any JPEG)."""
    if not block >= 1:
        raise ValueError(f"block size {block!r} px is below 1")
    return img.resize((cells(img.width, block), cells(img.height, block)), pixelation.resample_filter(down))


def encode_jpeg(img: Image.Image, quality: int) -> bytes:
    """`img` as a JPEG file at `quality` (1..100; PIL's default 4:2:0 subsampling, as most programs save)."""
    if not 1 <= quality <= 100:
        raise ValueError(f"JPEG quality {quality} is outside 1..100")
    buffer = io.BytesIO()
    img.convert("RGB").save(buffer, format="JPEG", quality=int(quality))
    return buffer.getvalue()


def jpeg(img: Image.Image, quality: int) -> Image.Image:
    """`img` saved as JPEG at `quality` and decoded again."""
    with Image.open(io.BytesIO(encode_jpeg(img, quality))) as decoded:
        return decoded.convert("RGB")


def draw(bounds: Sequence[float], rng) -> float:
    """A value drawn uniformly in [min, max] with `rng` (numpy Generator or random.Random)."""
    low, high = bounds
    return low if low == high else low + (high - low) * rng.random()
