"""Build a static pixelated dataset in upstream's folder formats.

From a folder of photos, writes A/ (pixelated), B/ (photos) and AB/ (A|B side
by side, like upstream's combine_A_and_B.py) per split, with a seeded
train/test split and manifest.csv (file, split, pixel size, filters). Every
image is resized to --size square (bicubic, as upstream's test-phase
resize), and image i of a split gets the pixel size fixed by
(--pixel_seed, i): the test split's A images are exactly what
`--dataset_mode pixelated` gives in the test phase with the same flags.
The dataset is built in a temporary folder beside --out and renamed to it at
the end, so a folder with manifest.csv is always complete; --skip_bad skips
(and lists) photos that do not decode instead of stopping.

    python datasets/make_pixelated.py --photos DIR --out datasets/NAME [--preset study-fixed] [--skip_bad]

(datasets/make_pixelated.py runs this module's main, as `python -m plugins.data.make_pixelated` does.)
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

import numpy as np
from PIL import Image
from tqdm import tqdm

from plugins import cli
from plugins.data import image_io
from plugins.data import pixelation
from plugins.evaluation import tables

PRESETS = {"study-fixed": "64", "study-variational": "48:128"}
# upstream's image extensions (data/image_folder.py)
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".tif", ".tiff")
MANIFEST = "manifest.csv"
MANIFEST_COLUMNS = ["file", "split", "index", "pixel_size", "down", "up", "source"]
SPLITS = ("train", "test")


def find_photos(folder: Path) -> list[Path]:
    """Every image under `folder`, recursively, sorted."""
    if not folder.is_dir():
        raise ValueError(f"--photos {folder}: no such folder")
    photos = sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_EXTENSIONS and p.is_file())
    if not photos:
        raise ValueError(f"--photos {folder}: no images ({', '.join(IMAGE_EXTENSIONS)})")
    return photos


def output_name(photo: Path, folder: Path) -> str:
    """A flat, unique PNG name for a photo: its relative path with '/' as '__'."""
    return "__".join(photo.relative_to(folder).with_suffix(".png").parts)


def split_counts(total: int, test: float) -> tuple[int, int]:
    """(train, test) counts: `test` is a count when >= 1, else a ratio of `total`."""
    n_test = int(test) if test >= 1 else int(round(total * test))
    if not 0 <= n_test <= total:
        raise ValueError(f"--test {test}: asks for {n_test} test images out of {total}")
    return total - n_test, n_test


def assign_splits(names: list[str], test: float, seed: int, max_images: int | None = None) -> dict[str, list[str]]:
    """A seeded random train/test split of at most `max_images` names (a seeded subset);
    each split's names sorted (the dataset mode's order)."""
    order = np.random.default_rng(seed).permutation(len(names))[:max_images]
    _, n_test = split_counts(len(order), test)
    return {"train": sorted(names[i] for i in order[n_test:]), "test": sorted(names[i] for i in order[:n_test])}


def side_by_side(a: Image.Image, b: Image.Image) -> Image.Image:
    """A|B in one image, as upstream's aligned mode reads it."""
    ab = Image.new("RGB", (a.width + b.width, a.height))
    ab.paste(a, (0, 0))
    ab.paste(b, (a.width, 0))
    return ab


def build(photos_dir: Path, out: Path, pixel_size: str = "64", down: str = pixelation.DEFAULT_DOWN,
          up: str = pixelation.DEFAULT_UP, pixel_seed: int = 0, size: int = 256, test: float = 0.2,
          split_seed: int = 0, max_images: int | None = None, progress: bool = True,
          skip_bad: bool = False) -> list[dict]:
    """Write the dataset to `out` (built beside it, renamed at the end); return the manifest rows.

    A photo that does not decode raises ValueError naming it (nothing is left behind), or with
    `skip_bad` is listed and left out: image i of a split is the i-th photo written, as the
    dataset mode counts them.
    """
    sizes = pixelation.parse_pixel_size(pixel_size)
    pixelation.check_pixel_sizes(sizes, size, pixel_size)
    for name in (down, up):
        pixelation.resample_filter(name)  # an unknown name fails before any file is written
    photos = find_photos(photos_dir)
    check_replaceable(out)
    by_name = {output_name(p, photos_dir): p for p in photos}
    splits = assign_splits(sorted(by_name), test, split_seed, max_images)
    partial = out.parent / f".{out.name}.partial-{os.getpid()}"  # hidden: never taken for a dataset
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        rows = write_dataset(partial, splits, by_name, sizes, down, up, pixel_seed, size, progress, skip_bad,
                             f"building {out}")
        replace_folder(partial, out)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return rows


