"""Restore pixelated images of any size: python -m plugins.restore.

    python -m plugins.restore INPUT... [--out DIR]                  (the bundled model)
    python -m plugins.restore INPUT... --name RUN [--checkpoints_dir DIR] [--epoch latest|best|N]
    python -m plugins.restore INPUT... --model FILE.pth             (train_opt.txt or FILE.json beside it)

Each INPUT is an image file (PNG, JPEG, WebP, anything PIL reads) or a folder
of them; each image is written as <out>/<stem>_restored.png, the input's own
size. With no model named, the model bundled in the package restores (no
training, no upstream checkout needed); a run's network and options come
from its train_opt.txt. The grid of each image (block size, offset) is
detected, the image is rescaled so its blocks match the ones the model trained
on, restored in overlapping tiles, resized back and back-projected onto the
mosaic's block means (--back_project). --region restores only rectangles of an
otherwise sharp photo; --region auto finds them (every mosaic, each on its own
grid). Colour
channels are restored; an alpha channel (or a palette's transparency) is
carried through unchanged, and a grayscale file comes back grayscale. Exit
status: 0 all restored, 1 some skipped (each said why), 2 a bad command line
(nothing done).
"""
from __future__ import annotations

import argparse
import dataclasses
import math
import sys
import tempfile
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from PIL import Image
from tqdm import tqdm

from plugins import cli
from plugins.data import atomic_write, image_io
from plugins.restore import pipeline as pixel_restore
from plugins.restore import generators as restoration
from plugins.restore import back_projection, loading
from plugins.restore import tiling

OUTPUT_SUFFIXES = ("_restored.png", "_compare.png", "_mask.png")  # what this tool writes; skipped in input folders
MANY_TILES = 4  # more tiles than this get their own progress bar
MIN_TILE = 2 * tiling.DEFAULT_OVERLAP  # a smaller --tile would be all overlap (and thousands of tiles)


