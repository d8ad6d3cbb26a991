"""Tiled restoration against one whole-image pass, and the restore CLI's peak memory, on CPU.

1. Megapixels per second of plugins.restore.tiling at --tile 512 (overlap and blend
   included) against one forward pass of the same generator over the whole
   image (padded as the generator needs), same image, same process; printed as
   a ratio (expected >= 0.8 for generators that take any multiple of 4 px;
   a U-Net's tiles are multiples of 256 px (unet_256), so its ratio depends
   on how the image falls on those units).
2. Peak resident memory of `python -m plugins.restore --tile 512` on a
   4000x3000 pixelated image against a 512x512 one (each in a fresh process,
   same run; Linux: read from /proc); printed as a ratio (expected <= 2).
Random weights (speed and memory do not depend on them). Needs upstream
(./upstream or PIX2PIX_UPSTREAM) for the generator.

    python benchmarks/bench_restore_cli.py [--netG resnet_9blocks] [--size 1024x768] [--rounds 2]
                                           [--memory_size 4000x3000] [--skip_speed] [--skip_memory]
"""
from __future__ import annotations

import argparse
import contextlib
import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from upstream_import import import_upstream

from plugins.restore import generators as restoration
from plugins.testing import train_opt
from plugins.data import sample_photos
from plugins.data import scaling
from plugins.restore import tiling
from plugins.restore.command import tile_model

BLOCK = 4  # model block size of the benchmark run (pixel_size 64 on crop_size 256)


def run_options_for(net_g: str) -> dict:
    """The options a `--model restore --residual` run with this generator writes to train_opt.txt."""
    return {"netG": net_g, "ngf": 64, "norm": "batch", "no_dropout": False, "init_type": "normal",
            "init_gain": 0.02, "input_nc": 3, "output_nc": 3, "residual": True, "crop_size": 256,
            "pixel_size": "64", "name": "bench"}


