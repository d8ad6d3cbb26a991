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

import numpy as np
from scipy.linalg import blas
from threadpoolctl import ThreadpoolController

PEAK = 255.0
SSIM_SIGMA = 1.5
SSIM_TRUNCATE = 3.5  # an 11-tap window, as Wang et al.
SSIM_PAD = int(SSIM_TRUNCATE * SSIM_SIGMA + 0.5)
SSIM_C1 = (0.01 * PEAK) ** 2
SSIM_C2 = (0.03 * PEAK) ** 2
SSIM_STRIP = 64  # output rows scored at a time: 64 x 256 x 3 float64 about fill a core's cache
# ssim's axpys run on one BLAS thread: on small arrays, and in several worker
# processes, BLAS threads only wait for each other (20x slower on 2 cores).
BLAS = ThreadpoolController()


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
    """Peak signal-to-noise ratio in dB (peak 255); inf for identical images (see sr_view for the options)."""
    check_pair(a, b)
    a, b = sr_view(a, crop_border, y_channel), sr_view(b, crop_border, y_channel)
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
    """The SSIM window over both spatial axes of a C-contiguous float64 image, interior only
    (where no padding reaches): (H-10, W-10[, C]).

    Only the interior enters the mean SSIM (scikit-image crops the window
    radius), so this equals gaussian_filter there and skips the border.
    Each tap is one BLAS axpy (out += w * shifted) over the flat image: a
    shift by whole rows is the vertical pass, a shift by whole pixels the
    horizontal one, whose last 2 * SSIM_PAD columns wrap and are dropped.
    """
    height, width = x.shape[0] - 2 * SSIM_PAD, x.shape[1] - 2 * SSIM_PAD
    pixel = x[0, 0].size
    row = x.shape[1] * pixel
    flat = x.reshape(-1)
    rows = flat[:height * row] * WINDOW[0]
    for i in range(1, len(WINDOW)):
        blas.daxpy(flat[i * row:(i + height) * row], rows, a=WINDOW[i])
    out = np.empty(height * row)
    valid = out[:height * row - 2 * SSIM_PAD * pixel]
    np.multiply(rows[:valid.size], WINDOW[0], out=valid)
    for i in range(1, len(WINDOW)):
        blas.daxpy(rows[i * pixel:i * pixel + valid.size], valid, a=WINDOW[i])
    return out.reshape((height,) + x.shape[1:])[:, :width]


def _ssim_sums(x: np.ndarray, y: np.ndarray, mu_y: np.ndarray, mean_sq_c1: np.ndarray,
               var_c2: np.ndarray) -> np.ndarray:
    """Per-channel sums of the SSIM map of float64 x against y, given y's filtered mean,
    mean**2 + C1 and variance + C2."""
    ux = _filter(x)
    ux2 = ux * ux
    uxuy = ux * mu_y
    num = _filter(x * y)
    num -= uxuy
    num *= 2
    num += SSIM_C2  # 2 cov + C2
    uxuy *= 2
    uxuy += SSIM_C1  # 2 ux uy + C1
    num *= uxuy
    den = _filter(x * x)
    den -= ux2
    den += var_c2  # var_x + var_y + C2
    ux2 += mean_sq_c1
    den *= ux2
    num /= den
    return num.sum(axis=(0, 1))


def ssim_many(images: list[np.ndarray], reference: np.ndarray, crop_border: int = 0,
              y_channel: bool = False) -> list[float]:
    """Structural similarity of each image against one reference, channel-averaged (see sr_view for
    the options).

    Strip by strip of SSIM_STRIP output rows, so that every pass over the
    statistics stays in cache (the arithmetic is that of a whole-image pass);
    the reference's share of each strip is computed once for all images.
    """
    for img in images:
        check_pair(img, reference)
    y = np.ascontiguousarray(sr_view(reference, crop_border, y_channel), dtype=np.float64)
    if min(y.shape[:2]) < 2 * SSIM_PAD + 1:
        raise ValueError(f"ssim needs images of at least {2 * SSIM_PAD + 1} px: {y.shape}")
    xs = [np.ascontiguousarray(sr_view(img, crop_border, y_channel), dtype=np.float64) for img in images]
    height, width = y.shape[0] - 2 * SSIM_PAD, y.shape[1] - 2 * SSIM_PAD
    sums = np.zeros((len(xs), 1 if y.ndim == 2 else y.shape[2]))
    with BLAS.limit(limits=1, user_api="blas"):
        for top in range(0, height, SSIM_STRIP):
            rows = slice(top, min(top + SSIM_STRIP, height) + 2 * SSIM_PAD)
            y_rows = y[rows]
            mu_y = _filter(y_rows)
            mu_y2 = mu_y * mu_y
            mean_sq_c1, var_c2 = mu_y2 + SSIM_C1, _filter(y_rows * y_rows) - mu_y2 + SSIM_C2
            for k, x in enumerate(xs):
                sums[k] += _ssim_sums(x[rows], y_rows, mu_y, mean_sq_c1, var_c2)
    return [float(s) for s in (sums / (height * width)).mean(axis=1)]


def ssim(a: np.ndarray, b: np.ndarray, crop_border: int = 0, y_channel: bool = False) -> float:
    """Structural similarity of a against reference b, channel-averaged (see sr_view for the options)."""
    return ssim_many([a], b, crop_border, y_channel)[0]
