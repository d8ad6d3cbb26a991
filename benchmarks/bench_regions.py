"""`--region auto` on sharp photos with censor mosaics in them, through the restore command itself.

From each photo of FOLDER (another source than training: never the pictures
the model learnt from) it makes two images, scaled to at most --long_side px:
one with 1-3 mosaics (blocks 8-20 px, box-averaged on a grid from the
rectangle's corner, rectangles 64-240 px and at least 6 blocks a side, not
overlapping) and one with none, both through JPEG 92. Then it runs
`python -m plugins.restore DIR --region auto --save_mask --quiet --out OUT`
(the bundled model unless flags after `--` name another) and prints:
- recall: mosaics matched by a found rectangle (IoU >= 0.5), mean IoU of those,
  and apart for mosaics that plainly show their blocks (a mean step of PLAIN
  grey levels across their block edges) and for faint ones, and how many
  left nearly every pixel as it was (over a flat colour a mosaic changes
  nothing: no one can see it, and restoring it gives nothing back);
- false rectangles per sharp photo, and per censored photo beyond its mosaics;
- changed pixels outside the mosaics, and farther than one block + 4 px from
  every mosaic (goal: at most 0.5% in any photo), worst photo;
- PSNR of the restored mosaics against the truth, of the mosaics themselves,
  and of a bicubic upscale of their blocks;
- seconds per megapixel of the whole command (model loading included).
Time and memory are bounded on a huge flat image: the detector works in
1024 px tiles and keeps a float per 4x4 pixels (plugins.restore.mosaics).

    python benchmarks/bench_regions.py FOLDER [--photos 4] [--seed 0] [--long_side 1024] [-- --name RUN ...]
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image
from skimage.metrics import peak_signal_noise_ratio

from plugins.data import image_io

LINE = re.compile(r"^(?P<path>.+?): \d+ pixelated regions?: (?P<rects>.+?) -> ")
RECT = re.compile(r"(\d+),(\d+),(\d+),(\d+) \(")
PLAIN = 5.0  # grey levels: mosaics whose blocks step by less (over sky, a smooth wall) are counted apart
UNSEEN_LEVELS, UNSEEN_SHARE = 2, 0.01  # a mosaic moving under 1% of its pixels by over 2 levels is unseen


def censor(arr: np.ndarray, rng: np.random.Generator) -> list[tuple[int, int, int, int, int]]:
    """Put 1-3 non-overlapping box mosaics into arr (in place); their (x, y, w, h, block)."""
    height, width = arr.shape[:2]
    taken = np.zeros((height, width), bool)
    truth = []
    for _ in range(int(rng.integers(1, 4))):
        for _attempt in range(50):
            block = int(rng.integers(8, 21))
            w, h = (int(rng.integers(max(64, 6 * block), 241)) for _ in range(2))
            if w >= width or h >= height:
                continue
            x, y = int(rng.integers(0, width - w)), int(rng.integers(0, height - h))
            if taken[max(y - block, 0):y + h + block, max(x - block, 0):x + w + block].any():
                continue
            cols, rows = -(-w // block), -(-h // block)
            # partial blocks at the far edges average only the rectangle's own pixels (edge padding)
            patch = np.pad(arr[y:y + h, x:x + w], ((0, rows * block - h), (0, cols * block - w), (0, 0)), mode="edge")
            small = Image.fromarray(patch).resize((cols, rows), Image.Resampling.BOX)
            arr[y:y + h, x:x + w] = np.asarray(small.resize(patch.shape[1::-1], Image.Resampling.NEAREST))[:h, :w]
            taken[y:y + h, x:x + w] = True
            truth.append((x, y, w, h, block))
            break
    return truth


def edge_contrast(arr: np.ndarray, x: int, y: int, w: int, h: int, block: int) -> float:
    """Mean step (grey levels, over channels) across the block edges inside a mosaic: how plainly it
    shows its blocks (a mosaic over a clear sky steps by a level or two)."""
    patch = arr[y:y + h, x:x + w].astype(np.float64)
    steps = [np.abs(patch[:, i] - patch[:, i - 1]).mean() for i in range(block, w, block)]
    steps += [np.abs(patch[j] - patch[j - 1]).mean() for j in range(block, h, block)]
    return float(np.mean(steps))


def changed_share(censored: np.ndarray, clean: np.ndarray, x: int, y: int, w: int, h: int) -> float:
    """Share of a mosaic's pixels that it moved by more than UNSEEN_LEVELS grey levels in some channel."""
    moved = np.abs(censored[y:y + h, x:x + w].astype(np.int16) - clean[y:y + h, x:x + w]) > UNSEEN_LEVELS
    return float(moved.any(axis=2).mean())


