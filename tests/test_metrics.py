"""plugins.metrics.quality against scikit-image (the reference) and direct formulas."""
from __future__ import annotations

import math

import numpy as np
import pytest
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from plugins.metrics import quality as metrics

from .conftest import skimage_photos


def pairs():
    rng = np.random.default_rng(0)
    noise = rng.integers(0, 256, (64, 80, 3), dtype=np.uint8)
    yield noise, rng.integers(0, 256, noise.shape, dtype=np.uint8)
    flat = np.full((48, 48, 3), 250, np.uint8)  # bright and flat: where float32 statistics lose 3e-5
    yield flat, flat + rng.integers(0, 3, flat.shape, dtype=np.uint8)
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
    assert metrics.ssim_many([a, b], b) == [metrics.ssim(a, b), metrics.ssim(b, b)]  # one reference, shared


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


# BasicSR's conventions (basicsr/metrics/psnr_ssim.py and basicsr/utils/color_util.py), written out
# here as the reference: BasicSR reads BGR, so its bgr2ycbcr weights [24.966, 128.553, 65.481] are
# these RGB weights reversed; calculate_ssim filters with cv2.getGaussianKernel(11, 1.5) and keeps
# the 'valid' part, channel by channel.
def basicsr_y(img):
    """Y = 16 + (65.481 R + 128.553 G + 24.966 B) / 255 with R, G, B in 0..255 (BT.601, MATLAB rgb2ycbcr)."""
    rgb = img.astype(np.float64) / 255.0
    return (rgb @ np.array([65.481, 128.553, 24.966]) + 16.0)[..., None]


def basicsr_view(img, crop_border, test_y_channel):
    img = img.astype(np.float64)
    if img.ndim == 2:
        img = img[..., None]
    if crop_border:
        img = img[crop_border:-crop_border, crop_border:-crop_border, ...]
    return basicsr_y(img) if test_y_channel and img.shape[2] == 3 else img


def basicsr_psnr(img, img2, crop_border=0, test_y_channel=False):
    img, img2 = basicsr_view(img, crop_border, test_y_channel), basicsr_view(img2, crop_border, test_y_channel)
    mse = np.mean((img - img2) ** 2)
    return math.inf if mse == 0 else 10.0 * np.log10(255.0 * 255.0 / mse)


def basicsr_ssim(img, img2, crop_border=0, test_y_channel=False):
    from scipy.signal import correlate2d
    img, img2 = basicsr_view(img, crop_border, test_y_channel), basicsr_view(img2, crop_border, test_y_channel)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    taps = np.exp(-((np.arange(11) - 5) ** 2) / (2 * 1.5 ** 2))
    window = np.outer(taps / taps.sum(), taps / taps.sum())
    valid = lambda x: correlate2d(x, window, mode="valid")  # noqa: E731
    maps = []
    for i in range(img.shape[2]):
        x, y = img[..., i], img2[..., i]
        mu1, mu2 = valid(x), valid(y)
        sigma1, sigma2, sigma12 = valid(x * x) - mu1 ** 2, valid(y * y) - mu2 ** 2, valid(x * y) - mu1 * mu2
        maps.append((((2 * mu1 * mu2 + c1) * (2 * sigma12 + c2)) /
                     ((mu1 ** 2 + mu2 ** 2 + c1) * (sigma1 + sigma2 + c2))).mean())
    return float(np.mean(maps))


def test_y_channel_known_values():
    colours = np.array([[[0, 0, 0], [255, 255, 255], [255, 0, 0], [0, 255, 0], [0, 0, 255]]], np.uint8)
    assert metrics.to_y_channel(colours)[0] == pytest.approx([16.0, 235.0, 16 + 65.481, 16 + 128.553, 16 + 24.966])
    black, white = np.zeros((16, 16, 3), np.uint8), np.full((16, 16, 3), 255, np.uint8)
    assert metrics.psnr(black, white, y_channel=True) == pytest.approx(20 * math.log10(255 / 219))
    assert metrics.psnr(black, white) == pytest.approx(0.0)


@pytest.mark.parametrize("crop_border", [0, 1, 4])
@pytest.mark.parametrize("y_channel", [False, True])
@pytest.mark.parametrize("a, b", list(pairs())[:4])
def test_options_equal_basicsr_formulas(a, b, crop_border, y_channel):
    assert metrics.psnr(a, b, crop_border, y_channel) == pytest.approx(basicsr_psnr(a, b, crop_border, y_channel),
                                                                       abs=1e-9)
    assert metrics.ssim(a, b, crop_border, y_channel) == pytest.approx(basicsr_ssim(a, b, crop_border, y_channel),
                                                                       abs=1e-9)
    assert metrics.ssim_many([a, b], b, crop_border, y_channel) == [metrics.ssim(a, b, crop_border, y_channel),
                                                                    metrics.ssim(b, b, crop_border, y_channel)]


def test_ssim_crop_border_ignores_the_border():
    rng = np.random.default_rng(2)
    a = rng.integers(0, 256, (40, 40, 3), dtype=np.uint8)
    b = a.copy()
    b[:3] = 255 - b[:3]
    assert metrics.ssim(a, b, crop_border=3) == pytest.approx(1.0) and metrics.ssim(a, b) < 0.999


def test_crop_border_that_leaves_nothing_names_it():
    a = np.zeros((30, 30, 3), np.uint8)
    for fn in (metrics.psnr, metrics.ssim):
        with pytest.raises(ValueError, match="crop_border 15"):
            fn(a, a, crop_border=15)
    with pytest.raises(ValueError, match="at least 11 px"):
        metrics.ssim(a, a, crop_border=10)