class CommandLineError(cli.UserError):
    """A bad flag or run: one line, exit status 2, nothing restored."""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m plugins.restore", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("inputs", nargs="+", metavar="INPUT", help="image files or folders of images")
    parser.add_argument("--name", help="a trained run: its folder under --checkpoints_dir (as upstream); "
                                       "default: the bundled model")
    parser.add_argument("--model", type=Path, metavar="FILE.pth",
                        help="a generator checkpoint with train_opt.txt or a model card FILE.json beside it")
    parser.add_argument("--checkpoints_dir", default="./checkpoints", help="models are saved here (as upstream)")
    parser.add_argument("--epoch", default="latest", help="which checkpoint: latest, best or an epoch number")
    parser.add_argument("--out", default="./restored", help="folder for <stem>_restored.png")
    parser.add_argument("--gpu_ids", default="-1", help="gpu ids, e.g. 0; -1 for CPU (as upstream; the first is used)")
    parser.add_argument("--block_size", type=float,
                        help="size in pixels of one block of the inputs (skips detecting it; the offset is still "
                             "found); formerly --pixel_size, still accepted")
    parser.add_argument("--pixel_size", type=float, dest="old_block_size", help=argparse.SUPPRESS)
    parser.add_argument("--force", action="store_true",
                        help="restore images that show no pixel grid, as if their blocks were the model's own")
    parser.add_argument("--back_project", type=int, default=back_projection.ROUNDS, metavar="N",
                        help="rounds of back-projection: match the restored image's blocks, shrunk as "
                             "--mosaic_filter says, to the mosaic's (0: off)")
    parser.add_argument("--mosaic_filter", default=back_projection.DEFAULT_FILTER,
                        choices=list(back_projection.FILTERS),
                        help="the filter the mosaic was shrunk with, which back-projection matches: box (block "
                             "means: editors, censor tools) or bilinear (PIL's and browsers' shrink)")
    parser.add_argument("--self_ensemble", action="store_true",
                        help="average the model over the eight rotations and flips of each tile (8x the model's time)")
    parser.add_argument("--tile", type=int, default=tiling.DEFAULT_TILE,
                        help="largest tile side in model pixels (rounded to what the generator needs); "
                             "bounds memory")
    parser.add_argument("--region", action="append", default=[], metavar="x,y,w,h|auto",
                        help="restore only this rectangle, leave every other pixel as it is (repeatable); "
                             "auto: find every pixelated rectangle of each image and restore each on its own grid")
    parser.add_argument("--save_mask", action="store_true",
                        help="also write <stem>_mask.png: white where the image was restored")
    parser.add_argument("--model_block", type=int,
                        help="block size in pixels the model trained on (default: crop_size / pixel_size "
                             "from train_opt.txt)")
    parser.add_argument("--compare", action="store_true", help="also write <stem>_compare.png: input | restored")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)
    args.auto = "auto" in args.region
    if args.auto:
        for flag, given in (("--region x,y,w,h", len(args.region) > 1), ("--force", args.force),
                            ("--block_size", args.block_size is not None or args.old_block_size is not None)):
            if given:
                parser.error(f"--region auto finds each mosaic and its blocks itself: drop {flag}")
    try:
        args.regions = [pixel_restore.parse_region(text) for text in args.region if text != "auto"]
    except ValueError as err:
        parser.error(str(err))
    if args.tile < MIN_TILE:
        parser.error(f"--tile {args.tile}: must be >= {MIN_TILE} (tiles overlap by {tiling.DEFAULT_OVERLAP})")
    block_flag = "--block_size"
    if args.old_block_size is not None:
        print("restore: --pixel_size was renamed to --block_size (pixels per block; the dataset mode's "
              "--pixel_size is blocks per side)", file=sys.stderr)
        if args.block_size is not None:
            parser.error("--pixel_size is the old name of --block_size: give one of them")
        args.block_size, block_flag = args.old_block_size, "--pixel_size"
    if args.block_size is not None and not (math.isfinite(args.block_size) and args.block_size >= 1):
        parser.error(f"{block_flag} {args.block_size:g}: must be a number >= 1")
    if args.model_block is not None and args.model_block < 1:
        parser.error(f"--model_block {args.model_block}: must be >= 1")
    if args.back_project < 0:
        parser.error(f"--back_project {args.back_project}: must be >= 0")
    if args.model is not None and args.name is not None:
        parser.error("--model FILE and --name RUN both name a model: give one of them")
    return args


def device_of(gpu_ids: str) -> torch.device:
    """CPU for -1, else the first listed GPU; CommandLineError when it is not there."""
    try:
        ids = [int(part) for part in gpu_ids.split(",") if int(part) >= 0]
    except ValueError:
        raise CommandLineError(f"--gpu_ids {gpu_ids}: use e.g. 0 or 0,1, or -1 for CPU") from None
    if not ids:
        return torch.device("cpu")
    if not torch.cuda.is_available() or ids[0] >= torch.cuda.device_count():
        raise CommandLineError(f"--gpu_ids {gpu_ids}: no such CUDA device here (use -1 for CPU)")
    return torch.device("cuda", ids[0])


def tile_model(net: torch.nn.Module, opt: argparse.Namespace, device: torch.device,
               self_ensemble: bool = False) -> tiling.Model:
    """A tiling model (HxWx3 float32 in [-1, 1] and its grid -> same) running the restore model's forward,
    or its mean over the eight rotations and flips with `self_ensemble`."""
    forward = restoration.restore_ensembled if self_ensemble else restoration.restore

    def run(tile: np.ndarray, grid: tuple[int, int]) -> np.ndarray:
        real_a = torch.from_numpy(tile).permute(2, 0, 1)[None].to(device)
        with torch.no_grad():
            fake_b = forward(net, real_a, opt, [grid])
        return fake_b[0].permute(1, 2, 0).float().cpu().numpy()
    return run


