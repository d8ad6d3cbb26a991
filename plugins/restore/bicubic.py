"""PIL's bicubic upscale in torch, on batches: the smooth base of a residual restorer.

Evaluation's bicubic baseline is PIL's `resize(..., BICUBIC)` of the
low-resolution image. The restore model adds its correction to the very same
image, computed here on the model's device: PIL's kernel (a = -0.5), its
sample centres and edge renormalisation, and its two 8-bit passes
(horizontal, then vertical, each rounded and clipped). So a generator that
outputs zero scores exactly the bicubic row of the evaluation. Pure torch.
"""
from __future__ import annotations

from functools import lru_cache

import torch

from plugins.data import scaling
from plugins.data import pixelation

A = -0.5  # PIL's bicubic kernel parameter (torch's interpolate uses -0.75)
SUPPORT = 2.0


def _kernel(x: torch.Tensor) -> torch.Tensor:
    """The cubic convolution kernel with a = -0.5, as PIL's bicubic_filter."""
    x = x.abs()
    near = ((A + 2.0) * x - (A + 3.0)) * x * x + 1
    far = (((x - 5) * x + 8) * x - 4) * A
    return torch.where(x < 1, near, torch.where(x < 2, far, torch.zeros_like(x)))


PRECISION_BITS = 22  # PIL's fixed-point coefficients for 8-bit images (32 - 8 - 2)


@lru_cache(maxsize=1024)
def resize_matrix(in_size: int, out_size: int) -> torch.Tensor:
    """(out_size, in_size) float64 weights of PIL's bicubic resize along one axis.

    Row i holds the normalised kernel weights of output pixel i: centre
    (i + 0.5) * scale, taps clipped to the image and renormalised, the kernel
    widened by the scale when shrinking, exactly as PIL's precompute_coeffs.
    """
    scale = in_size / out_size
    filterscale = max(scale, 1.0)
    support = SUPPORT * filterscale
    weights = torch.zeros(out_size, in_size, dtype=torch.float64)
    for i in range(out_size):
        center = (i + 0.5) * scale
        lo = max(int(center - support + 0.5), 0)
        hi = min(int(center + support + 0.5), in_size)
        taps = torch.arange(lo, hi, dtype=torch.float64)
        w = _kernel((taps - center + 0.5) / filterscale)
        total = w.sum()
        weights[i, lo:hi] = w / total if total != 0 else w
    return weights


@lru_cache(maxsize=1024)
def fixed_point_matrix(in_size: int, out_size: int) -> torch.Tensor:
    """resize_matrix as PIL's 8-bit code uses it: integers, weight x 2**22 rounded half away from zero."""
    scaled = resize_matrix(in_size, out_size) * (1 << PRECISION_BITS)
    return scaled.abs().add(0.5).floor() * scaled.sign()


def _pass(values: torch.Tensor, in_size: int, out_size: int, dim: int, quantize: bool) -> torch.Tensor:
    """One resampling pass along `dim` (-1: columns, -2: rows). With `quantize`, PIL's 8-bit pass:
    integer weights, + half, shifted back, clipped to 0..255 (exact in float64)."""
    matrix = (fixed_point_matrix if quantize else resize_matrix)(in_size, out_size).to(values.device)
    out = values @ matrix.T if dim == -1 else matrix @ values
    if not quantize:
        return out
    return torch.floor((out + (1 << (PRECISION_BITS - 1))) / (1 << PRECISION_BITS)).clamp(0, 255)


def upscale(low: torch.Tensor, size: tuple[int, int], quantize: bool = True) -> torch.Tensor:
    """Bicubic resize of (..., h, w) pixel values (0..255) to (..., H, W), as PIL does to a uint8 image.

    With `quantize` each pass computes like PIL's 8-bit code (the same pixels);
    without it the result is the exact real-valued interpolation.
    """
    height, width = size
    values = _pass(low.double(), low.shape[-1], width, -1, quantize)
    return _pass(values, low.shape[-2], height, -2, quantize)


def low_res(images: torch.Tensor, grid: tuple[int, int]) -> torch.Tensor:
    """The (rows, cols) image behind nearest-upscaled (..., H, W) images: one sample per block,
    where PIL's nearest upscale put it (pixelation.grid_samples)."""
    rows, cols = grid
    r = torch.as_tensor(pixelation.grid_samples(rows, images.shape[-2]), device=images.device)
    c = torch.as_tensor(pixelation.grid_samples(cols, images.shape[-1]), device=images.device)
    return images.index_select(-2, r).index_select(-1, c)


def bicubic_base(real_a: torch.Tensor, grids: list[tuple[int, int]]) -> torch.Tensor:
    """The bicubic base of a batch in [-1, 1]: each sample's low-resolution image (its grid)
    upscaled as evaluation's PIL baseline, returned in [-1, 1] so that upstream's
    tensor2im (truncation) saves exactly PIL's uint8 pixels (scaling.encode)."""
    values = scaling.decode(real_a)  # what upstream's tensor2im saves
    size = tuple(real_a.shape[-2:])
    base = torch.stack([upscale(low_res(v, grid), size) for v, grid in zip(values, grids)])
    return scaling.encode(base).to(real_a.dtype)
