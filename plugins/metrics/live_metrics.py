"""Metrics of training batches as tensors, equal to plugins.metrics.quality on the saved images.

Upstream saves a tensor in [-1, 1] as uint8 by (t + 1) / 2 * 255 truncated
(util.tensor2im, plugins.data.scaling.decode); scoring that same uint8 image
here keeps the live numbers comparable with what plugins.evaluate reports
after test.py. Pure torch.
"""
from __future__ import annotations

import math

import torch

from plugins.data.scaling import PEAK, decode


def _psnr(x: torch.Tensor, y: torch.Tensor) -> float:
    """Mean PSNR over the batch, from pixel values (decode)."""
    mse = ((x - y) ** 2).flatten(1).mean(dim=1)
    return float(torch.where(mse == 0, torch.full_like(mse, math.inf), 10 * torch.log10(PEAK ** 2 / mse)).mean())


def _cosine(x: torch.Tensor, y: torch.Tensor) -> float:
    """Mean cosine similarity over the batch, from pixel values (decode)."""
    x, y = x.flatten(1), y.flatten(1)
    norms = x.norm(dim=1) * y.norm(dim=1)
    same = (x == y).all(dim=1).double()
    cos = torch.where(norms == 0, same, (x * y).sum(dim=1) / norms.clamp_min(1e-300))
    return float(cos.mean())


def batch_psnr(fake: torch.Tensor, real: torch.Tensor) -> float:
    """Mean over the batch of each image's PSNR (dB, peak 255); inf if every pair is identical."""
    return _psnr(decode(fake), decode(real))


def batch_cosine(fake: torch.Tensor, real: torch.Tensor) -> float:
    """Mean over the batch of each image's cosine similarity of pixel vectors."""
    return _cosine(decode(fake), decode(real))


def batch_metrics(fake: torch.Tensor, real_a: torch.Tensor, real_b: torch.Tensor) -> dict[str, float]:
    """PSNR and cosine of the output (fake_B) and of the pixelated input (real_A) against real_B."""
    x_fake, x_input, x_real = (decode(t) for t in (fake, real_a, real_b))  # each converted once
    return {"psnr_fake": _psnr(x_fake, x_real), "psnr_input": _psnr(x_input, x_real),
            "cos_fake": _cosine(x_fake, x_real), "cos_input": _cosine(x_input, x_real)}
