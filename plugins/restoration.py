"""The restore model's generator and its test-time output, in pure torch (no upstream model class).

STAND-IN written on the restore-CLI branch: the integrator's version of this
module (the project's own generators, --base) replaces it. Only the two
functions below are the interface; plugins.restore calls nothing else.
"""
from __future__ import annotations

import argparse
import inspect
from types import ModuleType

import torch


def define_generator(opt: argparse.Namespace, networks: ModuleType) -> torch.nn.Module:
    """The run's generator on the CPU, unwrapped, built by upstream's `networks.define_G` from its options."""
    args = [opt.input_nc, opt.output_nc, opt.ngf, opt.netG, opt.norm, not opt.no_dropout, opt.init_type,
            opt.init_gain]
    if "gpu_ids" in inspect.signature(networks.define_G).parameters:  # pinned upstream; newest has none
        args.append([])
    net = networks.define_G(*args)
    return (net.module if isinstance(net, torch.nn.DataParallel) else net).cpu()


def restore(net: torch.nn.Module, real_A: torch.Tensor, opt: argparse.Namespace,
            grids: list[tuple[int, int]]) -> torch.Tensor:
    """fake_B for a batch of pixelated inputs in [-1, 1], as the restore model computes it at test time."""
    out = net(real_A)
    if getattr(opt, "residual", False):
        out = (real_A + out).clamp(-1, 1)
    return out
