"""Image quality metrics on uint8 arrays (H, W, C) or (H, W): pure functions.

- psnr: the study's definition, MSE over all pixels and channels, peak 255;
  with BasicSR's options (crop_border, y_channel) off by default.
- cosine_similarity: the flattened pixel vectors' dot product over the
  product of their norms.
- ssim: Wang et al. 2004 as scikit-image computes it with
  gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
  data_range=255, averaged over channels. The reference image's filtered
  statistics can be computed once (reference_stats) and reused when several
  images are scored against the same reference.
scikit-image's peak_signal_noise_ratio and structural_similarity are the
reference the tests hold these to.
"""
from __future__ import annotations

from typing import NamedTuple

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


def psnr(a: np.ndarray, b: np.ndarray, crop_border: int = 0, y_channel: bool = False) -> float:
    """Peak signal-to-noise ratio in dB (peak 255); inf for identical images.

    crop_border drops that many pixels on each side first; y_channel scores
    the luma of RGB images only.
    """
    check_pair(a, b)
    if crop_border:
        a, b = a[crop_border:-crop_border, crop_border:-crop_border], b[crop_border:-crop_border, crop_border:-crop_border]
    if y_channel and a.ndim == 3:
        a, b = to_y_channel(a), to_y_channel(b)
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else float(10 * np.log10(PEAK ** 2 / mse))


def cosine_similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine of the angle between the flattened pixel vectors (1 for identical images).

    Plain numpy sums, not BLAS dot: BLAS threads spinning in several worker
    processes made a 2-process evaluation 4x slower than one process.
    """
    check_pair(a, b)
    x, y = a.ravel().astype(np.float64), b.ravel().astype(np.float64)
    norms = np.sqrt((x * x).sum() * (y * y).sum())
    if norms == 0:
        return 1.0 if np.array_equal(x, y) else 0.0
    return float((x * y).sum() / norms)


def _gaussian_window() -> np.ndarray:
    """The 1-D Gaussian taps scipy.ndimage.gaussian_filter uses for sigma 1.5, truncate 3.5."""
    taps = np.exp(-0.5 * (np.arange(-SSIM_PAD, SSIM_PAD + 1) / SSIM_SIGMA) ** 2)
    return taps / taps.sum()


WINDOW = _gaussian_window()


def _filter(x: np.ndarray) -> np.ndarray:
    """The SSIM window over both spatial axes, interior only (where no padding reaches).

    Only the interior enters the mean SSIM (scikit-image crops the window
    radius), so this equals gaussian_filter there and skips the border.
    """
    height, width = x.shape[0] - 2 * SSIM_PAD, x.shape[1] - 2 * SSIM_PAD
    rows = WINDOW[0] * x[:height]
    for i in range(1, len(WINDOW)):
        rows += WINDOW[i] * x[i:i + height]
    out = WINDOW[0] * rows[:, :width]
    for i in range(1, len(WINDOW)):
        out += WINDOW[i] * rows[:, i:i + width]
    return out


class ReferenceStats(NamedTuple):
    """Terms of the SSIM formula that depend on the reference image alone."""
    image: np.ndarray
    pixels: np.ndarray  # float64 copy
    mean: np.ndarray  # filtered, interior
    mean_sq_c1: np.ndarray  # mean**2 + C1
    var_c2: np.ndarray  # variance + C2


def reference_stats(img: np.ndarray) -> ReferenceStats:
    """The reference's share of ssim, computed once for several images scored against it."""
    if min(img.shape[:2]) < 2 * SSIM_PAD + 1:
        raise ValueError(f"ssim needs images of at least {2 * SSIM_PAD + 1} px: {img.shape}")
    y = img.astype(np.float64)
    uy = _filter(y)
    uy2 = uy * uy
    return ReferenceStats(img, y, uy, uy2 + SSIM_C1, _filter(y * y) - uy2 + SSIM_C2)


def ssim(a: np.ndarray, b: np.ndarray | ReferenceStats) -> float:
    """Structural similarity of a against reference b (or b's ReferenceStats), channel-averaged."""
    check_pair(a, b.image if isinstance(b, ReferenceStats) else b)
    ref = b if isinstance(b, ReferenceStats) else reference_stats(b)
    x = a.astype(np.float64)
    ux = _filter(x)
    ux2 = ux * ux
    uxuy = ux * ref.mean
    num = _filter(x * ref.pixels)
    num -= uxuy
    num *= 2
    num += SSIM_C2  # 2 cov + C2
    uxuy *= 2
    uxuy += SSIM_C1  # 2 ux uy + C1
    num *= uxuy
    den = _filter(x * x)
    den -= ux2
    den += ref.var_c2  # var_x + var_y + C2
    ux2 += ref.mean_sq_c1
    den *= ux2
    num /= den
    per_channel = num.reshape(-1, 1 if num.ndim == 2 else num.shape[2]).mean(axis=0, dtype=np.float64)
    return float(per_channel.mean())
