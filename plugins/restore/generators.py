"""The restore model's generator and forward pass, shared by training, test.py and the restore CLI.

Generators: upstream's `--netG` names (unet_256, resnet_9blocks, ...) through
upstream's define_G, and `srnet_<N>blocks`, a network sized for restoration:
it works on the low-resolution grid (a lossless pixel unshuffle by 4), runs N
residual blocks of `--ngf` channels there and upsamples with two learned
pixel-shuffle x2 steps, like EDSR; and `srlite_<N>blocks`, the same body with
the one-step tail of lightweight super-resolution networks (ESPCN, IMDN,
RFDN): one convolution on the low-resolution grid to 16 sub-pixels a channel
and a pixel shuffle by 4, so that no convolution runs at the image's size.
Forward: fake_B = G(A), or with `--residual` the base (A itself, or `--base
bicubic`: the PIL-exact bicubic upscale of A's low-resolution image) plus
G(A), clamped to [-1, 1].
Pure torch; upstream's networks module is passed in.
"""
from __future__ import annotations

import argparse
import inspect
import math
import re
from types import ModuleType
from typing import Callable, Sequence

import torch
from torch import nn

from plugins.restore import bicubic

SRNET = re.compile(r"(srnet|srlite)_(\d+)blocks$")
SRNET_SCALE = 4  # the grid the network works on: 1/4 of the image size (input sides must be multiples of 4)
BASES = ("input", "bicubic")


