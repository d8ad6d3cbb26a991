"""Quality on mosaics made the way other programs make them, through the restore command.

Six cases, each on photos of another source than the model's training photos
(default: the bundled model's test split, plugins/data/photo_sources.tsv,
fetched with apt-get; or --photos DIR):
  (a) bilinear-shrunk, 4 px blocks, 256 px crops
  (b) box (block means), 4 px
  (c) box, 8 px
  (d) box 4 px, grid shifted by (2, 1) px, JPEG quality 85
  (e) box blocks of 4.6 px (shrink to round(w / 4.6), nearest back up), JPEG 90
  (f) whole photos (long side 1280), box 6 px, grid shifted by (3, 2) px
Each case's images go through `python -m plugins.restore` in one process
(the bundled model unless model flags follow `--`). Per case: mean PSNR and
SSIM of model, pixelated input and bicubic, the gain over bicubic with its
95% bootstrap interval, wins, images refused, and seconds per megapixel.
Bicubic is PIL's bicubic upscale of the true low-res image (before any JPEG)
on the same grid: the ceiling of what a plain upscale of the blocks can do.

    python benchmarks/bench_quality.py [--crops 120] [--photos DIR] [--cases a,b,...] [-- restore flags]
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from plugins.data import debian_photos, image_io, mosaic
from plugins.evaluation import scores
from plugins.metrics import quality

# name: (what, filter, block px, grid shift (x, y), JPEG quality or None, crop side or None for whole photos)
CASES = {
    "a": ("bilinear, 4 px", "bilinear", 4.0, (0, 0), None, 256),
    "b": ("box, 4 px", "box", 4.0, (0, 0), None, 256),
    "c": ("box, 8 px", "box", 8.0, (0, 0), None, 256),
    "d": ("box 4 px, shifted (2, 1), JPEG 85", "box", 4.0, (2, 1), 85, 256),
    "e": ("box 4.6 px, JPEG 90", "box", 4.6, (0, 0), 90, 256),
    "f": ("whole photos, box 6 px, shifted (3, 2)", "box", 6.0, (3, 2), None, None),
}


def make_case(photo: Image.Image, case: tuple, rng: np.random.Generator) -> tuple[Image.Image, ...]:
    """(pixelated input, bicubic of the true low-res image on the same grid, real) for one photo.

    The mosaic is made over a patch one block larger than the result and cut at the
    grid shift, so the blocks start `shift` pixels before the result's corner."""
    _, down, block, (dx, dy), jpeg_quality, side = case
    width, height = (side, side) if side else (photo.width - dx, photo.height - dy)
    margin = int(np.ceil(block))
    big_w, big_h = min(photo.width, width + margin), min(photo.height, height + margin)
    x = int(rng.integers(0, photo.width - big_w + 1))
    y = int(rng.integers(0, photo.height - big_h + 1))
    patch = photo.crop((x, y, x + big_w, y + big_h))
    made, _ = mosaic.pixelate_like_editor(patch, block, down)
    bicubic = mosaic.shrink(patch, block, down).resize(patch.size, Image.Resampling.BICUBIC)
    window = (dx, dy, dx + width, dy + height)
    made, bicubic, real = (img.crop(window) for img in (made, bicubic, patch))
    if jpeg_quality:
        made = mosaic.jpeg(made, jpeg_quality)
    return made, bicubic, real


def run_case(name: str, photos: list[Image.Image], crops: int, restore_flags: list[str], work: Path) -> dict:
    """Make one case's images, restore them in one command, score them."""
    case = CASES[name]
    rng = np.random.default_rng(ord(name))
    folder = work / name
    (folder / "in").mkdir(parents=True)
    count = len(photos) if case[5] is None else crops
    triples = {}
    for i in range(count):
        made, bicubic, real = make_case(photos[i % len(photos)], case, rng)
        stem = f"{name}_{i:04d}"
        made.save(folder / "in" / f"{stem}.png")
        triples[stem] = (np.asarray(made), np.asarray(bicubic), np.asarray(real))
    megapixels = sum(t[0].shape[0] * t[0].shape[1] for t in triples.values()) / 1e6
    start = time.time()
    proc = subprocess.run([sys.executable, "-m", "plugins.restore", str(folder / "in"), "--out", str(folder / "out"),
                           "--quiet", *restore_flags], capture_output=True, text=True)
    seconds = time.time() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"bench_quality: the restore command failed on case {name}: "
                         f"{(proc.stderr.strip().splitlines() or ['no output'])[-1]}")
    rows = []
    for stem, (made, bicubic, real) in triples.items():
        out = folder / "out" / f"{stem}_restored.png"
        if not out.exists():
            continue
        model = np.asarray(image_io.load_rgb(out))
        rows.append({"model": quality.psnr(model, real), "input": quality.psnr(made, real),
                     "bicubic": quality.psnr(bicubic, real), "ssim_model": quality.ssim(model, real),
                     "ssim_bicubic": quality.ssim(bicubic, real), "ssim_input": quality.ssim(made, real)})
    gains = np.array([r["model"] - r["bicubic"] for r in rows])
    mean = {key: float(np.mean([r[key] for r in rows])) if rows else float("nan") for key in
            ("model", "input", "bicubic", "ssim_model", "ssim_input", "ssim_bicubic")}
    return {"case": name, "what": case[0], "images": count, "restored": len(rows), **mean,
            "gain": float(gains.mean()) if rows else float("nan"), "ci": scores.bootstrap_ci(gains),
            "wins": float((gains > 0).mean()) if rows else float("nan"), "s_per_mp": seconds / megapixels}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    ours, restore_flags = (argv[:argv.index("--")], argv[argv.index("--") + 1:]) if "--" in argv else (argv, [])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=Path, help="a folder of test photos (default: the bundled model's test split)")
    parser.add_argument("--cache", type=Path, default=Path("datasets/debian"), help="downloaded Debian packages")
    parser.add_argument("--crops", type=int, default=120, help="images per crop case")
    parser.add_argument("--cases", default="a,b,c,d,e,f", help="which cases, comma-separated")
    args = parser.parse_args(ours)
    folder = args.photos or Path("datasets/bundled/test")
    paths = (sorted(p for p in folder.iterdir() if p.suffix.lower() in (".png", ".jpg", ".jpeg", ".webp"))
             if args.photos else debian_photos.fetch("test", folder, args.cache, 1280))
    photos = [image_io.load_rgb(p) for p in paths]
    print(f"{len(photos)} test photos from {folder}; restore flags: {' '.join(restore_flags) or '(the bundled model)'}")
    header = ("case", "images", "restored", "PSNR model", "input", "bicubic", "gain (95% CI)", "wins",
              "SSIM model", "input", "bicubic", "s/MP")
    print("| " + " | ".join(header) + " |\n|" + "---|" * len(header))
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.cases.split(","):
            r = run_case(name.strip(), photos, args.crops, restore_flags, Path(tmp))
            ci = f"{r['ci'][0]:+.2f}..{r['ci'][1]:+.2f}" if r["ci"] else "n/a"
            print(f"| ({r['case']}) {r['what']} | {r['images']} | {r['restored']} | {r['model']:.2f} | "
                  f"{r['input']:.2f} | {r['bicubic']:.2f} | **{r['gain']:+.2f}** ({ci}) | {100 * r['wins']:.0f}% | "
                  f"{r['ssim_model']:.3f} | {r['ssim_input']:.3f} | {r['ssim_bicubic']:.3f} | {r['s_per_mp']:.2f} |",
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
