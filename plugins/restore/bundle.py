"""Train the bundled model through upstream's train.py, reproducibly, and export it into the package.

    python -m plugins.restore.bundle [--dry_run] [--data DIR] [--out DIR] [--epochs N]

Builds DIR/train (every photograph scikit-image ships, and the training
photos of plugins/data/photo_sources.tsv), DIR/val and DIR/test (photos of
other Debian packages), trains the `restore` model on mosaics made as
editors make them (box and bilinear blocks of 3.6 to 9 px, grids starting
anywhere, half of them through JPEG 70..95), validating every epoch on
mosaics of DIR/val made the same way, and exports the best epoch's
generator with its model card to plugins/restore/bundled/. The same
command gives the same photos, flags and seed; `--dry_run` prints the
train.py command and does nothing.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time
from pathlib import Path

import torch

from plugins import cli
from plugins.data import atomic_write, debian_photos, sample_photos
from plugins.evaluation import validation
from plugins.restore import loading, run_options
from plugins.sweep import plan as sweep_plan
from plugins.upstream import driver
from plugins.upstream import link
from plugins.upstream import parsers as upstream_options

NAME = "bundled_mosaic"
LONG_SIDE = 1280  # photos are kept at about a screen's size, like a photo on the web
FLAGS = {
    "dataset_mode": "pixelated", "model": "restore", "residual": True, "base": "bicubic", "lambda_GAN": "0",
    "netG": "srlite_16blocks", "ngf": "48", "crop_size": "128", "load_size": "128", "preprocess": "crop",
    "pixel_size": "32", "pixel_block": "3.6:9", "pixel_offset": True, "pixel_down": "box,bilinear",
    "pixel_jpeg": "70:95", "pixel_jpeg_share": "0.5", "pixel_rotate": True, "pixel_repeat": "16",
    "pixel_train_seed": "0", "batch_size": "16", "lr": "0.0005", "beta1": "0.9", "num_threads": "1",
    "val_size": "32", "save_best": True, "print_freq": "512", "save_epoch_freq": "1",
    "bf16": True, "pixel_cache_mb": "1024",
}
EPOCHS = 64
DECAY_SHARE = 6  # the last sixth of the epochs decay the learning rate to 0 (64: 54 + 10)
WHAT = ("restores mosaics (box or bilinear blocks of 3.6 to 9 px, any grid origin, JPEG 70..95) read by "
        "python -m plugins.restore at 4 px per block; a correction added to the bicubic upscale of the blocks")
SOURCES = {
    "train": "105 photographs of Debian's gcompris-qt-data 3.1-2 (GPL-3+ / GPL-3, see photo_sources.tsv) and the "
             "18 photographs scikit-image ships (public domain / CC0 / BSD)",
    "val": "5 photographs of Debian's palapeli-data 4:22.12.3-1 (GPL-2+)",
    "test": "22 photographs of Debian's plasma-workspace-wallpapers (GPL-2+) and lomiri-wallpapers-16.04/20.04 "
            "(CC BY / CC BY-SA / CC0), never trained or validated on",
}


def build_photos(data: Path, cache: Path) -> dict[str, int]:
    """Write data/{train,val,test} (reused when there); return the count of each split."""
    counts = {}
    for split in debian_photos.SPLITS:
        paths = debian_photos.fetch(split, data / split, cache, LONG_SIDE)
        if split == "train":
            paths += sample_photos.write_whole_photos(data / split, sample_photos.ALL_PHOTOS)
        counts[split] = len(paths)
    return counts


def train_flags(data: Path, checkpoints: Path, epochs: int) -> dict:
    """train.py flags of the bundled model (the upstream's device flags are added by train_command)."""
    decay = min(max(1, epochs // DECAY_SHARE), epochs - 1)
    return {**FLAGS, "dataroot": str(data), "val_dataroot": str(data / "val"), "name": NAME,
            "checkpoints_dir": str(checkpoints), "n_epochs": str(epochs - decay), "n_epochs_decay": str(decay)}


def train_command(upstream: Path, flags: dict) -> tuple[list[str], dict, str]:
    """The train.py argument list and environment additions, on the CPU, for either upstream flavour
    (plugins.upstream.driver: --gpu_ids -1 and --display_id 0, or CUDA_VISIBLE_DEVICES=''), and the flavour."""
    known = upstream_options.read_options(upstream, sys.executable, FLAGS["model"], FLAGS["dataset_mode"])["train"]
    flavour = upstream_options.flavour(known, upstream)
    device = driver.device_flags(flavour, driver.CPU, known)
    return ([sys.executable, str(upstream / "train.py"), *sweep_plan.to_argv({**flags, **device})],
            driver.device_env(flavour, driver.CPU), flavour)


def card_fields(run_dir: Path, flags: dict, flavour: str, counts: dict[str, int]) -> dict:
    """The model card's account of a training: what, how (flags without this machine's paths), on which
    photos, the best epoch and its validation gain (the run's val_log.csv)."""
    best = validation.best_row(validation.read_log(run_dir / "val_log.csv"))
    own = {k: v for k, v in flags.items() if k not in ("dataroot", "val_dataroot", "name", "checkpoints_dir")}
    return {"name": loading.BUNDLED_WEIGHTS.stem, "what": WHAT,
            "trained_by": f"python -m plugins.restore.bundle (upstream train.py, {upstream_options.FLAVOURS[flavour]})",
            "train_flags": " ".join(sweep_plan.to_argv(own)), "photos": counts, "sources": SOURCES,
            "epochs": int(flags["n_epochs"]) + int(flags["n_epochs_decay"]),
            "validation": f"{flags['val_size']} mosaics of the {counts['val']} val photos made as the training "
                          "samples are (fixed by --pixel_seed); gain over the bicubic upscale of their blocks",
            "best_epoch": best and best["epoch"],
            "validation_gain_over_bicubic_db": best and round(best["gain_bicubic"], 2)}


def export(run_dir: Path, card: dict) -> None:
    """The run's best generator (plain state dict, float32) and its model card into the package."""
    state = torch.load(run_dir / "best_net_G.pth", map_location="cpu", weights_only=True)
    loading.BUNDLED_DIR.mkdir(exist_ok=True)
    with atomic_write.atomic_path(loading.BUNDLED_WEIGHTS) as partial:
        torch.save({k: v.float() for k, v in state.items()}, partial)
    opt = run_options.read_train_opt(run_dir)
    card = {**card, "netG": opt.netG, "ngf": opt.ngf, "input_nc": opt.input_nc, "output_nc": opt.output_nc,
            "residual": opt.residual, "base": opt.base, "block": run_options.model_block(opt)[0],
            "parameters": sum(v.numel() for v in state.values())}
    atomic_write.write_text(loading.BUNDLED_CARD, json.dumps(card, indent=1) + "\n")


@cli.command("bundle", also=(debian_photos.PhotosUnavailable,))
def main(argv: list[str] | None = None) -> int:
    """Build the photos, train, export; 1 when train.py failed, 2 for a bad flag, no upstream or no photos."""
    parser = argparse.ArgumentParser(prog="python -m plugins.restore.bundle", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=Path("datasets/bundled"), help="photo folders to build and use")
    parser.add_argument("--cache", type=Path, default=Path("datasets/debian"), help="downloaded Debian packages")
    parser.add_argument("--out", type=Path, default=Path("sweeps/bundled"), help="checkpoints of the training")
    parser.add_argument("--epochs", type=int, default=EPOCHS, help="epochs in all (the last sixth decay)")
    parser.add_argument("--dry_run", action="store_true", help="print the train.py command and stop")
    args = parser.parse_args(argv)
    if args.epochs < 2:
        parser.error(f"--epochs {args.epochs}: at least 2")
    upstream = link.find_upstream()
    flags = train_flags(args.data.resolve(), args.out.resolve() / "checkpoints", args.epochs)
    command, env, flavour = train_command(upstream, flags)
    if args.dry_run:
        print(driver.shell_line(command, env))
        return 0
    link.link(upstream)
    counts = build_photos(args.data.resolve(), args.cache.resolve())
    run_dir = args.out.resolve() / "checkpoints" / NAME
    print(f"== training on {counts['train']} photos, validating on {counts['val']}; log in {run_dir}/train.log")
    print(driver.shell_line(command, env), flush=True)
    start = time.time()
    code = driver.interruptible("bundle", lambda: driver.run_logged(command, run_dir / "train.log", ".", False, env))
    if code > 128:  # interrupted (128 + the signal): interruptible said so in one line
        return code
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    if code != 0:
        raise driver.ScriptFailed(f"train.py exited {code}; see {run_dir}/train.log")
    export(run_dir, {**card_fields(run_dir, flags, flavour, counts),
                     "train_cpu_seconds": round(used.ru_utime + used.ru_stime),
                     "train_wall_seconds": round(time.time() - start),
                     "machine": f"{os.cpu_count()}-core {platform.machine()} CPU, torch {torch.__version__}, "
                                f"{torch.get_num_threads()} threads; CPU seconds of train.py and its loader"})
    print(f"== exported {loading.BUNDLED_WEIGHTS} and {loading.BUNDLED_CARD}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
