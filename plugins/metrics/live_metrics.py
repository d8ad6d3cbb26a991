"""Metrics of training batches as tensors, equal to plugins.metrics.quality on the saved images.

Upstream saves a tensor in [-1, 1] as uint8 by (t + 1) / 2 * 255 truncated
(util.tensor2im); scoring that same uint8 image here keeps the live numbers
comparable with what plugins.evaluate reports after test.py. Pure torch.
"""
from __future__ import annotations

import math

import torch

PEAK = 255.0


def to_uint8_values(images: torch.Tensor) -> torch.Tensor:
    """Pixel values 0..255 (float64) of a batch in [-1, 1], as upstream's tensor2im saves them."""
    return ((images.detach().float().clamp(-1, 1) + 1) / 2.0 * PEAK).trunc().double()  # float32, as upstream


def _psnr(x: torch.Tensor, y: torch.Tensor) -> float:
    """Mean PSNR over the batch, from pixel values (to_uint8_values)."""
    mse = ((x - y) ** 2).flatten(1).mean(dim=1)
    return float(torch.where(mse == 0, torch.full_like(mse, math.inf), 10 * torch.log10(PEAK ** 2 / mse)).mean())


def _cosine(x: torch.Tensor, y: torch.Tensor) -> float:
    """Mean cosine similarity over the batch, from pixel values (to_uint8_values)."""
    x, y = x.flatten(1), y.flatten(1)
    norms = x.norm(dim=1) * y.norm(dim=1)
    same = (x == y).all(dim=1).double()
    cos = torch.where(norms == 0, same, (x * y).sum(dim=1) / norms.clamp_min(1e-300))
    return float(cos.mean())


def batch_psnr(fake: torch.Tensor, real: torch.Tensor) -> float:
    """Mean over the batch of each image's PSNR (dB, peak 255); inf if every pair is identical."""
    return _psnr(to_uint8_values(fake), to_uint8_values(real))


def batch_cosine(fake: torch.Tensor, real: torch.Tensor) -> float:
    """Mean over the batch of each image's cosine similarity of pixel vectors."""
    return _cosine(to_uint8_values(fake), to_uint8_values(real))


def batch_metrics(fake: torch.Tensor, real_a: torch.Tensor, real_b: torch.Tensor) -> dict[str, float]:
    """PSNR and cosine of the output (fake_B) and of the pixelated input (real_A) against real_B."""
    x_fake, x_input, x_real = (to_uint8_values(t) for t in (fake, real_a, real_b))  # each converted once
    return {"psnr_fake": _psnr(x_fake, x_real), "psnr_input": _psnr(x_input, x_real),
            "cos_fake": _cosine(x_fake, x_real), "cos_input": _cosine(x_input, x_real)}
