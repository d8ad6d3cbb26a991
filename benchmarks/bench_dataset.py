"""Samples per second of `--dataset_mode pixelated` against upstream's `aligned`.

Both read the same photos (the aligned copies are the builder's AB/ images)
with the same preprocess (resize_and_crop 286 -> 256, flip); pixelated reads
one image instead of a double-width one and pixelates it. Prints both rates
and their ratio (expected >= 1.2). Needs upstream (./upstream or PIX2PIX_UPSTREAM).

    python benchmarks/bench_dataset.py [--images 64] [--rounds 3]
"""
from __future__ import annotations

import argparse
import contextlib
import io
import tempfile
import time
from pathlib import Path

from upstream_import import cpu_flags, import_upstream, upstream_options

from plugins.data import make_pixelated
from plugins.data import sample_photos


def samples_per_second(dataset, rounds: int) -> float:
    """Best of `rounds` full passes over the dataset, in samples per second."""
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for i in range(len(dataset)):
            dataset[i]
        best = min(best, time.perf_counter() - start)
    return len(dataset) / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    import_upstream()
    from data import find_dataset_using_name

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        sample_photos.write_photo_crops(tmp / "photos", sample_photos.TRAIN_SOURCES, args.images, 256, seed=0)
        make_pixelated.build(tmp / "photos", tmp / "ds", "64", test=0, progress=False)
        rates = {}
        for mode, root in (("aligned", "AB"), ("pixelated", "B")):
            flags = ["--dataroot", str(tmp / "ds" / root), "--dataset_mode", mode, "--model", "pix2pix",
                     "--checkpoints_dir", str(tmp / "ck"), *cpu_flags()]
            with contextlib.redirect_stdout(io.StringIO()):
                opt = upstream_options(flags)
            dataset = find_dataset_using_name(mode)(opt)
            rates[mode] = samples_per_second(dataset, args.rounds)
            print(f"{mode:10s} {rates[mode]:7.1f} samples/s ({len(dataset)} images, 256 px crops)")
    print(f"ratio pixelated / aligned: {rates['pixelated'] / rates['aligned']:.2f} (expected >= 1.2)")


if __name__ == "__main__":
    main()
