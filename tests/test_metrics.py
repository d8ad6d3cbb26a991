"""plugins.metrics against scikit-image (the reference) and direct formulas."""
from __future__ import annotations

import math

import numpy as np
import pytest
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from plugins import metrics

from .conftest import skimage_photos


def pairs():
    rng = np.random.default_rng(0)
    noise = rng.integers(0, 256, (64, 80, 3), dtype=np.uint8)
    yield noise, rng.integers(0, 256, noise.shape, dtype=np.uint8)
    for photo in skimage_photos():
        crop = photo[:128, :160]
        yield crop, np.clip(crop + rng.normal(0, 12, crop.shape), 0, 255).astype(np.uint8)
        yield crop[..., 1], np.roll(crop[..., 1], 3, axis=0)


def reference_ssim(a, b):
    return structural_similarity(a, b, gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
                                 data_range=255, channel_axis=2 if a.ndim == 3 else None)


@pytest.mark.parametrize("a, b", list(pairs()))
def test_psnr_and_ssim_equal_scikit_image(a, b):
    assert metrics.psnr(a, b) == pytest.approx(peak_signal_noise_ratio(b, a, data_range=255), abs=1e-6)
    assert metrics.ssim(a, b) == pytest.approx(reference_ssim(a, b), abs=1e-6)
    assert metrics.ssim(a, metrics.reference_stats(b)) == metrics.ssim(a, b)


@pytest.mark.parametrize("a, b", list(pairs()))
def test_cosine_equals_direct_formula(a, b):
    x, y = a.astype(np.float64).ravel(), b.astype(np.float64).ravel()
    assert metrics.cosine_similarity(a, b) == pytest.approx(x @ y / (np.sqrt(x @ x) * np.sqrt(y @ y)), abs=1e-12)


def test_identical_images():
    img = skimage_photos()[0][:64, :64]
    assert metrics.psnr(img, img) == math.inf
    assert metrics.cosine_similarity(img, img) == pytest.approx(1.0)
    assert metrics.ssim(img, img) == pytest.approx(1.0)
    zero = np.zeros((16, 16), np.uint8)
    assert metrics.cosine_similarity(zero, zero) == 1.0
    assert metrics.cosine_similarity(zero, zero + 1) == 0.0


def test_psnr_options():
    rng = np.random.default_rng(1)
    a = rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)
    b = a.copy()
    b[:2] = 0  # differences only in the border rows
    assert metrics.psnr(a, b, crop_border=2) == math.inf
    y = metrics.to_y_channel(a)
    assert y.shape == (32, 32) and 16 <= y.min() and y.max() <= 235
    expected = 10 * np.log10(255 ** 2 / np.mean((metrics.to_y_channel(a) - metrics.to_y_channel(b)) ** 2))
    assert metrics.psnr(a, b, y_channel=True) == pytest.approx(expected)


def test_psnr_known_value():
    a = np.zeros((10, 10), np.uint8)
    b = np.full((10, 10), 10, np.uint8)
    assert metrics.psnr(a, b) == pytest.approx(10 * math.log10(255 ** 2 / 100))


@pytest.mark.parametrize("b", [np.zeros((8, 9, 3), np.uint8), np.zeros((8, 8, 3), np.float32),
                               np.zeros((8, 8), np.uint8)])
def test_mismatch_names_both_shapes(b):
    a = np.zeros((8, 8, 3), np.uint8)
    for fn in (metrics.psnr, metrics.cosine_similarity, metrics.ssim):
        with pytest.raises(ValueError, match=r"\(8, 8, 3\).*vs.*" + r"\(" + ", ".join(map(str, b.shape))):
            fn(a, b)
