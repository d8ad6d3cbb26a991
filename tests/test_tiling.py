"""plugins.restore.tiling: padding, tiles on the block grid, and a blend that leaves no seam."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.ndimage import gaussian_filter

from plugins.data import scaling
from plugins.restore import tiling

from .conftest import skimage_photos


class Recorder:
    """A tiling model that applies `fn` and records each tile it saw and the grid it was given."""

    def __init__(self, fn=lambda tile: tile):
        self.fn, self.calls = fn, []

    def __call__(self, tile: np.ndarray, grid: tuple[int, int]) -> np.ndarray:
        self.calls.append((tile.copy(), grid))
        return self.fn(tile)


def blur(tile: np.ndarray) -> np.ndarray:
    """A smooth model: a Gaussian blur with reflection at the tile's edges."""
    return gaussian_filter(tile, sigma=(2, 2, 0), mode="reflect")


def low_res_photo(rows: int, cols: int) -> np.ndarray:
    return skimage_photos()[0][:rows, :cols].astype(np.float32)


@pytest.mark.parametrize("length, block, multiple, tile, overlap", [
    (1000, 4, 4, 512, 32), (2048, 4, 256, 512, 32), (999, 3, 128, 256, 24), (400, 8, 16, 64, 16),
    (4000, 5, 4, 512, 32), (96, 4, 4, 512, 32),
])
def test_plan_axis_covers_with_aligned_overlapping_tiles(length, block, multiple, tile, overlap):
    plan = tiling.plan_axis(length, block, multiple, tile, overlap)
    unit = tiling.tile_unit(block, multiple)
    assert plan.tile % unit == 0
    # one tile: padded to what the generator needs; several: tiles inside the image, no padding
    assert plan.padded % unit == 0 if len(plan.origins) == 1 else plan.padded == length
    assert plan.tile <= max(tile, unit)
    assert all(o % block == 0 for o in plan.origins)
    assert plan.origins[0] == 0 and plan.origins[-1] + plan.tile == plan.padded >= length
    for a, b in zip(plan.origins, plan.origins[1:]):
        assert a + plan.tile - b >= min(overlap, plan.tile // 2) - block  # overlap, up to grid rounding
    total = np.zeros(plan.padded)
    for origin, window in zip(plan.origins, plan.windows):
        total[origin:origin + plan.tile] += window
    np.testing.assert_allclose(total, 1.0)  # the ramps sum to one: a partition of unity


def test_plan_axis_refuses_a_length_off_the_grid():
    with pytest.raises(ValueError, match="multiple of the block 4"):
        tiling.plan_axis(1001, 4)


@pytest.mark.parametrize("rows, cols, block, multiple, tile", [
    (97, 131, 4, 16, 64),    # many tiles both ways
    (30, 170, 3, 32, 96),    # one padded tile high, tiles across
    (11, 7, 5, 64, 512),     # one small tile, padded both ways
])
def test_identity_model_reassembles_exactly(rows, cols, block, multiple, tile):
    low = np.random.default_rng(0).integers(0, 256, (rows, cols, 3)).astype(np.float32)
    model = Recorder()
    out = tiling.restore_tiled(low, block, model, multiple, tile, overlap=16)
    expected = low.astype(np.uint8).repeat(block, 0).repeat(block, 1)
    np.testing.assert_array_equal(out, expected)
    unit = tiling.tile_unit(block, multiple)
    for seen, grid in model.calls:
        h, w = seen.shape[:2]
        assert h % unit == 0 and w % unit == 0 and h <= max(tile, unit) and w <= max(tile, unit)
        assert grid == (h // block, w // block)
        # each tile is the nearest upscale of its grid, starting at its corner
        np.testing.assert_array_equal(seen, seen[::block, ::block].repeat(block, 0).repeat(block, 1))
        assert seen.dtype == np.float32 and -1 <= seen.min() and seen.max() <= 1


def test_many_tiles_report_progress():
    seen = []
    tiling.restore_tiled(low_res_photo(64, 64), 4, Recorder(), 4, 64, 16, on_tile=lambda d, n: seen.append((d, n)))
    assert seen == [(i, len(seen)) for i in range(1, len(seen) + 1)] and len(seen) == 25


def test_smooth_model_shows_no_seam():
    """Blur through 128 px tiles vs one pass over the whole image: the tiles' own edge effects
    (reflection at each tile border) are blended away to within 1 grey level (rounding) anywhere,
    0.01 on average. Without the blend (tiles side by side) the same borders are off by 10 and more."""
    low = low_res_photo(96, 112)
    block = 4
    whole = tiling.restore_tiled(low, block, Recorder(blur), 4, tile=1024).astype(int)
    tiled_model = Recorder(blur)
    tiled = tiling.restore_tiled(low, block, tiled_model, 4, tile=128, overlap=32).astype(int)
    assert len(tiled_model.calls) >= 12
    diff = np.abs(tiled - whole)
    assert diff.max() <= 1 and diff.mean() <= 0.01
    side_by_side = np.concatenate([np.concatenate([blur(scaling.to_unit(q)) for q in np.split(r, 4, 1)], 1)
                                   for r in np.split(low.repeat(block, 0).repeat(block, 1), 3, 0)], 0)
    seams = np.abs(scaling.to_uint8(side_by_side).astype(int) - whole)
    assert seams.max() >= 10


def test_model_of_the_wrong_shape_is_an_error():
    with pytest.raises(ValueError, match="model returned"):
        tiling.restore_tiled(low_res_photo(16, 16), 4, lambda tile, grid: tile[:-1], 4, 64)
