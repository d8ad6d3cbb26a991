"""Validation while training: fixed pixelated crops of other photos, scored as evaluate scores test.py's output.

The pairs are a pure function of (photos, count, crop size, pixel sizes,
seed), or under --pixel_block of (photos, count, the mosaic spec, seed):
mosaics made as training makes them. So every epoch and every run of a
study is scored on the very same images. Scores use the images as
upstream's tensor2im would save them, so an epoch's validation PSNR is what
evaluate would report for it.
"""
from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from plugins.data import mosaic_samples
from plugins.data import pixelation
from plugins.data import sample_photos
from plugins.evaluation import scores
from plugins.evaluation import tables

COLUMNS = ("epoch", "psnr_model", "psnr_input", "psnr_bicubic", "cosine_model", "cosine_input", "cosine_bicubic",
           "gain_bicubic", "best")


@dataclass(frozen=True)
class Pair:
    """One validation image: the pixelated input, the real crop and its pixel size."""

    real_a: np.ndarray
    real_b: np.ndarray
    pixel_size: int


def val_pairs(photos: Sequence[Path], count: int, crop_size: int, sizes: Sequence[int], seed: int = 0,
              down: str = pixelation.DEFAULT_DOWN, up: str = pixelation.DEFAULT_UP) -> list[Pair]:
    """`count` seeded crops of `photos` (sample_photos.photo_crops), each pixelated to the size
    and with the down filter (one of the list `down`) fixed by (seed, index) like the test phase."""
    # absolute: photo_crops reads a relative name as one of scikit-image's pictures
    crops = sample_photos.photo_crops(tuple(Path(p).resolve() for p in photos), count, crop_size, seed)
    downs = pixelation.parse_filters(down)
    pairs = []
    for index, crop in enumerate(crops):
        size, filter_name = pixelation.fixed_size(sizes, seed, index), pixelation.fixed_filter(downs, seed, index)
        pairs.append(Pair(np.asarray(pixelation.pixelate(crop, size, filter_name, up)), np.asarray(crop), size))
    return pairs


def mosaic_pairs(photos: Sequence[Path], count: int, spec: mosaic_samples.MosaicSpec, seed: int = 0) -> list[Pair]:
    """`count` mosaic samples of `photos` (cycling through them) made as the dataset's --pixel_block makes
    training samples (block size, filter, grid offset, JPEG), each drawn from (seed, index), so validation
    scores what the model trains on and the restore command reads."""
    # absolute: load_source reads a relative name as one of scikit-image's pictures
    pictures = [sample_photos.load_source(Path(p).resolve()) for p in photos]
    pairs = []
    for index in range(count):
        model_in, truth = spec.sample(pictures[index % len(pictures)], random.Random(f"{seed}:{index}:val mosaic"))
        pairs.append(Pair(np.rint(model_in).astype(np.uint8), truth.astype(np.uint8), spec.cells))
    return pairs


def score(fakes: Sequence[np.ndarray], saved_inputs: Sequence[np.ndarray], pairs: Sequence[Pair]) -> dict[str, float]:
    """Mean PSNR and cosine of model, input and bicubic against the real crops, and the gain over bicubic.

    `saved_inputs` are the inputs as tensor2im saves them (what evaluate sees as real_A).
    """
    rows = [scores.score_images(fake, real_a, pair.real_b, which=("psnr", "cosine"))
            for fake, real_a, pair in zip(fakes, saved_inputs, pairs)]
    means = {f"{metric}_{method}": float(np.mean([scores.capped(r[f"{metric}_{method}"], scores.DEFAULT_PSNR_CAP)
                                                  if metric == "psnr" else r[f"{metric}_{method}"] for r in rows]))
             for metric in ("psnr", "cosine") for method in scores.METHODS}
    means["gain_bicubic"] = means["psnr_model"] - means["psnr_bicubic"]
    return means


def read_log(path: Path) -> list[dict]:
    """The rows of a val_log.csv (numbers as floats, epoch as int); [] when there is none."""
    if not path.exists():
        return []
    with open(path, newline="") as f:
        return [{key: int(value) if key in ("epoch", "best") else float(value) for key, value in row.items()}
                for row in csv.DictReader(f)]


def best_row(rows: Sequence[dict]) -> dict | None:
    """The row of highest model PSNR (the earliest of equals), or None."""
    return max(rows, key=lambda r: (r["psnr_model"], -r["epoch"]), default=None)


def best_columns(path: Path, up_to: int) -> dict:
    """The sweep table's view of a training's val_log.csv: best epoch and its validation PSNR among
    epochs <= up_to (a run served by a longer shared training ends there); empty without a log."""
    best = best_row([r for r in read_log(path) if r["epoch"] <= up_to])
    return {} if best is None else {"best_epoch": best["epoch"], "val_psnr_best": best["psnr_model"],
                                    "val_gain_bicubic_best": best["gain_bicubic"]}


def append_epoch(path: Path, epoch: int, means: dict[str, float]) -> dict:
    """Add an epoch's scores to val_log.csv (rows of later epochs, left by an earlier run, are dropped),
    rewritten atomically; returns the row, whose `best` is 1 when it is the best epoch so far."""
    rows = [r for r in read_log(path) if r["epoch"] < epoch]
    best = best_row(rows)
    row = {"epoch": epoch, **{k: means[k] for k in COLUMNS[1:-1]},
           "best": int(best is None or means["psnr_model"] > best["psnr_model"])}
    rows.append(row)
    tables.write_csv(path, rows, list(COLUMNS))
    return row