def iou(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    ax, ay, aw, ah = a[:4]
    bx, by, bw, bh = b[:4]
    inter = max(0, min(ax + aw, bx + bw) - max(ax, bx)) * max(0, min(ay + ah, by + bh) - max(ay, by))
    return inter / (aw * ah + bw * bh - inter)


def jpeg_round_trip(arr: np.ndarray, folder: Path, stem: str) -> np.ndarray:
    path = folder / f"{stem}.jpg"
    Image.fromarray(arr).save(path, quality=92)
    return np.asarray(image_io.load_rgb(path))


def main() -> None:
    argv = sys.argv[1:]
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--photos", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--long_side", type=int, default=1024)
    args = parser.parse_args(argv[:argv.index("--")] if "--" in argv else argv)
    rng = np.random.default_rng(args.seed)
    paths = sorted(p for p in args.folder.iterdir() if p.suffix.lower() in (".png", ".jpg", ".jpeg"))[:args.photos]
    with tempfile.TemporaryDirectory() as tmp:
        inputs, out = Path(tmp) / "in", Path(tmp) / "out"
        inputs.mkdir()
        cases, contrast, unseen = {}, {}, {}
        for i, path in enumerate(paths):
            img = image_io.load_rgb(path)
            scale = min(1.0, args.long_side / max(img.size))
            img = img.resize((round(img.width * scale), round(img.height * scale)), Image.Resampling.LANCZOS)
            clean = np.array(img)
            censored = clean.copy()
            truth = censor(censored, rng)
            contrast[f"m{i}"] = [edge_contrast(censored, *t) for t in truth]
            unseen[f"m{i}"] = [changed_share(censored, clean, *t[:4]) < UNSEEN_SHARE for t in truth]
            cases[f"m{i}"] = (jpeg_round_trip(censored, inputs, f"m{i}"), clean, truth)
            cases[f"s{i}"] = (jpeg_round_trip(clean, inputs, f"s{i}"), clean, [])
        pixels = sum(case[0].shape[0] * case[0].shape[1] for case in cases.values())
        start = time.perf_counter()
        run = subprocess.run([sys.executable, "-m", "plugins.restore", str(inputs), "--region", "auto", "--save_mask",
                              "--quiet", "--out", str(out), *extra], capture_output=True, text=True)
        seconds = time.perf_counter() - start
        found = {}
        for line in run.stdout.splitlines():
            match = LINE.match(line)
            if match:
                found[Path(match["path"]).stem] = [tuple(map(int, r)) for r in RECT.findall(match["rects"])]
        if run.returncode not in (0, 1):
            sys.exit(f"restore failed: {run.stderr.strip()}")
        hits, ious, false_sharp, false_censored, outside, far, plain = 0, [], [], [], [], [], {True: [], False: []}
        seen_hits = []
        psnr_restored, psnr_mosaic, psnr_bicubic, total = [], [], [], 0
        for stem, (decoded, clean, truth) in cases.items():
            rects = found.get(stem, [])
            restored_path = out / f"{stem}_restored.png"
            restored = np.asarray(image_io.load_rgb(restored_path)) if restored_path.exists() else decoded
            inside = np.zeros(decoded.shape[:2], bool)
            near = np.zeros(decoded.shape[:2], bool)
            for x, y, w, h, block in truth:
                inside[y:y + h, x:x + w] = True
                reach = block + 4
                near[max(y - reach, 0):y + h + reach, max(x - reach, 0):x + w + reach] = True
            changed = (restored != decoded).any(axis=2)
            outside.append(changed[~inside].mean())
            far.append(changed[~near].mean())
            if not truth:
                false_sharp.append(len(rects))
                continue
            matched = set()
            for (x, y, w, h, block), steps, hidden in zip(truth, contrast[stem], unseen[stem]):
                total += 1
                best = max(((iou((x, y, w, h), r), j) for j, r in enumerate(rects)), default=(0.0, -1))
                plain[steps >= PLAIN].append(best[0] >= 0.5)
                if not hidden:
                    seen_hits.append(best[0] >= 0.5)
                if best[0] >= 0.5:
                    hits, matched = hits + 1, matched | {best[1]}
                    ious.append(best[0])
                truth_patch = clean[y:y + h, x:x + w]
                psnr_restored.append(peak_signal_noise_ratio(truth_patch, restored[y:y + h, x:x + w], data_range=255))
                psnr_mosaic.append(peak_signal_noise_ratio(truth_patch, decoded[y:y + h, x:x + w], data_range=255))
                small = Image.fromarray(truth_patch).resize((-(-w // block), -(-h // block)), Image.Resampling.BOX)
                bicubic = np.asarray(small.resize((w, h), Image.Resampling.BICUBIC))
                psnr_bicubic.append(peak_signal_noise_ratio(truth_patch, bicubic, data_range=255))
            false_censored.append(len(rects) - len(matched))
    print(f"{len(paths)} photos from {args.folder}: {total} mosaics in {len(paths)} censored photos, "
          f"{len(paths)} sharp photos; restore exit status {run.returncode}")
    print(f"recall {hits}/{total} = {hits / max(total, 1):.0%}; mean IoU of found {np.mean(ious) if ious else 0:.3f}")
    for shows, what in ((True, f">= {PLAIN:g}"), (False, f"< {PLAIN:g}")):
        print(f"  mosaics whose blocks step by {what} grey levels across their edges (before JPEG): "
              f"{sum(plain[shows])} of {len(plain[shows])} found")
    print(f"  mosaics that moved under {UNSEEN_SHARE:.0%} of their pixels by more than {UNSEEN_LEVELS} levels (a flat "
          f"colour under them): {total - len(seen_hits)}; recall of the others {sum(seen_hits)}/{len(seen_hits)}")
    print(f"false rectangles per sharp photo {np.mean(false_sharp):.2f}; extra per censored photo "
          f"{np.mean(false_censored):.2f}")
    print(f"changed pixels outside the mosaics: mean {np.mean(outside):.2%}, worst {np.max(outside):.2%}; "
          f"farther than a block + 4 px: mean {np.mean(far):.2%}, worst {np.max(far):.2%} (goal <= 0.5%)")
    if psnr_restored:
        print(f"PSNR of the mosaics' rectangles against the truth: restored {np.mean(psnr_restored):.2f} dB, "
              f"mosaic {np.mean(psnr_mosaic):.2f} dB, bicubic of its blocks {np.mean(psnr_bicubic):.2f} dB")
    print(f"{seconds / (pixels / 1e6):.2f} s per megapixel ({seconds:.1f} s for {pixels / 1e6:.2f} MP, "
          f"model loading included)")


if __name__ == "__main__":
    main()
