"""Make a linked upstream checkout importable from a benchmark, or exit saying how to get one."""
from __future__ import annotations

import sys
from pathlib import Path

from plugins.upstream import link
from plugins.upstream import path as upstream_path
from plugins.sweep.plan import to_argv
from plugins.upstream import driver
from plugins.upstream.parsers import describe, flavour


def import_upstream() -> Path:
    """Find upstream, link our plugins into it, make its modules importable; exit 2 if there is none."""
    try:
        upstream = link.find_upstream()
    except link.LinkError as err:
        sys.exit(f"benchmark needs upstream: {err}")
    link.link(upstream)
    upstream_path.add(upstream)
    return upstream


def upstream_options(flags: list[str], train: bool = True):
    """Parse upstream's options from `flags` as train.py (or test.py) would."""
    saved = sys.argv
    sys.argv = ["train.py" if train else "test.py", *flags]
    try:
        if train:
            from options.train_options import TrainOptions as Options
        else:
            from options.test_options import TestOptions as Options
        opt = Options().parse()
    finally:
        sys.argv = saved
    if not hasattr(opt, "gpu_ids"):  # the newest upstream's scripts pick the device after parsing
        from util.util import init_ddp

        opt.device = init_ddp()
    return opt


def cpu_flags() -> list[str]:
    """The flags that keep a run on the CPU with no display, as the imported upstream spells them
    (driver.device_flags): --gpu_ids -1 and --display_id 0 where it has them (e19f22f); the newest has
    neither, and uses the CPU when it sees no GPU."""
    from options.train_options import TrainOptions

    known = describe(TrainOptions, "pix2pix", "aligned")
    return to_argv(driver.device_flags(flavour(known, "the imported upstream"), driver.CPU, known))