def write_dataset(root: Path, splits: dict[str, list[str]], by_name: dict[str, Path], sizes, down: str, up: str,
                  pixel_seed: int, size: int, progress: bool, skip_bad: bool, desc: str) -> list[dict]:
    """A/, B/, AB/ and manifest.csv (written last) under `root`; the manifest rows."""
    rows, skipped = [], []
    jobs = [(split, name) for split in SPLITS for name in splits[split]]
    written = dict.fromkeys(SPLITS, 0)
    for split, name in tqdm(jobs, desc=desc, unit="img", disable=not progress):
        source = by_name[name]
        try:
            photo = image_io.load_rgb(source).resize((size, size), Image.Resampling.BICUBIC)
        except Exception as err:  # PIL raises many kinds for broken files
            if not skip_bad:
                raise ValueError(f"{source}: unreadable image ({err}); --skip_bad skips such files") from None
            skipped.append(source)
            print(f"skipped unreadable image {source}: {err}", file=sys.stderr)
            continue
        index = written[split]
        written[split] += 1
        pixel = pixelation.fixed_size(sizes, pixel_seed, index)
        pixelated = pixelation.pixelate(photo, pixel, down, up)
        image_io.save_png(root / "A" / split / name, pixelated)
        image_io.save_png(root / "B" / split / name, photo)
        image_io.save_png(root / "AB" / split / name, side_by_side(pixelated, photo))
        rows.append({"file": name, "split": split, "index": index, "pixel_size": pixel,
                     "down": down, "up": up, "source": str(source)})
    if not rows:
        raise ValueError(f"no photo could be read ({len(skipped)} skipped)")
    tables.write_csv(root / MANIFEST, rows, MANIFEST_COLUMNS)
    return rows


def check_replaceable(out: Path) -> None:
    """ValueError unless `out` is absent, empty, or a dataset built here (it has manifest.csv)."""
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MANIFEST).is_file())):
        raise ValueError(f"--out {out} exists and is not a dataset built by make_pixelated.py "
                         f"(no {MANIFEST}): move it away or choose another folder")


def replace_folder(new: Path, out: Path) -> None:
    """Rename `new` to `out`; a previous `out` (checked by check_replaceable) is moved aside first
    and deleted after, so `out` is never half written."""
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    if out.exists():
        shutil.rmtree(old, ignore_errors=True)
        out.rename(old)
    new.rename(out)
    shutil.rmtree(old, ignore_errors=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", type=Path, required=True, help="folder of photos (searched recursively)")
    parser.add_argument("--out", type=Path, required=True, help="dataset folder to write")
    parser.add_argument("--preset", choices=sorted(PRESETS), help="the study's settings: study-fixed (64) "
                        "or study-variational (48:128); --pixel_size overrides")
    parser.add_argument("--pixel_size", help="N, MIN:MAX or N,M,... (default 64)")
    parser.add_argument("--pixel_down", default=pixelation.DEFAULT_DOWN, choices=list(pixelation.FILTERS))
    parser.add_argument("--pixel_up", default=pixelation.DEFAULT_UP, choices=list(pixelation.FILTERS))
    parser.add_argument("--pixel_seed", type=int, default=0, help="seed of the per-image pixel size")
    parser.add_argument("--size", type=int, default=256, help="images are resized to size x size")
    parser.add_argument("--test", type=float, default=0.2, help="test split: a count (>= 1) or a ratio (< 1)")
    parser.add_argument("--split_seed", type=int, default=0, help="seed of the train/test split")
    parser.add_argument("--max_images", type=int, help="use a seeded subset of this many photos")
    parser.add_argument("--skip_bad", action="store_true", help="skip (and list) photos that do not decode "
                        "instead of stopping")
    args = parser.parse_args(argv)
    args.pixel_size = args.pixel_size or PRESETS.get(args.preset, "64")
    return args


@cli.command("make_pixelated", also=(ValueError,))
def main(argv: list[str] | None = None) -> int:
    """Build the dataset; 2 (one line) for a bad flag or photo folder."""
    args = parse_args(argv)
    rows = build(args.photos, args.out, args.pixel_size, args.pixel_down, args.pixel_up,
                 args.pixel_seed, args.size, args.test, args.split_seed, args.max_images,
                 skip_bad=args.skip_bad)
    counts = {s: sum(r["split"] == s for r in rows) for s in SPLITS}
    print(f"wrote {args.out}: {counts['train']} train, {counts['test']} test, pixel size {args.pixel_size}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
