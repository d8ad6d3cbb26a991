"""The SSIM map's mean in one compiled pass (numba): scikit-image's arithmetic, fused.

scikit-image filters five statistics maps per channel with
scipy.ndimage.gaussian_filter, each a full pass over memory, and then
combines them. This kernel walks the output one row at a time: the vertical
pass of the 11-tap window fills five row buffers, the horizontal pass and
the SSIM formula run on them while they sit in L1 cache (channel planes, so
a row's buffers are small), and the reference's two maps serve every
candidate. The arithmetic is float64, as scikit-image's
(results agree to ~1e-15); only the interior, where no padding reaches,
enters the mean, as scikit-image crops it. Compiled at import for 8-bit and
float64 (luma) pixels and cached on disk by numba, so that worker processes
forked afterwards share it.
"""
from __future__ import annotations

import numba
import numpy as np

SIGNATURES = [f"f8[::1]({kind}[:, :, :, ::1], {kind}[:, :, ::1], f8[::1], f8, f8)" for kind in ("u1", "f8")]


@numba.njit(SIGNATURES, cache=True, nogil=True)
def ssim_means(candidates: np.ndarray, reference: np.ndarray, window: np.ndarray, c1: float,
               c2: float) -> np.ndarray:
    """Mean SSIM over every channel of each candidate (K, C, H, W) against the reference (C, H, W)."""
    count, channels, height, width = candidates.shape
    taps = window.size
    out_h, out_w = height - taps + 1, width - taps + 1
    totals = np.zeros(count)
    v_y, v_yy = np.empty(width), np.empty(width)
    v_x, v_xx, v_xy = np.empty(width), np.empty(width), np.empty(width)
    mu_y, e_yy = np.empty(out_w), np.empty(out_w)
    mu_x, e_xx, e_xy = np.empty(out_w), np.empty(out_w), np.empty(out_w)
    for ch in range(channels):
        for row in range(out_h):
            v_y[:] = 0.0
            v_yy[:] = 0.0
            for i in range(taps):
                w = window[i]
                for j in range(width):
                    y = np.float64(reference[ch, row + i, j])
                    v_y[j] += w * y
                    v_yy[j] += w * (y * y)
            mu_y[:] = 0.0
            e_yy[:] = 0.0
            for i in range(taps):
                w = window[i]
                for j in range(out_w):
                    mu_y[j] += w * v_y[j + i]
                    e_yy[j] += w * v_yy[j + i]
            for k in range(count):
                v_x[:] = 0.0
                v_xx[:] = 0.0
                v_xy[:] = 0.0
                for i in range(taps):
                    w = window[i]
                    for j in range(width):
                        x = np.float64(candidates[k, ch, row + i, j])
                        y = np.float64(reference[ch, row + i, j])
                        v_x[j] += w * x
                        v_xx[j] += w * (x * x)
                        v_xy[j] += w * (x * y)
                mu_x[:] = 0.0
                e_xx[:] = 0.0
                e_xy[:] = 0.0
                for i in range(taps):
                    w = window[i]
                    for j in range(out_w):
                        mu_x[j] += w * v_x[j + i]
                        e_xx[j] += w * v_xx[j + i]
                        e_xy[j] += w * v_xy[j + i]
                total = 0.0
                for j in range(out_w):
                    ux, uy = mu_x[j], mu_y[j]
                    total += ((2.0 * ux * uy + c1) * (2.0 * (e_xy[j] - ux * uy) + c2)) / \
                        ((ux * ux + uy * uy + c1) * (e_xx[j] - ux * ux + e_yy[j] - uy * uy + c2))
                totals[k] += total
    return totals / (channels * out_h * out_w)
