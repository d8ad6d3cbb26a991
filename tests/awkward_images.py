"""Image files that broke the loaders: 16-bit grayscale PNGs and truncated JPEGs."""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image


def write_16bit_gray(path: Path, photo: Image.Image) -> Image.Image:
    """Save the photo's 8-bit grayscale as a 16-bit PNG (v * 257, so exact); return the 8-bit RGB twin."""
    gray = np.asarray(photo.convert("L"))
    Image.fromarray(gray.astype(np.uint16) * 257).save(path)
    assert Image.open(path).mode == "I;16"
    return Image.fromarray(gray).convert("RGB")


def write_truncated_jpeg(path: Path, photo: Image.Image) -> None:
    """A JPEG cut at 60%: its header (and PIL's verify()) are fine, decoding fails."""
    buffer = io.BytesIO()
    photo.convert("RGB").save(buffer, format="JPEG", quality=90)
    path.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) * 6 // 10])
    with Image.open(path) as img:
        img.verify()
