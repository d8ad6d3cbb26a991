"""plugins.restore.generators: the srnet generator, the forward formula, option checks, generator factory."""
from __future__ import annotations

import argparse
import types

import pytest
import torch

from plugins.restore import bicubic
from plugins.data import pixelation
from plugins.restore import generators as restoration


def opts(**kw) -> argparse.Namespace:
    base = dict(netG="srnet_2blocks", ngf=8, input_nc=3, output_nc=3, norm="batch", no_dropout=False,
                init_type="normal", init_gain=0.02, residual=True, base="bicubic", crop_size=128)
    return argparse.Namespace(**{**base, **kw})


@pytest.mark.parametrize("side", [64, 128, 256])
def test_srnet_keeps_the_size_for_every_pixel_size_in_a_range(side):
    net = restoration.SRNet(3, 3, width=8, n_blocks=2)
    for size in pixelation.parse_pixel_size(f"{side // 8}:{side // 2}")[::7]:
        x = torch.rand(2, 3, side, side) * 2 - 1
        out = restoration.restore(net, x, opts(), [(size, size)] * 2)
        assert out.shape == x.shape


def test_srnet_works_channels_last_and_loads_weights_saved_in_either_layout():
    """The layout oneDNN's CPU convolutions use; a checkpoint saved contiguous (as before) loads into it
    and gives the same output as the same weights run contiguous."""
    torch.manual_seed(0)
    saved = restoration.SRNet(3, 3, width=8, n_blocks=2)
    saved.to(memory_format=torch.contiguous_format)
    net = restoration.SRNet(3, 3, width=8, n_blocks=2)
    net.load_state_dict(saved.state_dict())
    assert all(p.is_contiguous(memory_format=torch.channels_last) for p in net.parameters() if p.dim() == 4)
    x = torch.rand(2, 3, 32, 48) * 2 - 1
    features = saved.head(x)
    expected = saved.tail(features + saved.body(features))  # the same net with contiguous weights and input
    assert torch.allclose(net(x), expected, atol=1e-5)


def test_srlite_convolves_only_on_the_low_resolution_grid():
    """srlite_<N>blocks: srnet's body with a one-step tail (a convolution to 16 sub-pixels a channel and a
    pixel shuffle by 4), so every convolution sees the 1/4 grid, where srnet's tail convolves at 1/2 and 1/1."""
    sizes = {}
    for name in ("srnet_2blocks", "srlite_2blocks"):
        net = restoration.own_generator(opts(netG=name))
        seen = set()
        for conv in (m for m in net.modules() if isinstance(m, torch.nn.Conv2d)):
            conv.register_forward_hook(lambda module, args, out: seen.add(args[0].shape[-1]))
        x = torch.rand(2, 3, 64, 96) * 2 - 1
        assert restoration.restore(net, x, opts(netG=name), [(16, 24)] * 2).shape == x.shape
        sizes[name] = seen
    assert sizes == {"srnet_2blocks": {24, 48, 96}, "srlite_2blocks": {24}}
    assert restoration.is_own_generator("srlite_16blocks") and restoration.size_multiple("srlite_8blocks") == 4


@pytest.mark.parametrize("base", ["input", "bicubic"])
def test_self_ensemble_follows_every_rotation_and_flip_of_the_input(base):
    """The mean over the eight views restores a turned or mirrored picture as the turned or mirrored
    restoration (a plain forward of a random net does not), and keeps the size of non-square tiles."""
    torch.manual_seed(0)
    net = restoration.SRNet(3, 3, width=8, n_blocks=1)
    opt = opts(base=base)
    x = torch.rand(1, 3, 32, 48) * 2 - 1
    low = bicubic.low_res(x, (8, 12))  # a mosaic of 4 px blocks, so that the bicubic base is defined
    x = low.repeat_interleave(4, -2).repeat_interleave(4, -1)
    out = restoration.restore_ensembled(net, x, opt, [(8, 12)])
    assert out.shape == x.shape
    turned = restoration.restore_ensembled(net, x.rot90(1, (-2, -1)), opt, [(12, 8)])
    mirrored = restoration.restore_ensembled(net, x.flip(-2), opt, [(8, 12)])
    tolerance = 1e-5 if base == "input" else 2 / 255  # PIL's bicubic rounds after each pass, in pass order
    assert (turned - out.rot90(1, (-2, -1))).abs().max() <= tolerance
    assert (mirrored - out.flip(-2)).abs().max() <= tolerance
    plain = restoration.restore(net, x, opt, [(8, 12)])
    plain_turned = restoration.restore(net, x.rot90(1, (-2, -1)), opt, [(12, 8)])
    assert (plain_turned - plain.rot90(1, (-2, -1))).abs().max() > 10 * tolerance


