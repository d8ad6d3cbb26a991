"""plugins.restore.pipeline: scale matching, output size, refusals, and regions that leave the rest untouched."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from plugins.restore import blocks
from plugins.restore import grid as pixel_grid
from plugins.restore import pipeline as pixel_restore
from plugins.data import pixelation
from plugins.restore import tiling

from .conftest import skimage_photos
from .test_pixel_grid import BOX, jpeg, pixelated_elsewhere
from .test_tiling import Recorder

PHOTO = Image.fromarray(skimage_photos()[1])  # coffee, 600x400


def settings(block=4, multiple=16, tile=128, back_project=0, **kw) -> pixel_restore.Settings:
    """Settings for stand-in models; back-projection (tests/test_back_projection.py) is off, because it
    would pull what a stand-in model did back towards the mosaic."""
    return pixel_restore.Settings(model_block=block, multiple=multiple, tile=tile, overlap=16,
                                  back_project=back_project, **kw)


@pytest.mark.parametrize("crop", [(0, 0), (3, 1)])
def test_identity_model_gives_back_an_integer_grid_exactly(crop):
    img = np.asarray(pixelation.pixelate(PHOTO.resize((256, 256)), 64))[crop[1]:, crop[0]:]
    done = pixel_restore.restore_array(img, Recorder(), settings())
    np.testing.assert_array_equal(done.image, img)
    assert "blocks 4.00x4.00 px" in done.note and "x1.00 to the model's 4 px blocks" in done.note


@pytest.mark.parametrize("block, quality, model_block", [(4.37, None, 4), (6.6, 90, 4), (3.3, 75, 5), (5.0, None, 3)])
def test_scale_matching_feeds_the_model_its_own_block_size(block, quality, model_block):
    img, _, _ = pixelated_elsewhere(PHOTO, block, BOX, 2, 3)
    if quality:
        img = jpeg(img, quality)
    arr = np.asarray(img)
    model = Recorder()
    done = pixel_restore.restore_array(arr, model, settings(block=model_block))
    assert done.image.shape == arr.shape and done.image.dtype == np.uint8
    for tile, grid in model.calls:  # model_block px blocks from the tile's corner, grid = tile / block
        np.testing.assert_array_equal(tile, tile[::model_block, ::model_block].repeat(model_block, 0)
                                      .repeat(model_block, 1))
        assert grid == (tile.shape[0] // model_block, tile.shape[1] // model_block)
    # the identity through the rescaling lands on the same blocks: close to the input (edges resampled)
    assert np.abs(done.image.astype(int) - arr).mean() < 4
    assert f"to the model's {model_block} px blocks" in done.note


@pytest.mark.parametrize("block, model_block", [(5.7, 3), (4.37, 4), (3.3, 5)])
def test_restored_blocks_land_where_they_came_from(block, model_block):
    """Through the rescale to the model's blocks and back, an identity model's output keeps each
    block's value (block means within 1 grey level on average); shifted by 2 px it does not."""
    arr = np.asarray(pixelated_elsewhere(PHOTO, block, BOX, 4, 1)[0])
    done = pixel_restore.restore_array(arr, Recorder(), settings(block=model_block))
    grid = pixel_grid.detect_grid(arr)
    before, after = blocks.low_res(arr, grid), blocks.low_res(done.image, grid)
    assert np.abs(after - before).mean() < 1
    assert np.abs(blocks.low_res(np.roll(done.image, 2, axis=1), grid) - before).mean() > 2.5


def test_no_grid_is_refused_unless_forced_or_sized():
    sharp = np.asarray(PHOTO)
    with pytest.raises(pixel_restore.NoGrid, match="no pixel grid found .*--force"):
        pixel_restore.restore_array(sharp, Recorder(), settings())
    forced = pixel_restore.restore_array(sharp, Recorder(), settings(force=True))
    assert forced.image.shape == sharp.shape and "--force: taken as 4 px blocks" in forced.note
    sized = pixel_restore.restore_array(sharp, Recorder(), settings(block_size=6.0))
    assert sized.image.shape == sharp.shape and "(--block_size)" in sized.note


def test_region_restores_inside_and_leaves_the_rest_byte_identical():
    """A sharp photo with a face-sized rectangle pixelated elsewhere (offset grid, non-integer blocks)."""
    photo = np.asarray(PHOTO).copy()
    x, y, w, h = 203, 91, 150, 120
    patch, _, _ = pixelated_elsewhere(Image.fromarray(photo[y - 2:y + h, x - 3:x + w]), 7.3, BOX, 3, 2)
    photo[y:y + h, x:x + w] = np.asarray(patch)
    model = Recorder(lambda tile: -tile)  # visibly changes everything it sees
    done = pixel_restore.restore_regions(photo, [(x, y, w, h)], model, settings())
    outside = np.ones(photo.shape[:2], bool)
    outside[y:y + h, x:x + w] = False
    assert done.image.tobytes() != photo.tobytes()
    np.testing.assert_array_equal(done.image[outside], photo[outside])
    assert np.abs(done.image[y:y + h, x:x + w].astype(int) - photo[y:y + h, x:x + w]).mean() > 50
    assert done.note.startswith(f"region {x},{y},{w},{h}: blocks 7.")


def test_regions_are_checked_before_any_work():
    model = Recorder()
    with pytest.raises(ValueError, match=r"--region 500,300,150,120 lies outside the 600x400 image"):
        pixel_restore.restore_regions(np.asarray(PHOTO), [(10, 10, 50, 50), (500, 300, 150, 120)], model,
                                      settings())
    assert model.calls == []


@pytest.mark.parametrize("text, message", [("1,2,3", "use x,y,w,h"), ("a,b,c,d", "use x,y,w,h"),
                                           ("-1,0,5,5", ">= 0"), ("0,0,0,5", ">= 1")])
def test_parse_region_errors_name_the_flag(text, message):
    with pytest.raises(ValueError, match=message) as err:
        pixel_restore.parse_region(text)
    assert str(err.value).startswith(f"--region {text!r}")
    assert pixel_restore.parse_region("1, 2, 30, 40") == (1, 2, 30, 40)


def test_tiles_of_a_large_image_are_counted_in_the_note():
    img, _, _ = pixelated_elsewhere(PHOTO, 4.0, BOX, 0, 0)
    done = pixel_restore.restore_array(np.asarray(img), Recorder(), settings(tile=tiling.DEFAULT_TILE // 4))
    assert done.tiles > 4 and f"{done.tiles} tiles" in done.note


def test_tiny_or_flat_images_are_refused_with_a_plain_reason():
    for arr in (np.asarray(PHOTO.resize((9, 7))), np.full((300, 200, 3), 90, np.uint8)):
        with pytest.raises(pixel_restore.NoGrid, match=f"{arr.shape[1]}x{arr.shape[0]} is too small or too flat"):
            pixel_restore.restore_array(arr, Recorder(), settings())


def test_a_region_without_grid_is_named():
    with pytest.raises(pixel_restore.NoGrid, match=r"^region 10,20,200,150: no pixel grid found"):
        pixel_restore.restore_regions(np.asarray(PHOTO), [(10, 20, 200, 150)], Recorder(), settings())
