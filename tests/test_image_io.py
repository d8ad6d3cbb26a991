"""plugins.data.image_io: every image file as 8-bit pixels, high bit depths scaled rather than clipped."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from plugins.data import image_io
from plugins.data import sample_photos

from .awkward_images import write_16bit_gray, write_truncated_jpeg


@pytest.fixture(scope="module")
def photo() -> Image.Image:
    return sample_photos.photo_crops(sample_photos.TEST_SOURCES, 1, 64, 0)[0]


def test_16bit_png_is_scaled_not_clipped(photo, tmp_path):
    twin = write_16bit_gray(tmp_path / "deep.png", photo)
    loaded = image_io.load_rgb(tmp_path / "deep.png")
    assert loaded.mode == "RGB" and np.array_equal(np.asarray(loaded), np.asarray(twin))
    clipped = np.asarray(Image.open(tmp_path / "deep.png").convert("RGB"))  # what PIL alone gives
    assert clipped.mean() > 240 > np.asarray(loaded).mean()
    assert image_io.load_8bit(tmp_path / "deep.png").mode == "L"


@pytest.mark.parametrize("scale", [1.0, 255.0])
def test_float_tiff_by_its_range(photo, tmp_path, scale):
    gray = np.asarray(photo.convert("L")).astype(np.float32)
    Image.fromarray(gray / 255 * scale).save(tmp_path / "float.tif")
    assert Image.open(tmp_path / "float.tif").mode == "F"
    loaded = np.asarray(image_io.load_8bit(tmp_path / "float.tif")).astype(int)
    assert np.abs(loaded - gray).max() <= 1


def test_32bit_int_holding_16bit_values(photo):
    gray = np.asarray(photo.convert("L")).astype(np.int32)
    img = Image.fromarray(gray * 257)
    assert img.mode == "I" and np.array_equal(np.asarray(image_io.to_8bit(img)), gray)


def test_other_modes_convert_and_truncation_raises(photo, tmp_path):
    photo.convert("RGBA").save(tmp_path / "a.png")
    photo.convert("P").save(tmp_path / "p.png")
    assert image_io.load_rgb(tmp_path / "a.png").mode == image_io.load_rgb(tmp_path / "p.png").mode == "RGB"
    assert np.array_equal(np.asarray(image_io.load_rgb(tmp_path / "a.png")), np.asarray(photo))
    write_truncated_jpeg(tmp_path / "cut.jpg", photo)
    with pytest.raises(OSError, match="truncated"):
        image_io.load_rgb(tmp_path / "cut.jpg")


def test_upright_applies_exif_orientation(photo, tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees clockwise to view
    photo.save(tmp_path / "turned.jpg", exif=exif, quality=95)
    assert image_io.load_rgb(tmp_path / "turned.jpg").size == photo.size  # as stored, like upstream's loaders
    upright = image_io.load_rgb(tmp_path / "turned.jpg", upright=True)
    assert upright.size == photo.size[::-1] and upright.mode == "RGB"


def test_save_png_writes_whole_files_from_arrays_and_images(photo, tmp_path):
    image_io.save_png(tmp_path / "new" / "a.png", np.asarray(photo))
    image_io.save_png(tmp_path / "new" / "b.png", photo.convert("L"), optimize=True)
    assert np.array_equal(np.asarray(Image.open(tmp_path / "new" / "a.png")), np.asarray(photo))
    assert Image.open(tmp_path / "new" / "b.png").mode == "L"
    assert sorted(p.name for p in (tmp_path / "new").iterdir()) == ["a.png", "b.png"]  # no temporary left