def test_residual_is_base_plus_correction_clamped():
    inputs = torch.tensor([-0.9, 0.0, 0.5, 0.9])
    correction = torch.tensor([-0.5, 0.25, 0.25, 0.5])
    net = lambda x: correction  # noqa: E731
    out = restoration.restore(net, inputs, opts(base="input"))
    assert torch.equal(out, torch.tensor([-1.0, 0.25, 0.75, 1.0]))
    assert torch.equal(restoration.restore(net, inputs, opts(residual=False)), correction)


def test_zero_generator_gives_the_bicubic_base():
    x = torch.rand(3, 3, 64, 64) * 2 - 1
    grids = [(16, 16), (20, 20), (32, 32)]
    out = restoration.restore(lambda t: torch.zeros_like(t), x, opts(), grids)
    assert torch.equal(out, bicubic.bicubic_base(x, grids).clamp(-1, 1))
    with pytest.raises(ValueError, match="pixel grid"):
        restoration.restore(lambda t: t, x, opts())


def test_bf16_runs_the_generator_alone_in_bfloat16():
    """--bf16: G's output is cast back, and the base (a matrix product autocast would lower) stays exact."""
    torch.manual_seed(0)
    x = torch.rand(2, 3, 64, 64) * 2 - 1
    grids = [(16, 16), (16, 16)]
    seen = []

    def zero(t):
        seen.append(torch.get_autocast_dtype("cpu") if torch.is_autocast_enabled("cpu") else None)
        return torch.zeros_like(t)
    out = restoration.restore(zero, x, opts(), grids, bf16=True)
    assert seen == [torch.bfloat16] and out.dtype == torch.float32
    assert torch.equal(out, bicubic.bicubic_base(x, grids).clamp(-1, 1))
    net = restoration.SRNet(3, 3, width=8, n_blocks=2)
    fast = restoration.restore(net, x, opts(), grids, bf16=True)
    exact = restoration.restore(net, x, opts(), grids)
    assert fast.dtype == torch.float32 and 0 < (fast - exact).abs().max() < 0.02
    fast.mean().backward()
    assert all(p.grad is not None and p.grad.dtype == torch.float32 for p in net.parameters())


def test_check_options_name_the_flag():
    restoration.check_options(opts())
    with pytest.raises(ValueError, match="--base bicubic .*--residual"):
        restoration.check_options(opts(residual=False))
    with pytest.raises(ValueError, match="--crop_size"):
        restoration.check_options(opts(crop_size=130))
    restoration.check_options(opts(netG="unet_128", crop_size=130))


def fake_networks(with_gpu_ids: bool) -> types.SimpleNamespace:
    """A stand-in for upstream's networks module, in either flavour (gpu_ids or not)."""
    calls = []
    if with_gpu_ids:
        def define_G(input_nc, output_nc, ngf, netG, norm, use_dropout, init_type, init_gain, gpu_ids=[]):
            calls.append(("G", netG, gpu_ids))
            return torch.nn.Identity()

        def init_net(net, init_type, init_gain, gpu_ids=[]):
            calls.append(("init", type(net).__name__, gpu_ids))
            return net
    else:
        def define_G(input_nc, output_nc, ngf, netG, norm, use_dropout, init_type, init_gain):
            calls.append(("G", netG))
            return torch.nn.Identity()

        def init_net(net, init_type, init_gain):
            calls.append(("init", type(net).__name__))
            return net
    return types.SimpleNamespace(define_G=define_G, init_net=init_net, calls=calls)


def test_define_generator_for_both_upstream_flavours():
    pinned, latest = fake_networks(True), fake_networks(False)
    assert isinstance(restoration.define_generator(opts(netG="unet_256"), pinned, [0]), torch.nn.Identity)
    assert isinstance(restoration.define_generator(opts(netG="srnet_3blocks"), pinned), restoration.SRNet)
    assert pinned.calls == [("G", "unet_256", [0]), ("init", "SRNet", [])]
    restoration.define_generator(opts(netG="unet_256"), latest)
    net = restoration.define_generator(opts(netG="srnet_3blocks"), latest)  # initialised later, in setup()
    assert latest.calls == [("G", "unet_256")]
    assert len(net.body) == 4  # 3 blocks and the closing conv
    assert restoration.is_own_generator("srnet_16blocks") and not restoration.is_own_generator("unet_256")
    assert restoration.size_multiple("unet_256") == 256 and restoration.size_multiple("srnet_8blocks") == 4