def gather_inputs(inputs: list[str]) -> tuple[list[Path], list[tuple[str, str, str]]]:
    """Image files named or found in named folders (sorted; hidden files, such as a killed write's
    temporary, and this tool's outputs left out), each file once however often it is named, and
    (input, kind, reason) for the rest."""
    extensions = {ext for ext, fmt in Image.registered_extensions().items() if fmt in Image.OPEN}
    files, missing, seen = [], [], set()
    for name in inputs:
        path = Path(name)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in extensions
                           and not p.name.endswith(OUTPUT_SUFFIXES) and not p.name.startswith("."))
            if not found:
                missing.append((name, "empty folder", "no images in this folder"))
        elif path.is_file():
            found = [path]
        else:
            found = []
            missing.append((name, "missing", "no such file or folder"))
        for file in found:
            if file.resolve() not in seen:
                seen.add(file.resolve())
                files.append(file)
    return files, missing


def check_out(out: str) -> None:
    """Make the output folder and prove it writable before any work; CommandLineError naming --out."""
    try:
        Path(out).mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as err:
        raise CommandLineError(f"--out {out}: not a folder this user can write ({err.strerror or err})") from None


def output_paths(path: Path, args: argparse.Namespace) -> list[Path]:
    """What restoring `path` writes: <stem>_restored.png, then <stem>_compare.png with --compare and
    <stem>_mask.png with --save_mask."""
    wanted = (True, args.compare, args.save_mask)
    return [Path(args.out) / f"{path.stem}{suffix}" for suffix, want in zip(OUTPUT_SUFFIXES, wanted) if want]


def output_conflict(path: Path, args: argparse.Namespace, inputs: set[Path],
                    claimed: dict[Path, Path]) -> tuple[str, str] | None:
    """(kind, reason) when an output of `path` would overwrite an input or another input's output."""
    for target in output_paths(path, args):
        if target.resolve() in inputs:
            return "overwrite", f"its output {target} is an input file: choose another --out"
        if target.resolve() in claimed:
            return "name clash", f"its output {target} is already {claimed[target.resolve()]}'s"
    return None


def restore_file(path: Path, args: argparse.Namespace, model: tiling.Model, settings: pixel_restore.Settings,
                 on_tile: Callable[[int, int], None]) -> pixel_restore.Restored:
    """Restore one file and write its outputs; raises ValueError/OSError/RuntimeError with the reason.

    The colour channels are restored; alpha goes back unchanged and a gray file is written gray
    (image_io.Picture.like_file); an animated file's first frame is restored, and the note says so."""
    picture = image_io.load_picture(path, upright=True)  # fully decoded: truncation shows here
    arr = picture.rgb
    if args.auto:
        done = pixel_restore.restore_auto(arr, model, settings, on_tile)
    elif args.regions:
        done = pixel_restore.restore_regions(arr, args.regions, model, settings, on_tile)
    else:
        done = pixel_restore.restore_array(arr, model, settings, on_tile)
    targets = output_paths(path, args)
    for leftover in (found for target in targets for found in atomic_write.leftovers(target)):
        leftover.unlink(missing_ok=True)  # a killed earlier run's temporary of this very output
    outputs = iter(targets)
    image_io.save_png(next(outputs), picture.like_file(done.image))
    if args.compare:
        gap = np.full((arr.shape[0], 8, 3), 255, dtype=np.uint8)
        image_io.save_png(next(outputs), np.concatenate([arr, gap, done.image], axis=1))
    if args.save_mask:
        image_io.save_png(next(outputs), restored_mask(arr.shape[:2], done.regions))
    if picture.frames > 1:
        done = dataclasses.replace(done, note=f"{done.note}; the first of its {picture.frames} frames only")
    return done


def restored_mask(shape: tuple[int, int], regions: tuple[pixel_restore.Region, ...]) -> np.ndarray:
    """uint8 mask, 255 where the image was restored (inside `regions`; everywhere when there are none)."""
    if not regions:
        return np.full(shape, 255, dtype=np.uint8)
    mask = np.zeros(shape, dtype=np.uint8)
    for x, y, w, h in regions:
        mask[y:y + h, x:x + w] = 255
    return mask


