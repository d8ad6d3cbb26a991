"""plugins.data.mosaic_samples: the --pixel_block samples training draws and validation scores."""
from __future__ import annotations

import argparse
import random

import numpy as np
import pytest
from PIL import Image

from plugins.data import mosaic_samples
from plugins.data import sample_photos


def photo() -> Image.Image:
    return sample_photos.load_source("chelsea.png")


def spec(**changes) -> mosaic_samples.MosaicSpec:
    fields = dict(blocks=(3.6, 9.0), downs=("box", "bilinear"), cells=16, crop_size=64, offset=True,
                  jpeg=(70.0, 95.0), jpeg_share=0.5)
    return mosaic_samples.MosaicSpec(**(fields | changes))


def test_a_sample_is_a_pure_function_of_its_draw():
    one = spec().sample(photo(), random.Random("7"))
    two = spec().sample(photo(), random.Random("7"))
    other = spec().sample(photo(), random.Random("8"))
    for a, b in zip(one, two):
        assert a.dtype == np.float32 and a.shape == (64, 64, 3) and np.array_equal(a, b)
    assert not np.array_equal(one[1], other[1])


@pytest.mark.parametrize("seed", range(6))
def test_the_input_is_whole_model_blocks_from_the_corner(seed):
    model_in, truth = spec().sample(photo(), random.Random(seed))
    cells = model_in.reshape(16, 4, 16, 4, 3)
    assert np.array_equal(cells, np.broadcast_to(cells[:, :1, :, :1], cells.shape))
    assert truth.reshape(16, 4, 16, 4, 3).std(axis=(1, 3)).mean() > 0.5  # the target has detail inside the blocks


def test_box_blocks_at_the_corner_read_back_as_the_targets_block_means():
    """4 px box blocks, no offset, no JPEG, model blocks of 4 px: the target is the photo itself (scale 1)
    and each input block is the mean of the target's block (PIL's fixed-point means: within a level)."""
    model_in, truth = spec(blocks=(4.0, 4.0), downs=("box",), offset=False, jpeg=None).sample(photo(), random.Random(3))
    means = truth.astype(np.float64).reshape(16, 4, 16, 4, 3).mean(axis=(1, 3))
    assert np.abs(model_in[::4, ::4] - means).max() <= 1


def test_jpeg_is_applied_to_the_share_asked():
    """The same draws with JPEG for no sample, for every sample at quality 5 and at quality 100: the
    patch and cells are the same, and the blocks carry the damage of the quality asked."""
    clean, rough, fine = (spec(jpeg=(q, q), jpeg_share=share, offset=False).sample(photo(), random.Random(1))
                          for q, share in ((5.0, 0.0), (5.0, 1.0), (100.0, 1.0)))
    assert np.array_equal(clean[1], rough[1]) and np.array_equal(clean[1], fine[1])
    assert np.abs(rough[0] - clean[0]).mean() > 2 > 0.5 > np.abs(fine[0] - clean[0]).mean()


def options(**changes) -> argparse.Namespace:
    fields = dict(pixel_block="3.6:9", pixel_jpeg="70:95", pixel_jpeg_share=0.5, pixel_offset=True, crop_size=128,
                  pixel_size="32")
    return argparse.Namespace(**(fields | changes))


def test_options_make_the_spec():
    made = mosaic_samples.from_options(options(), (32,), ("box", "bilinear"))
    assert made == mosaic_samples.MosaicSpec((3.6, 9.0), ("box", "bilinear"), 32, 128, True, (70.0, 95.0), 0.5)
    assert made.model_block == 4 and made.patch_side(4.0) == 140


@pytest.mark.parametrize("changes, sizes, flag", [
    (dict(pixel_block="0.5:4"), (32,), "--pixel_block"),
    (dict(pixel_jpeg="0:101"), (32,), "--pixel_jpeg"),
    (dict(pixel_jpeg_share=2.0), (32,), "--pixel_jpeg_share"),
    (dict(pixel_size="8:16"), (8, 16), "one --pixel_size"),
    (dict(pixel_size="48"), (48,), "one --pixel_size"),
])
def test_impossible_options_are_refused_naming_the_flag(changes, sizes, flag):
    with pytest.raises(ValueError, match=flag):
        mosaic_samples.from_options(options(**changes), sizes, ("box",))
