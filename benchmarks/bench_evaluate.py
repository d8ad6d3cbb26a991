"""Speed of plugins.evaluate against two references, measured in one run on the same files.

(a) a naive loop: PIL decode + scikit-image PSNR and SSIM of model, input and
    bicubic per image, in one process (the same scores evaluate computes);
    expected evaluate --workers 2 >= 2x faster;
(b) decode-only of the same PNGs with PSNR and cosine only, one process,
    against evaluate --workers 2 --metrics psnr,cosine (the same scores:
    what the pipeline around the metrics costs); expected >= 0.8x.
Prints images/s of each and both ratios.

    python benchmarks/bench_evaluate.py [--images 1000] [--size 256]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
from plugins import evaluate, metrics, results, scores  # noqa: E402
from results_tree import write_triplets  # noqa: E402


def naive(images: Path) -> None:
    for t in results.find_triplets(images)[0]:
        fake, real_a, real_b = (np.asarray(Image.open(p).convert("RGB")) for p in (t.fake_B, t.real_A, t.real_B))
        for img in (fake, real_a, scores.bicubic_baseline(real_a)):
            peak_signal_noise_ratio(real_b, img, data_range=255)
            structural_similarity(img, real_b, gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
                                  data_range=255, channel_axis=2)


def decode_only(images: Path) -> None:
    for t in results.find_triplets(images)[0]:
        fake, real_a, real_b = (evaluate.load_png(p) for p in (t.fake_B, t.real_A, t.real_B))
        for img in (fake, real_a):
            metrics.psnr(img, real_b)
            metrics.cosine_similarity(img, real_b)


def timed(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=1000, help="the study's test-set size")
    parser.add_argument("--size", type=int, default=256)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        images = Path(tmp) / "run" / "test_1" / "images"
        write_triplets(images, args.images, size=args.size, pixel_size=64)
        cli = ["--results_dir", str(images), "--workers", "2", "--quiet", "--out", str(Path(tmp) / "out")]
        times = {"evaluate --workers 2": timed(evaluate.main, cli),
                 "naive skimage loop": timed(naive, images),
                 "evaluate psnr,cosine": timed(evaluate.main, cli + ["--metrics", "psnr,cosine"]),
                 "decode + psnr/cosine only": timed(decode_only, images)}
    for name, seconds in times.items():
        print(f"{name:28s} {args.images / seconds:7.1f} images/s")
    ours = times["evaluate --workers 2"]
    print(f"(a) evaluate vs naive loop:        {times['naive skimage loop'] / ours:.2f}x (expected >= 2)")
    light = times["evaluate psnr,cosine"]
    print(f"(b) evaluate psnr,cosine vs decode-only: {times['decode + psnr/cosine only'] / light:.2f}x "
          "(expected >= 0.8)")


if __name__ == "__main__":
    main()