class TileProgress:
    """A progress bar over the tiles of one image, shown only when there are many."""

    def __init__(self, name: str, quiet: bool):
        self.name, self.quiet, self.bar = name, quiet, None

    def __call__(self, done: int, total: int) -> None:
        if total > MANY_TILES and not self.quiet:
            if self.bar is None:
                self.bar = tqdm(total=total, unit="tile", leave=False, desc=self.name)
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def reason_kind(err: BaseException) -> str:
    """A short name for why an image was skipped (for the final line)."""
    if isinstance(err, pixel_restore.NoRegion):
        return "no pixelated region"
    if isinstance(err, pixel_restore.NoGrid):
        return "no pixel grid"
    if isinstance(err, (OSError, SyntaxError, Image.DecompressionBombError)):
        return "unreadable"
    if isinstance(err, ValueError) and "--region" in str(err):
        return "region outside"
    return "failed"


def summary_line(restored: int, total: int, out: str, skipped: list[tuple[str, str, str]]) -> str:
    """'restored 3 of 5 images into DIR; skipped 2: 1 no pixel grid, 1 unreadable'."""
    line = f"restored {restored} of {total} image{'s' * (total != 1)} into {out}"
    if skipped:
        kinds: dict[str, int] = {}
        for _, kind, _ in skipped:
            kinds[kind] = kinds.get(kind, 0) + 1
        line += f"; skipped {len(skipped)}: " + ", ".join(f"{n} {kind}" for kind, n in kinds.items())
    return line


def run(args: argparse.Namespace) -> int:
    """Restore every input; returns the exit status."""
    device = device_of(args.gpu_ids)
    try:
        if args.model is not None:
            loaded = loading.from_file(args.model, args.model_block, device)
        elif args.name is not None:
            loaded = loading.from_run(args.checkpoints_dir, args.name, args.epoch, args.model_block, device)
        else:
            loaded = loading.bundled(device)
    except loading.ModelError as err:
        raise CommandLineError(str(err)) from None
    net, opt = loaded.net, loaded.opt
    settings = pixel_restore.Settings(model_block=loaded.block, multiple=restoration.size_multiple(opt.netG),
                                      tile=args.tile, block_size=args.block_size, force=args.force,
                                      back_project=args.back_project, mosaic_filter=args.mosaic_filter)
    print(f"{loaded.label}: netG {opt.netG}, {loaded.block_note}, on {device}")
    model = tile_model(net, opt, device, args.self_ensemble)

    files, missing = gather_inputs(args.inputs)
    if files:
        check_out(args.out)
    skipped = list(missing)
    for name, _, reason in skipped:
        print(f"skipped {name}: {reason}", file=sys.stderr)
    inputs = {p.resolve() for p in files}
    claimed: dict[Path, Path] = {}
    restored = 0
    for path in tqdm(files, unit="image", disable=args.quiet, desc="restore"):
        reason = output_conflict(path, args, inputs, claimed)
        if reason is None:
            claimed.update({target.resolve(): path for target in output_paths(path, args)})
            progress = TileProgress(path.name, args.quiet)
            try:
                done = restore_file(path, args, model, settings, progress)
                restored += 1
                tqdm.write(f"{path}: {done.note} -> {output_paths(path, args)[0]}")
            except (ValueError, OSError, SyntaxError, RuntimeError, Image.DecompressionBombError) as err:
                reason = (reason_kind(err), cli.one_line(err))
            finally:
                progress.close()
        if reason is not None:
            skipped.append((str(path), *reason))
            tqdm.write(f"skipped {path}: {reason[1]}", file=sys.stderr)
    print(summary_line(restored, len(files) + len(missing), args.out, skipped))
    return 1 if skipped else 0


@cli.command("restore")
def main(argv: list[str] | None = None) -> int:
    """Restore the inputs; 0, 1 when some were skipped, 2 for a bad command line (CommandLineError)."""
    return run(parse_args(argv))
