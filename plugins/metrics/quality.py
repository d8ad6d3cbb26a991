"""Image quality metrics on uint8 arrays (H, W, C) or (H, W): pure functions.

- psnr: the study's definition, MSE over all pixels and channels, peak 255.
- cosine_similarity: the flattened pixel vectors' dot product over the
  product of their norms.
- ssim: Wang et al. 2004 as scikit-image computes it with
  gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
  data_range=255, averaged over channels; ssim_many scores several images
  against one reference, whose filtered statistics it computes once.
psnr and ssim take BasicSR's conventions as options, as its calculate_psnr
and calculate_ssim do (basicsr/metrics/psnr_ssim.py): crop_border drops that
many pixels on each side, y_channel scores the ITU-R BT.601 luma of RGB
images. Both are off by default, the study's convention.
scikit-image's peak_signal_noise_ratio and structural_similarity are the
reference the tests hold these to, and BasicSR's formulas for the options.
"""
from __future__ import annotations

import math

import numpy as np

PEAK = 255.0
SSIM_SIGMA = 1.5
SSIM_TRUNCATE = 3.5  # an 11-tap window, as Wang et al.
SSIM_PAD = int(SSIM_TRUNCATE * SSIM_SIGMA + 0.5)
SSIM_C1 = (0.01 * PEAK) ** 2
SSIM_C2 = (0.03 * PEAK) ** 2


def check_pair(a: np.ndarray, b: np.ndarray) -> None:
    """Raise ValueError naming both shapes unless a and b are uint8 images of one shape."""
    if a.shape != b.shape or a.dtype != b.dtype or a.dtype != np.uint8 or a.ndim not in (2, 3):
        raise ValueError(f"images differ or are not uint8 (H, W[, C]): {a.shape} {a.dtype} vs {b.shape} {b.dtype}")


def to_y_channel(img: np.ndarray) -> np.ndarray:
    """ITU-R BT.601 luma (16..235) of an RGB uint8 image, as float64 (BasicSR's convention)."""
    rgb = img.astype(np.float64)
    return 16.0 + (65.481 * rgb[..., 0] + 128.553 * rgb[..., 1] + 24.966 * rgb[..., 2]) / 255.0


def sr_view(img: np.ndarray, crop_border: int = 0, y_channel: bool = False) -> np.ndarray:
    """What BasicSR scores of an image: `crop_border` pixels off each side, then the luma
    of an RGB image when `y_channel` (a grayscale image stays as it is)."""
    height, width = img.shape[:2]
    if crop_border < 0 or 2 * crop_border >= min(height, width):
        raise ValueError(f"crop_border {crop_border}: needs 0 <= crop_border < half of {height}x{width}")
    if crop_border:
        img = img[crop_border:-crop_border, crop_border:-crop_border]
    return to_y_channel(img) if y_channel and img.ndim == 3 else img


def psnr(a: np.ndarray, b: np.ndarray, crop_border: int = 0, y_channel: bool = False) -> float:
    """Peak signal-to-noise ratio in dB (peak 255); inf for identical images (see sr_view for the options).
    8-bit pixels are summed as integers: exact, and without float64 copies of both images."""
    check_pair(a, b)
    a, b = sr_view(a, crop_border, y_channel), sr_view(b, crop_border, y_channel)
    if a.dtype == np.uint8:
        diff = np.subtract(a, b, dtype=np.int16)
        mse = np.multiply(diff, diff, dtype=np.int32).sum(dtype=np.int64) / diff.size
    else:  # the float64 luma of y_channel
        mse = np.mean((a - b) ** 2)
    return float("inf") if mse == 0 else float(10 * np.log10(PEAK ** 2 / mse))


def _dot(x: np.ndarray, y: np.ndarray) -> int:
    """The exact dot product of two flat uint8 arrays (products fit uint32, the sum uint64)."""
    return int(np.multiply(x, y, dtype=np.uint32).sum(dtype=np.uint64))


def cosine_similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine of the angle between the flattened pixel vectors (1 for identical images).

    Integer dot products: exact, about 20x faster than float64 copies, and,
    unlike a float BLAS dot, free of BLAS threads spinning in worker processes.
    """
    check_pair(a, b)
    x, y = a.ravel(), b.ravel()
    norms = math.sqrt(_dot(x, x) * _dot(y, y))
    if norms == 0:
        return 1.0 if np.array_equal(x, y) else 0.0
    return _dot(x, y) / norms


def _gaussian_window() -> np.ndarray:
    """The 1-D Gaussian taps scipy.ndimage.gaussian_filter uses for sigma 1.5, truncate 3.5."""
    taps = np.exp(-0.5 * (np.arange(-SSIM_PAD, SSIM_PAD + 1) / SSIM_SIGMA) ** 2)
    return taps / taps.sum()


WINDOW = _gaussian_window()


def _planes(img: np.ndarray) -> np.ndarray:
    """An (H, W[, C]) image as (C, H, W) channel planes, the kernel's layout (a view)."""
    return np.moveaxis(img, -1, 0) if img.ndim == 3 else img[None]


def ssim_many(images: list[np.ndarray], reference: np.ndarray, crop_border: int = 0,
              y_channel: bool = False) -> list[float]:
    """Structural similarity of each image against one reference, channel-averaged (see sr_view for
    the options). One compiled pass (plugins.metrics.ssim_kernel) scores them all on their own pixels,
    uint8 or float64 luma, without float64 copies; the reference's statistics are filtered once."""
    from plugins.metrics import ssim_kernel  # numba's import and cache load are paid by SSIM's callers only

    for img in images:
        check_pair(img, reference)
    y = sr_view(reference, crop_border, y_channel)
    if min(y.shape[:2]) < 2 * SSIM_PAD + 1:
        raise ValueError(f"ssim needs images of at least {2 * SSIM_PAD + 1} px: {reference.shape}")
    xs = np.ascontiguousarray(np.stack([_planes(sr_view(img, crop_border, y_channel)) for img in images]))
    means = ssim_kernel.ssim_means(xs, np.array(_planes(y), order="C"), WINDOW, SSIM_C1, SSIM_C2)  # writable copies
    return [float(m) for m in means]


def ssim(a: np.ndarray, b: np.ndarray, crop_border: int = 0, y_channel: bool = False) -> float:
    """Structural similarity of a against reference b, channel-averaged (see sr_view for the options)."""
    return ssim_many([a], b, crop_border, y_channel)[0]