class ResidualBlock(nn.Module):
    """conv-ReLU-conv with an identity shortcut and no normalisation (EDSR's block)."""

    def __init__(self, width: int):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(width, width, 3, padding=1), nn.ReLU(inplace=True),
                                  nn.Conv2d(width, width, 3, padding=1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class SRNet(nn.Module):
    """Residual blocks on a 1/scale grid, learned upsampling back to the image size: x2 pixel-shuffle
    steps (EDSR's tail), or with `one_step` one convolution to scale**2 sub-pixels per output channel and
    a single pixel shuffle. The two x2 steps convolve at 1/2 and at full size: at 8 blocks of 48 channels
    they are half the network's work, so the one-step tail trains a step of 16 crops of 128 px in 0.08 s
    instead of 0.17 on this project's 2-core CPU (bfloat16), and 16 blocks in 0.12 s.

    Any input whose sides are multiples of `scale` keeps its size, whatever its
    pixel size: the unshuffle loses nothing, so misaligned grids are still seen whole.
    Weights and activations are kept channels-last, the layout the CPU's
    convolutions (oneDNN) work in: on the 2-core CPU of this project a training
    step of srnet_8blocks at the bundled recipe's size (16 crops of 128 px) took
    0.39 s instead of 0.52, a 512 px tile at inference 0.13 s instead of 0.185.
    """

    def __init__(self, input_nc: int, output_nc: int, width: int = 64, n_blocks: int = 8, scale: int = SRNET_SCALE,
                 one_step: bool = False):
        super().__init__()
        steps = int(math.log2(scale))
        if 2 ** steps != scale:
            raise ValueError(f"srnet scale {scale} is not a power of 2")
        self.scale = scale
        self.head = nn.Sequential(nn.PixelUnshuffle(scale), nn.Conv2d(input_nc * scale * scale, width, 3, padding=1))
        self.body = nn.Sequential(*[ResidualBlock(width) for _ in range(n_blocks)],
                                  nn.Conv2d(width, width, 3, padding=1))
        if one_step:
            self.tail = nn.Sequential(nn.Conv2d(width, output_nc * scale * scale, 3, padding=1), nn.PixelShuffle(scale))
        else:
            up: list[nn.Module] = []
            for _ in range(steps):
                up += [nn.Conv2d(width, 4 * width, 3, padding=1), nn.PixelShuffle(2), nn.ReLU(inplace=True)]
            self.tail = nn.Sequential(*up, nn.Conv2d(width, output_nc, 3, padding=1))
        self.to(memory_format=torch.channels_last)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = self.head(x.contiguous(memory_format=torch.channels_last))
        return self.tail(features + self.body(features))


def is_own_generator(name: str) -> bool:
    """True for the --netG names this project builds itself (srnet_<N>blocks, srlite_<N>blocks)."""
    return SRNET.match(name) is not None


def own_generator(opt: argparse.Namespace) -> nn.Module | None:
    """The generator --netG names when it is one of ours (srnet_<N>blocks, srlite_<N>blocks), built with no
    upstream; else None."""
    match = SRNET.match(opt.netG)
    if match is None:
        return None
    return SRNet(opt.input_nc, opt.output_nc, opt.ngf, int(match.group(2)), one_step=match.group(1) == "srlite")


def size_multiple(name: str) -> int:
    """What image sides must be a multiple of for --netG `name`: a U-Net halves its input until 1 px
    (unet_256: 256, unet_128: 128); resnet_* downsample twice and srnet_*, srlite_* by SRNET_SCALE (4)."""
    unet = re.match(r"unet_(\d+)$", name)
    return int(unet.group(1)) if unet else SRNET_SCALE


def takes_gpu_ids(factory: Callable) -> bool:
    """True for the pinned upstream's network factories (define_G, define_D, init_net take gpu_ids);
    newer upstream dropped the argument and places networks in BaseModel.setup."""
    return "gpu_ids" in inspect.signature(factory).parameters


def upstream_call(factory: Callable, *args, gpu_ids: Sequence[int] = ()):
    """Call an upstream network factory, passing gpu_ids only where it takes them."""
    return factory(*args, *([list(gpu_ids)] if takes_gpu_ids(factory) else []))


def define_generator(opt: argparse.Namespace, networks: ModuleType, gpu_ids: Sequence[int] = ()) -> nn.Module:
    """The generator that --netG names, built and initialised as upstream builds its own.

    Upstream's names go to its define_G; ours are built here and initialised
    by its init_net on the pinned upstream, or left to BaseModel.setup on the
    newer one, which initialises every network there.
    """
    net = own_generator(opt)
    if net is None:
        return upstream_call(networks.define_G, opt.input_nc, opt.output_nc, opt.ngf, opt.netG, opt.norm,
                             not opt.no_dropout, opt.init_type, opt.init_gain, gpu_ids=gpu_ids)
    if not takes_gpu_ids(networks.init_net):
        return net
    return networks.init_net(net, opt.init_type, opt.init_gain, list(gpu_ids))


def check_options(opt: argparse.Namespace) -> None:
    """Raise ValueError naming the flag when the restore options do not fit together."""
    base = getattr(opt, "base", "input")
    if base not in BASES:
        raise ValueError(f"--base {base}: choose from {', '.join(BASES)}")
    if base != "input" and not opt.residual:
        raise ValueError(f"--base {base} is the base of --residual: add --residual")
    if is_own_generator(opt.netG) and opt.crop_size % SRNET_SCALE:
        raise ValueError(f"--netG {opt.netG} needs --crop_size a multiple of {SRNET_SCALE}, got {opt.crop_size}")


def restore(net: nn.Module, real_a: torch.Tensor, opt: argparse.Namespace,
            grids: list[tuple[int, int]] | None = None, bf16: bool = False) -> torch.Tensor:
    """fake_B of a batch: G(A), or base + G(A) clamped to [-1, 1] with --residual.

    `grids` gives each sample's low-resolution size (rows, cols); only the
    bicubic base needs it. `bf16` runs G alone under bfloat16 autocast (its
    output, the base and the sum stay float32, so the base stays PIL-exact).
    """
    with torch.autocast(real_a.device.type, dtype=torch.bfloat16, enabled=bf16):
        out = net(real_a)
    out = out.float()
    if not opt.residual:
        return out
    if getattr(opt, "base", "input") == "bicubic":
        if grids is None:
            raise ValueError("--base bicubic needs each sample's pixel grid")
        base = bicubic.bicubic_base(real_a, grids)
    else:
        base = real_a
    return (base + out).clamp(-1, 1)


def restore_ensembled(net: nn.Module, real_a: torch.Tensor, opt: argparse.Namespace,
                      grids: list[tuple[int, int]] | None = None) -> torch.Tensor:
    """fake_B averaged over the eight rotations and flips of the batch (EDSR's self-ensemble).

    Each view is restored as `restore` does and turned back before averaging,
    so the model's errors that do not follow the picture's orientation average
    out; eight forward passes for one result.
    """
    total = torch.zeros_like(real_a)  # a running sum: one result's memory, not eight
    for turns in range(4):
        view_grids = grids if grids is None or turns % 2 == 0 else [(cols, rows) for rows, cols in grids]
        for flip in (False, True):
            view = real_a.rot90(turns, (-2, -1))
            view = view.flip(-1) if flip else view
            out = restore(net, view, opt, view_grids)
            out = out.flip(-1) if flip else out
            total += out.rot90(-turns, (-2, -1))
    return total / 8
