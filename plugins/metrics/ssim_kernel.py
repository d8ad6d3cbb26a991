"""The SSIM map's mean in one compiled pass (numba): scikit-image's arithmetic, fused.

scikit-image filters five statistics maps per channel with
scipy.ndimage.gaussian_filter, each a full pass over memory, and then
combines them. This kernel walks the output one row at a time: the vertical
pass of the 11-tap window fills row buffers of the sums of x, x*x and x*y,
the horizontal pass and the SSIM formula run on them while they sit in L1
cache (channel planes, so a row's buffers are small), and the reference's
statistics serve every candidate. The arithmetic is float64, as scikit-image's
(results agree to ~1e-15); only the interior, where no padding reaches,
enters the mean, as scikit-image crops it. Compiled at import for 8-bit and
float64 (luma) pixels and cached on disk by numba, so that worker processes
forked afterwards share it.
"""
from __future__ import annotations

import numba
import numpy as np

SIGNATURES = [f"f8[::1]({kind}[:, :, :, ::1], {kind}[:, :, ::1], f8[::1], f8, f8)" for kind in ("u1", "f8")]


@numba.njit(inline="always")
def _vertical(x: np.ndarray, y: np.ndarray, row: int, window: np.ndarray, out: np.ndarray) -> None:
    """Window-weighted sums down the columns from `row` of x, x * x and x * y, into out (3, W)."""
    out[:] = 0.0
    for i in range(window.size):
        w = window[i]
        for j in range(x.shape[1]):
            a, b = np.float64(x[row + i, j]), np.float64(y[row + i, j])
            out[0, j] += w * a
            out[1, j] += w * (a * a)
            out[2, j] += w * (a * b)


@numba.njit(inline="always")
def _horizontal(sums: np.ndarray, window: np.ndarray, out: np.ndarray) -> None:
    """The window along each row of sums (3, W), into out (3, W - taps + 1)."""
    out[:] = 0.0
    for i in range(window.size):
        w = window[i]
        for j in range(out.shape[1]):
            out[0, j] += w * sums[0, j + i]
            out[1, j] += w * sums[1, j + i]
            out[2, j] += w * sums[2, j + i]


@numba.njit(SIGNATURES, cache=True, nogil=True)
def ssim_means(candidates: np.ndarray, reference: np.ndarray, window: np.ndarray, c1: float,
               c2: float) -> np.ndarray:
    """Mean SSIM over every channel of each candidate (K, C, H, W) against the reference (C, H, W)."""
    count, channels, height, width = candidates.shape
    out_h, out_w = height - window.size + 1, width - window.size + 1
    totals = np.zeros(count)
    column_sums, y_stats, x_stats = np.empty((3, width)), np.empty((3, out_w)), np.empty((3, out_w))
    for ch in range(channels):
        for row in range(out_h):
            _vertical(reference[ch], reference[ch], row, window, column_sums)
            _horizontal(column_sums, window, y_stats)  # mean y, mean y*y (twice)
            for k in range(count):
                _vertical(candidates[k, ch], reference[ch], row, window, column_sums)
                _horizontal(column_sums, window, x_stats)  # mean x, mean x*x, mean x*y
                total = 0.0
                for j in range(out_w):
                    ux, uy = x_stats[0, j], y_stats[0, j]
                    total += ((2.0 * ux * uy + c1) * (2.0 * (x_stats[2, j] - ux * uy) + c2)) / \
                        ((ux * ux + uy * uy + c1) * (x_stats[1, j] - ux * ux + y_stats[1, j] - uy * uy + c2))
                totals[k] += total
    return totals / (channels * out_h * out_w)
