"""plugins.metrics.live_metrics equals plugins.metrics.quality on the images upstream would save."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from plugins.metrics import live_metrics
from plugins.metrics import quality as metrics

from .conftest import skimage_photos


def saved_uint8(t: torch.Tensor) -> np.ndarray:
    """What upstream's tensor2im writes for one image tensor in [-1, 1]."""
    arr = (np.transpose(t.detach().cpu().float().numpy(), (1, 2, 0)) + 1) / 2.0 * 255.0
    return arr.astype(np.uint8)


@pytest.fixture
def batch():
    torch.manual_seed(0)
    photos = [torch.from_numpy(p[:64, :64]).permute(2, 0, 1).float() / 127.5 - 1 for p in skimage_photos()[:3]]
    real_b = torch.stack(photos)
    real_a = torch.nn.functional.interpolate(torch.nn.functional.interpolate(real_b, 16, mode="bilinear"), 64)
    fake = (real_b + 0.1 * torch.randn_like(real_b)).clamp(-1, 1)
    return fake, real_a, real_b


def test_batch_metrics_equal_plugins_metrics(batch):
    fake, real_a, real_b = batch
    got = live_metrics.batch_metrics(fake, real_a, real_b)
    for name, image in (("fake", fake), ("input", real_a)):
        psnrs = [metrics.psnr(saved_uint8(x), saved_uint8(y)) for x, y in zip(image, real_b)]
        coss = [metrics.cosine_similarity(saved_uint8(x), saved_uint8(y)) for x, y in zip(image, real_b)]
        assert got[f"psnr_{name}"] == pytest.approx(np.mean(psnrs), abs=1e-9)
        assert got[f"cos_{name}"] == pytest.approx(np.mean(coss), abs=1e-12)


def test_identical_batch():
    x = torch.rand(2, 3, 8, 8) * 2 - 1
    assert live_metrics.batch_psnr(x, x) == math.inf
    assert live_metrics.batch_cosine(x, x) == pytest.approx(1.0)
    black = -torch.ones(1, 3, 4, 4)
    assert live_metrics.batch_cosine(black, black) == 1.0

