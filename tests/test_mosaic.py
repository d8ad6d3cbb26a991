"""plugins.data.mosaic: mosaics as editors make them (real block sizes, grids cut anywhere, JPEG)."""
from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from plugins.data import mosaic
from plugins.data import pixelation


def noise(width: int, height: int, seed: int = 0) -> Image.Image:
    return Image.fromarray(np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8))


def run_lengths(row: np.ndarray) -> list[int]:
    """Lengths of the runs of equal pixels along one row (H=1 slice of an RGB image)."""
    starts = [0] + [i for i in range(1, len(row)) if (row[i] != row[i - 1]).any()] + [len(row)]
    return [b - a for a, b in zip(starts, starts[1:])]


@pytest.mark.parametrize("block", [4.0, 4.6, 6.0, 7.3])
def test_non_integer_blocks_are_the_two_neighbouring_widths(block):
    made, (bx, by) = mosaic.pixelate_like_editor(noise(230, 161), block, "box")
    widths = run_lengths(np.asarray(made)[0])
    assert len(widths) == mosaic.cells(230, block) == round(230 / block)
    assert set(widths) <= {int(np.floor(bx)), int(np.ceil(bx))}
    assert bx == pytest.approx(230 / round(230 / block)) and by == pytest.approx(161 / round(161 / block))
    heights = run_lengths(np.asarray(made)[:, 0])
    assert set(heights) <= {int(np.floor(by)), int(np.ceil(by))}


def test_box_blocks_are_block_means():
    photo = noise(64, 64, seed=1)
    made, _ = mosaic.pixelate_like_editor(photo, 4, "box")
    expected = np.asarray(photo, np.float64).reshape(16, 4, 16, 4, 3).mean(axis=(1, 3))
    # PIL averages in fixed point: within one grey level of the exact mean
    assert np.abs(np.asarray(made)[::4, ::4].astype(np.float64) - expected).max() <= 1


@pytest.mark.parametrize("offset", [(1, 3), (2, 0), (3, 2)])
def test_a_grid_cut_at_an_offset_has_its_boundaries_there(offset):
    ox, oy = offset
    made, _ = mosaic.pixelate_like_editor(noise(80, 80, seed=2), 4, "box")
    cut = np.asarray(made)[oy:, ox:]
    assert run_lengths(cut[0])[0] == (4 - ox if ox else 4)
    assert run_lengths(cut[:, 0])[0] == (4 - oy if oy else 4)
    assert set(run_lengths(cut[0])[1:-1]) == {4}


@pytest.mark.parametrize("quality", [70, 85, 95])
def test_jpeg_quality_round_trips(quality):
    """The file carries IJG's luminance table for that quality (DC entry 16, scaled as libjpeg scales it)."""
    data = mosaic.encode_jpeg(noise(64, 64), quality)
    with Image.open(io.BytesIO(data)) as img:
        assert img.format == "JPEG"
        dc = img.quantization[0][0]
    scale = 5000 / quality if quality < 50 else 200 - 2 * quality
    assert dc == max(1, (16 * scale + 50) // 100)
    decoded = np.asarray(mosaic.jpeg(noise(64, 64), quality)).astype(int)
    assert 0 < np.abs(decoded - np.asarray(noise(64, 64)).astype(int)).mean() < 255


@pytest.mark.parametrize("spec, low, high, message", [
    ("0:101", 1, 100, "outside 1..100"), ("90:80", 1, 100, "backwards"), ("abc", 1, 100, "does not parse"),
    ("0.5:4", 1, 128, "outside 1..128"), ("inf", 1, 100, "does not parse"), ("nan", 1, 100, "does not parse"),
    ("-2", 1, 100, "outside"),
])
def test_impossible_values_are_refused_naming_the_flag(spec, low, high, message):
    with pytest.raises(ValueError, match=message) as err:
        mosaic.parse_range(spec, "--pixel_jpeg", low, high)
    assert "--pixel_jpeg" in str(err.value)


def test_ranges_parse_and_draw_inside():
    assert mosaic.parse_range("4.6", "--pixel_block", 1, 128) == (4.6, 4.6)
    bounds = mosaic.parse_range("3.6:9", "--pixel_block", 1, 128)
    rng = np.random.default_rng(0)
    draws = [mosaic.draw(bounds, rng) for _ in range(200)]
    assert 3.6 <= min(draws) < 4.5 and 8 < max(draws) <= 9


def test_encode_refuses_impossible_quality():
    with pytest.raises(ValueError, match="outside 1..100"):
        mosaic.jpeg(noise(8, 8), 0)
    with pytest.raises(ValueError, match="below 1"):
        mosaic.pixelate_like_editor(noise(8, 8), 0.5)
    assert pixelation.FILTERS  # the filters mosaics take are pixelation's
