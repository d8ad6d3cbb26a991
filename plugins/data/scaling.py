"""Pixel values 0..255 <-> the networks' [-1, 1], with the one rounding this project uses: truncation.

Upstream feeds images to its networks as ToTensor + Normalize(0.5, 0.5)
(v / 127.5 - 1) and saves outputs with util.tensor2im, which computes
(t + 1) / 2 * 255 in float32 and truncates (astype(uint8)). Every decode here
is that truncation, so what training scores live, what validation scores and
what the restore command writes equal what test.py saves and evaluate scores.
In float32 that truncation would turn v / 127.5 - 1 back into v - 1 for many v,
so `encode` rounds v / 127.5 - 1 up to the next float32 (never more than one
ulp, 0 -> -1 and 255 -> 1 exactly): an integer level survives the round trip.
"""
from __future__ import annotations

import numpy as np
import torch

PEAK = 255.0


def encode(values: torch.Tensor) -> torch.Tensor:
    """0..255 values (any dtype) as float32 in [-1, 1]: v / 127.5 - 1, rounded up to a float32."""
    exact = values.double() / (PEAK / 2) - 1
    rounded = exact.float()
    return torch.where(rounded.double() < exact, torch.nextafter(rounded, torch.ones_like(rounded) * 2), rounded)


def decode(images: torch.Tensor) -> torch.Tensor:
    """[-1, 1] values as upstream's tensor2im saves them: 0..255, truncated (float64 holding integers)."""
    return ((images.detach().float().clamp(-1, 1) + 1) / 2.0 * PEAK).trunc().double()  # float32, as upstream


def as_dataset_input(image: np.ndarray) -> torch.Tensor:
    """A uint8 HxWxC image as upstream's datasets feed it (ToTensor + Normalize(0.5, 0.5)): CxHxW float32,
    v / 255 * 2 - 1 without `encode`'s rounding up, so decode saves it exactly as test.py would."""
    return (torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1).float() / PEAK - 0.5) / 0.5


def to_unit(values: np.ndarray) -> np.ndarray:
    """`encode` on a numpy array (0..255, any dtype): float32 in [-1, 1]."""
    return encode(torch.from_numpy(np.asarray(values))).numpy()


def to_uint8(images: np.ndarray | torch.Tensor) -> np.ndarray:
    """`decode` as a uint8 numpy array (same shape; a tensor is brought to the CPU)."""
    return decode(torch.as_tensor(images)).cpu().numpy().astype(np.uint8)
