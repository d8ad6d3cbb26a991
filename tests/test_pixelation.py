"""plugins.data.pixelation: specs, sampling, test-phase sizes, the degradation and its inverse."""
from __future__ import annotations

import random

import numpy as np
import pytest
from PIL import Image

from plugins.data import pixelation

from .conftest import skimage_photos


@pytest.mark.parametrize("spec, sizes", [
    ("64", (64,)), (64, (64,)), ("48:128", tuple(range(48, 129))), ("64,85,128", (64, 85, 128)),
    (" 128,64 ", (64, 128)), ("7:7", (7,)),
])
def test_parse_pixel_size(spec, sizes):
    assert pixelation.parse_pixel_size(spec) == sizes


@pytest.mark.parametrize("spec, message", [
    ("", "does not parse"), ("abc", "does not parse"), ("4:8:16", "does not parse"),
    ("128:48", "backwards"), ("0", "below 1"), ("-4:8", "below 1"), ("64,,85", "does not parse"),
])
def test_parse_pixel_size_errors(spec, message):
    with pytest.raises(ValueError, match=message) as err:
        pixelation.parse_pixel_size(spec)
    assert repr(str(spec).strip()) in str(err.value)


def test_check_pixel_sizes():
    pixelation.check_pixel_sizes((48, 256), 256)
    with pytest.raises(ValueError, match="larger than the image size 256"):
        pixelation.check_pixel_sizes((48, 300), 256, "48:300")


def test_unknown_filter_lists_the_names():
    with pytest.raises(ValueError, match="unknown filter 'cubic'.*bilinear"):
        pixelation.resample_filter("cubic")
    assert pixelation.resample_filter("BICUBIC") == Image.Resampling.BICUBIC


def test_parse_filters():
    assert pixelation.parse_filters("bilinear") == ("bilinear",)
    assert pixelation.parse_filters(" Box,bilinear,box ") == ("box", "bilinear")
    with pytest.raises(ValueError, match="unknown filter 'cubic'"):
        pixelation.parse_filters("box,cubic")


def test_fixed_filter_is_pure_and_apart_from_the_size():
    filters, sizes = ("box", "bilinear"), (8, 16)
    chosen = [pixelation.fixed_filter(filters, 3, i) for i in range(200)]
    random.seed(5)
    assert chosen == [pixelation.fixed_filter(filters, 3, i) for i in range(200)]
    assert set(chosen) == set(filters)
    pairs = {(pixelation.fixed_size(sizes, 3, i), f) for i, f in enumerate(chosen)}
    assert len(pairs) == 4  # every size meets every filter: the two draws are not one
    assert {pixelation.fixed_filter(("lanczos",), s, i) for s in range(3) for i in range(9)} == {"lanczos"}


def test_sampled_sizes_stay_in_range_and_cover_it():
    sizes = pixelation.parse_pixel_size("48:128")
    rng = random.Random(1)
    drawn = [pixelation.sample_size(sizes, rng) for _ in range(20000)]
    assert set(drawn) == set(sizes)


def test_fixed_size_is_pure_and_order_independent():
    sizes = pixelation.parse_pixel_size("48:128")
    forward = [pixelation.fixed_size(sizes, 3, i) for i in range(200)]
    backward = [pixelation.fixed_size(sizes, 3, i) for i in reversed(range(200))][::-1]
    assert forward == backward
    random.seed(99)
    np.random.seed(99)  # global generators must not matter
    assert forward == [pixelation.fixed_size(sizes, 3, i) for i in range(200)]
    assert forward != [pixelation.fixed_size(sizes, 4, i) for i in range(200)]
    assert len(set(forward)) > 40 and set(forward) <= set(sizes)


@pytest.mark.parametrize("size", [1, 16, 64, 85, 128, 255])
def test_pixelate_keeps_size_and_makes_constant_blocks(size):
    img = Image.fromarray(skimage_photos()[0]).resize((256, 256))
    out = pixelation.pixelate(img, size)
    assert out.size == img.size and out.mode == img.mode
    arr = np.asarray(out)
    # with nearest up, the image is a size x size grid of constant blocks
    distinct_rows = 1 + np.count_nonzero(np.any(np.diff(arr.astype(int), axis=0) != 0, axis=(1, 2)))
    distinct_cols = 1 + np.count_nonzero(np.any(np.diff(arr.astype(int), axis=1) != 0, axis=(0, 2)))
    assert distinct_rows == distinct_cols == size


def test_pixelate_uses_the_named_filters():
    img = Image.fromarray(skimage_photos()[1]).resize((128, 128))
    expected = img.resize((32, 32), Image.Resampling.BOX).resize((128, 128), Image.Resampling.BICUBIC)
    assert np.array_equal(np.asarray(pixelation.pixelate(img, 32, "box", "bicubic")), np.asarray(expected))


def test_recover_pixel_size_exact_for_every_size():
    img = Image.fromarray(skimage_photos()[2]).resize((256, 256))
    for size in range(16, 256):
        assert pixelation.recover_pixel_size(np.asarray(pixelation.pixelate(img, size))) == size
    assert pixelation.recover_pixel_size(np.asarray(img)) is None


def test_recover_low_res_is_the_shrunk_image():
    img = Image.fromarray(skimage_photos()[3]).resize((256, 256))
    for size in (48, 85, 100):
        low = pixelation.recover_low_res(np.asarray(pixelation.pixelate(img, size)))
        expected = np.asarray(img.resize((size, size), Image.Resampling.BILINEAR))
        assert np.array_equal(low, expected)
    assert pixelation.recover_low_res(np.asarray(img)) is None


def test_recover_grayscale_and_non_square():
    gray = Image.fromarray(skimage_photos()[0]).convert("L").resize((128, 128))
    assert pixelation.recover_pixel_size(np.asarray(pixelation.pixelate(gray, 40))) == 40
    assert pixelation.recover_pixel_size(np.zeros((64, 32), np.uint8)) is None
