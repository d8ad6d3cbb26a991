"""Load any image file as 8-bit pixels, scaling high bit depths instead of clipping them.

PIL's `convert('RGB')` clips 16-bit and float pixels at 255, so a 16-bit
grayscale PNG turns almost white. Here they are scaled: 16-bit to 8 bits by
65535 -> 255 (exact for 8-bit data stored as 16), float by its range (0..1
when no value exceeds 1, else 0..255, else 0..65535). PIL already reads
16-bit RGB(A) PNGs as 8-bit. Every file is decoded fully, so a truncated one
raises here (OSError) rather than later. With `upright`, a photo's EXIF
orientation is applied first, as viewers show it. save_png writes a PNG
atomically (atomic_write), so no reader sees half a file. load_picture keeps
what restoring colour channels must give back: the alpha channel (or a
palette's transparency) and whether the file was grayscale.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Optional

import numpy as np
from PIL import Image, ImageOps

from plugins.data import atomic_write

# single-channel modes holding more than 8 bits: their full scale
SIXTEEN_BIT_MODES = ("I;16", "I;16L", "I;16B", "I;16N")
WIDE_MODES = SIXTEEN_BIT_MODES + ("I", "F")


def full_scale(mode: str, values: np.ndarray) -> float:
    """The value that stands for white: 65535 for 16-bit modes; for 32-bit int ('I') and float ('F')
    the smallest of 1 (float only), 255 and 65535 that no value exceeds (else the maximum)."""
    if mode in SIXTEEN_BIT_MODES:
        return 65535.0
    peak = float(np.nanmax(values)) if values.size else 0.0
    for scale in ((1.0,) if mode == "F" else ()) + (255.0, 65535.0):
        if peak <= scale:
            return scale
    return peak


def to_8bit(img: Image.Image) -> Image.Image:
    """An 8-bit 'L' (grayscale) or 'RGB' image of `img`: wide modes scaled, every other mode converted
    (alpha dropped, as convert('RGB') does)."""
    if img.mode in WIDE_MODES:
        values = np.asarray(img, dtype=np.float64)
        scaled = np.nan_to_num(values, nan=0.0) * (255.0 / full_scale(img.mode, values))
        return Image.fromarray(np.clip(np.rint(scaled), 0, 255).astype(np.uint8), "L")
    return img if img.mode in ("L", "RGB") else img.convert("RGB")


def load_8bit(path: str | os.PathLike, upright: bool = False) -> Image.Image:
    """A file fully decoded as 8-bit 'L' or 'RGB' (grayscale stays grayscale); turned as its EXIF
    orientation says with `upright` (upstream's loaders and test.py's PNGs ignore it)."""
    with Image.open(path) as img:
        img.load()  # the pixels stay in memory once the file is closed
        return to_8bit(ImageOps.exif_transpose(img) if upright else img)


def load_rgb(path: str | os.PathLike, upright: bool = False) -> Image.Image:
    """A file fully decoded as 8-bit RGB (see load_8bit)."""
    img = load_8bit(path, upright)
    return img if img.mode == "RGB" else img.convert("RGB")


@dataclass(frozen=True)
class Picture:
    """A file's pixels as 8-bit RGB, plus what RGB drops: its alpha (or transparency) and its grayness."""

    rgb: np.ndarray  # HxWx3 uint8
    alpha: Optional[np.ndarray]  # HxW uint8 as the file holds it; None when it has none
    gray: bool  # a single-channel file ('1', 'L', 'LA', 16-bit or float gray)
    frames: int  # frames in the file (animated GIF, WebP, multi-page TIFF); only the first is read

    def like_file(self, rgb: np.ndarray) -> Image.Image:
        """An HxWx3 uint8 result in the file's own kind: 'L' when it was gray, with its alpha put back."""
        image = Image.fromarray(rgb)
        if self.gray:
            image = image.convert("L")
        if self.alpha is not None:
            image.putalpha(Image.fromarray(self.alpha))
        return image


def load_picture(path: str | os.PathLike, upright: bool = False) -> Picture:
    """A file fully decoded (see load_8bit) with its alpha and grayness kept beside the RGB pixels."""
    with Image.open(path) as img:
        img.load()
        frames = getattr(img, "n_frames", 1)
        if upright:
            img = ImageOps.exif_transpose(img)
        has_alpha = "A" in img.getbands() or "a" in img.getbands() or "transparency" in img.info
        alpha = np.asarray(img.convert("RGBA"))[..., 3].copy() if has_alpha else None
        gray = img.getbands() in (("1",), ("L",), ("L", "A"), ("I",), ("F",), ("L", "a"))
        rgb = to_8bit(img.convert("L") if img.mode in ("LA", "La") else img)
    return Picture(np.asarray(rgb.convert("RGB") if rgb.mode != "RGB" else rgb), alpha, gray, frames)


def save_png(path: str | os.PathLike, image: Image.Image | np.ndarray, optimize: bool = False) -> None:
    """Write an image (PIL, or a uint8 array) as a PNG atomically; folders are made as needed."""
    picture = image if isinstance(image, Image.Image) else Image.fromarray(image)
    with atomic_write.atomic_path(path) as tmp:
        picture.save(tmp, format="PNG", optimize=optimize)
