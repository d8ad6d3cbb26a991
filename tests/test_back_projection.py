"""plugins.restore.back_projection: restored block means pulled onto the mosaic's, smoothly, on whole blocks only."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from plugins.data import mosaic
from plugins.metrics import quality
from plugins.restore import back_projection, blocks
from plugins.restore import grid as pixel_grid

from .conftest import skimage_photos

PHOTOS = [Image.fromarray(photo) for photo in skimage_photos()]


def editor_mosaic(photo: Image.Image, block: float, shift: tuple[int, int], down: str = "box"):
    """(mosaic, truth, bicubic of the true low-res image, grid) of a 240x200 crop cut `shift` px into the blocks."""
    dx, dy = shift
    patch = photo.crop((40, 30, 40 + 240 + dx, 30 + 200 + dy))
    made, (size_x, size_y) = mosaic.pixelate_like_editor(patch, block, down)
    bicubic = mosaic.shrink(patch, block, down).resize(patch.size, Image.Resampling.BICUBIC)
    window = (dx, dy, patch.width, patch.height)
    made, truth, bicubic = (np.asarray(img.crop(window)) for img in (made, patch, bicubic))
    return made, truth, bicubic, pixel_grid.Grid(size_x, -dx % size_x, size_y, -dy % size_y, 1.0)


def block_miss(image: np.ndarray, made: np.ndarray, grid: pixel_grid.Grid) -> float:
    """Mean distance of the image's whole-block means from the mosaic's blocks, over whole blocks."""
    whole = back_projection.whole_blocks(grid, image.shape[1], image.shape[0])
    miss = blocks.low_res(image, grid, whole=True) - blocks.low_res(made, grid)
    return float(np.abs(miss[whole]).mean())


def test_whole_blocks_leave_out_the_blocks_cut_by_the_edges():
    whole = back_projection.whole_blocks(pixel_grid.Grid(4.0, 2.0, 4.0, 0.0, 1.0), 18, 12)
    np.testing.assert_array_equal(whole, np.array([[False, True, True, True, True]] * 3))
    # 4.6 px blocks from the corner: round(23 / 4.6) = 5 cells fill 23 px exactly
    assert back_projection.whole_blocks(pixel_grid.Grid(4.6, 0.0, 4.6, 0.0, 1.0), 23, 23).all()


@pytest.mark.parametrize("photo, block, shift", [(0, 4.0, (0, 0)), (1, 6.0, (3, 2)), (2, 4.6, (1, 0)),
                                                 (3, 8.0, (5, 7))])
def test_a_plain_upscale_comes_closer_to_the_truth_and_to_the_blocks(photo, block, shift):
    """On box mosaics the truth's block means are the blocks, so the projection can only help a fair
    estimate: bicubic of the true low-res image gains PSNR and its block means land on the mosaic."""
    made, truth, bicubic, grid = editor_mosaic(PHOTOS[photo], block, shift)
    done = back_projection.back_project(bicubic, blocks.low_res(made, grid), grid)
    assert done.shape == bicubic.shape and done.dtype == np.uint8
    assert quality.psnr(done, truth) > quality.psnr(bicubic, truth)
    assert block_miss(done, made, grid) < block_miss(bicubic, made, grid) / 2
    # the correction is smooth: it leaves no grid of its own behind
    assert not pixel_grid.detect_grid(done).found


def test_no_rounds_or_no_whole_block_gives_the_image_back():
    made, _, bicubic, grid = editor_mosaic(PHOTOS[0], 4.0, (0, 0))
    observed = blocks.low_res(made, grid)
    assert back_projection.back_project(bicubic, observed, grid, rounds=0) is bicubic
    tiny = pixel_grid.Grid(8.0, 3.0, 8.0, 3.0, 1.0)  # 6x6 px: every block is cut by an edge
    small = bicubic[:6, :6]
    assert back_projection.back_project(small, blocks.low_res(small, tiny), tiny) is small


@pytest.mark.parametrize("photo, block", [(0, 4.0), (1, 4.6), (2, 8.0)])
def test_bilinear_cells_are_pils_bilinear_shrink(photo, block):
    """The bilinear hypothesis is the very shrink PIL (and browsers) make, not an approximation."""
    made, truth, _, grid = editor_mosaic(PHOTOS[photo], block, (0, 0), "bilinear")
    cells = back_projection.bilinear_cells(truth.astype(np.float32), grid)
    # inside (at the image's edge PIL renormalises its filter, bilinear_cells repeats the edge pixels);
    # PIL's 8-bit path rounds its weights and its result
    miss = np.abs(cells - blocks.low_res(made, grid))[1:-1, 1:-1]
    assert miss.max() <= 1 and miss.mean() < 0.3
    assert np.abs(back_projection.box_cells(truth, grid) - blocks.low_res(made, grid)).mean() > 1


@pytest.mark.parametrize("photo, block, shift", [(0, 4.0, (0, 0)), (1, 6.0, (3, 2)), (2, 4.6, (1, 0))])
def test_bilinear_rounds_bring_a_bilinear_mosaic_closer_than_box_rounds(photo, block, shift):
    """A bilinear-shrunk mosaic's cells are not block means: rounds that match box means pull a fair
    estimate the wrong way, rounds under the bilinear shrink pull it towards the truth."""
    made, truth, bicubic, grid = editor_mosaic(PHOTOS[photo], block, shift, "bilinear")
    observed = blocks.low_res(made, grid)
    bilinear = back_projection.back_project(bicubic, observed, grid, down="bilinear")
    box = back_projection.back_project(bicubic, observed, grid, down="box")
    assert quality.psnr(bilinear, truth) > max(quality.psnr(bicubic, truth), quality.psnr(box, truth))
    assert not pixel_grid.detect_grid(bilinear).found