def low_res_image(width: int, height: int) -> np.ndarray:
    """A photo's low-res image whose 4 px nearest upscale is width x height."""
    photo = sample_photos.load_source("astronaut.png").resize((width // BLOCK, height // BLOCK),
                                                               Image.Resampling.BOX)
    return np.asarray(photo).astype(np.float32)


def whole_pass(net: torch.nn.Module, opt: argparse.Namespace, low: np.ndarray, multiple: int) -> None:
    """One forward pass over the whole upscaled image, padded (reflection) to the generator's multiple."""
    image = scaling.to_unit(low.repeat(BLOCK, 0).repeat(BLOCK, 1))
    x = torch.from_numpy(image).permute(2, 0, 1)[None]
    pad_h, pad_w = -x.shape[2] % multiple, -x.shape[3] % multiple
    x = torch.nn.functional.pad(x, (0, pad_w, 0, pad_h), mode="reflect")
    with torch.no_grad():
        restoration.restore(net, x, opt, [(x.shape[2] // BLOCK, x.shape[3] // BLOCK)])


def throughput(net_g: str, width: int, height: int, tile: int, rounds: int) -> None:
    from models import networks
    opt = argparse.Namespace(**run_options_for(net_g))
    with contextlib.redirect_stdout(io.StringIO()):
        net = restoration.define_generator(opt, networks).eval()
    multiple = restoration.size_multiple(opt.netG)
    low = low_res_image(width, height)
    model = tile_model(net, opt, torch.device("cpu"))
    whole_pass(net, opt, low[:64, :64], multiple)  # warm-up
    times = {"whole": [], "tiled": []}
    for _ in range(rounds):
        start = time.perf_counter()
        whole_pass(net, opt, low, multiple)
        times["whole"].append(time.perf_counter() - start)
        start = time.perf_counter()
        tiles = []
        tiling.restore_tiled(low, BLOCK, model, multiple, tile, on_tile=lambda done, total: tiles.append(total))
        times["tiled"].append(time.perf_counter() - start)
    megapixels = width * height / 1e6
    rate = {k: megapixels / min(v) for k, v in times.items()}
    print(f"{net_g}, {width}x{height}, CPU ({torch.get_num_threads()} threads), best of {rounds}:")
    print(f"  whole image, one pass: {rate['whole']:.3f} MP/s")
    print(f"  tiled, --tile {tile} ({tiles[-1]} tiles, overlap {tiling.DEFAULT_OVERLAP}): {rate['tiled']:.3f} MP/s")
    print(f"  ratio tiled / whole: {rate['tiled'] / rate['whole']:.2f} (expected >= 0.8)")


# Runs the CLI and prints its peak resident memory on exit. The process's own VmHWM (Linux) is
# read, not wait4's ru_maxrss: that one starts from this benchmark's size at fork.
PEAK_WRAPPER = ("import atexit, runpy, sys; atexit.register(lambda: sys.stderr.write(next(line for line in "
                "open('/proc/self/status') if line.startswith('VmHWM')))); sys.argv[0] = 'restore'; "
                "runpy.run_module('plugins.restore', run_name='__main__')")


def peak_rss_mb(args: list[str], env: dict) -> float:
    """Peak resident memory (MB) of `python -m plugins.restore ARGS` in a fresh process."""
    proc = subprocess.run([sys.executable, "-c", PEAK_WRAPPER, *args], env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"plugins.restore {' '.join(args)} failed: {proc.stderr[-2000:]}")
    line = next(line for line in proc.stderr.splitlines() if line.startswith("VmHWM"))
    return int(line.split()[1]) / 1024


def memory(net_g: str, big: tuple[int, int], tile: int, upstream: Path) -> None:
    from models import networks
    options = run_options_for(net_g)
    with contextlib.redirect_stdout(io.StringIO()):
        net = restoration.define_generator(argparse.Namespace(**options), networks)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "checkpoints" / "bench").mkdir(parents=True)
        (root / "checkpoints" / "bench" / "train_opt.txt").write_text(train_opt.option_table(options))
        torch.save(net.state_dict(), root / "checkpoints" / "bench" / "latest_net_G.pth")
        peaks = {}
        for width, height in ((512, 512), big):
            path = root / f"in_{width}x{height}.png"
            low = low_res_image(width, height).astype(np.uint8)
            Image.fromarray(low.repeat(BLOCK, 0).repeat(BLOCK, 1)).save(path)
            args = [str(path), "--name", "bench", "--checkpoints_dir", str(root / "checkpoints"),
                    "--out", str(root / "out"), "--tile", str(tile), "--quiet"]
            peaks[(width, height)] = peak_rss_mb(args, dict(os.environ, PIX2PIX_UPSTREAM=str(upstream)))
            print(f"  peak memory, {width}x{height}, --tile {tile}: {peaks[(width, height)]:.0f} MB")
    small, large = peaks[(512, 512)], peaks[big]
    print(f"  ratio {big[0]}x{big[1]} / 512x512: {large / small:.2f} (expected <= 2)")


def size(text: str) -> tuple[int, int]:
    width, height = (int(v) for v in text.lower().split("x"))
    return width - width % BLOCK, height - height % BLOCK


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--netG", default="resnet_9blocks", help="upstream generator (random weights)")
    parser.add_argument("--size", type=size, default=(1024, 768), help="image for the speed comparison")
    parser.add_argument("--memory_size", type=size, default=(4000, 3000), help="large image for the memory ratio")
    parser.add_argument("--tile", type=int, default=512)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--skip_speed", action="store_true")
    parser.add_argument("--skip_memory", action="store_true")
    args = parser.parse_args()
    upstream = import_upstream()
    if not args.skip_speed:
        throughput(args.netG, *args.size, args.tile, args.rounds)
    if not args.skip_memory:
        memory(args.netG, args.memory_size, args.tile, upstream)


if __name__ == "__main__":
    main()
