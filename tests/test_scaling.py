"""plugins.data.scaling: one truncating decode, upstream's; integer levels survive encode -> decode."""
from __future__ import annotations

import numpy as np
import torch

from plugins.data import scaling


def test_unit_range_round_trip():
    values = np.arange(256, dtype=np.uint8)
    np.testing.assert_array_equal(scaling.to_uint8(scaling.to_unit(values)), values)
    assert scaling.to_unit(values).min() == -1 and scaling.to_unit(values).max() == 1


def test_decode_is_upstreams_tensor2im():
    t = torch.rand(3, 16, 16) * 2 - 1
    tensor2im = ((np.transpose(t.numpy(), (1, 2, 0)) + 1) / 2.0 * 255.0).astype(np.uint8)
    np.testing.assert_array_equal(scaling.to_uint8(t.permute(1, 2, 0)), tensor2im)
    # upstream's own input encoding loses a level for some values under that truncation; encode does not
    values = np.arange(256, dtype=np.uint8)
    dataset = scaling.as_dataset_input(values[None, :, None])
    assert (scaling.to_uint8(dataset)[0, :] != values).any()
    assert np.abs(scaling.to_unit(values) - dataset[0, 0].numpy()).max() < 1e-6
