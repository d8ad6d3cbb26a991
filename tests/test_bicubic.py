"""plugins.restore.bicubic equals PIL's bicubic resize, and the model's base equals evaluate's bicubic baseline."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from plugins.restore import bicubic
from plugins.data import pixelation
from plugins.evaluation import scores

from .conftest import skimage_photos


def pil_bicubic(low: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    return np.asarray(Image.fromarray(low).resize((size[1], size[0]), Image.Resampling.BICUBIC))


@pytest.mark.parametrize("low_hw, out_hw", [((32, 32), (128, 128)), ((64, 64), (256, 256)), ((85, 85), (256, 256)),
                                            ((37, 53), (128, 200)), ((3, 5), (17, 40)), ((128, 128), (256, 256))])
def test_upscale_equals_pil_on_noise(low_hw, out_hw):
    low = np.random.default_rng(0).integers(0, 256, (*low_hw, 3), dtype=np.uint8)
    got = bicubic.upscale(torch.from_numpy(low).permute(2, 0, 1), out_hw)
    assert np.array_equal(got.permute(1, 2, 0).numpy().astype(np.uint8), pil_bicubic(low, out_hw))


def test_unquantized_upscale_is_the_real_interpolation_and_keeps_constants():
    low = torch.full((1, 8, 8), 77.0)
    assert torch.allclose(bicubic.upscale(low, (32, 32), quantize=False),
                          torch.full((1, 32, 32), 77.0, dtype=torch.float64))
    rows = bicubic.resize_matrix(10, 37)
    assert torch.allclose(rows.sum(1), torch.ones(37, dtype=torch.float64))


def to_tensor(arr: np.ndarray) -> torch.Tensor:
    """upstream's ToTensor + Normalize(0.5, 0.5)."""
    return (torch.from_numpy(arr.copy()).permute(2, 0, 1).float() / 255 - 0.5) / 0.5


def saved(t: torch.Tensor) -> np.ndarray:
    """upstream's tensor2im."""
    return ((np.transpose(t.float().numpy(), (1, 2, 0)) + 1) / 2.0 * 255.0).astype(np.uint8)


@pytest.mark.parametrize("spec", ["64", "48:128"])
def test_base_saves_exactly_evaluates_bicubic_baseline(spec):
    """Fixed and range pixel sizes, batch > 1: a zero generator's output is evaluate's bicubic row."""
    sizes = pixelation.parse_pixel_size(spec)
    photos = [Image.fromarray(p).resize((256, 256)) for p in skimage_photos()]
    chosen = [pixelation.fixed_size(sizes, 0, i) for i in range(len(photos))]
    real_a = torch.stack([to_tensor(np.asarray(pixelation.pixelate(p, s))) for p, s in zip(photos, chosen)])
    base = bicubic.bicubic_base(real_a, [(s, s) for s in chosen])
    for b, a in zip(base, real_a):
        expected = scores.bicubic_baseline(saved(a))
        got = saved(b)
        assert np.abs(got.astype(int) - expected).mean() <= 0.5  # the bound
        assert np.array_equal(got, expected)  # and in fact exact


def test_low_res_inverts_nearest_upscale_on_non_square_grids():
    low = np.random.default_rng(1).integers(0, 256, (7, 11, 3), dtype=np.uint8)
    up = np.asarray(Image.fromarray(low).resize((40, 30), Image.Resampling.NEAREST))
    got = bicubic.low_res(torch.from_numpy(up.copy()).permute(2, 0, 1), (7, 11))
    assert np.array_equal(got.permute(1, 2, 0).numpy(), low)

