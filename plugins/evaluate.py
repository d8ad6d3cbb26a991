"""Score upstream test.py output: PSNR, cosine similarity and SSIM against the baselines.

    python plugins/evaluate.py --results_dir results/NAME/test_latest [--workers 2]

--results_dir may be an images folder, an epoch folder, a run folder (every
epoch in it) or upstream's results root (every run; --name and --epoch
filter). Beside each images folder (or under --out) it writes metrics.csv
(one row per image), summary.json, plots and index.html; with several
folders also comparison.{csv,json,png,html} at their common root. Files that
cannot be scored are listed in summary.json with the reason; the exit status
is non-zero only when nothing could be scored. --y_channel and --crop_border
score PSNR and SSIM as BasicSR does; the files then name the convention
(summary.json "convention", columns like psnr_y_crop4_model).
"""
from __future__ import annotations

import argparse
import functools
import importlib
import math
import multiprocessing
import os
import sys
from pathlib import Path

import numpy as np
from tqdm import tqdm

from plugins import cli
from plugins.data import image_io
from plugins.metrics import quality as metrics
from plugins.evaluation import report
from plugins.evaluation import results
from plugins.evaluation import scores
from plugins.evaluation import tables

CSV_COLUMNS = ["id", "pixel_size"] + [f"{m}_{x}" for m in scores.METRICS for x in scores.METHODS] + \
              [f"gain_{b}" for b in scores.BASELINES] + ["note"]
COMPARISON_COLUMNS = ["run", "epoch"] + scores.HEADLINE_COLUMNS


def score_triplet(triplet: results.Triplet, which: tuple[str, ...] = scores.METRICS,
                  convention: scores.Convention = scores.STUDY) -> tuple[str, dict | None, str | None]:
    """(id, row, None) or (id, None, reason): never raises for a bad file."""
    try:
        fake_b, real_a, real_b = (np.asarray(image_io.load_8bit(p))
                                  for p in (triplet.fake_B, triplet.real_A, triplet.real_B))
    except (OSError, ValueError, SyntaxError) as err:
        return triplet.id, None, f"corrupt or truncated image: {err}"
    if len({x.ndim for x in (fake_b, real_a, real_b)}) > 1:
        return triplet.id, None, "grayscale vs RGB mix: " + ", ".join(
            f"{p.name} {x.shape}" for p, x in zip((triplet.fake_B, triplet.real_A, triplet.real_B),
                                                  (fake_b, real_a, real_b)))
    try:
        metrics.check_pair(fake_b, real_b)
        metrics.check_pair(real_a, real_b)
    except ValueError as err:
        return triplet.id, None, f"size mismatch: {err}"
    try:
        row = scores.score_images(fake_b, real_a, real_b, which, convention)
    except ValueError as err:  # a border that leaves too little to score
        return triplet.id, None, str(err)
    return triplet.id, {"id": triplet.id, **row}, None


def evaluate_images_dir(images: results.ImagesDir, out: Path, pool=None, cap: float = scores.DEFAULT_PSNR_CAP,
                        progress: bool = True, which: tuple[str, ...] = scores.METRICS,
                        convention: scores.Convention = scores.STUDY) -> dict:
    """Score one images folder, write its outputs into `out`, return its summary."""
    triplets, problems = results.find_triplets(images.path)
    score = functools.partial(score_triplet, which=which, convention=convention)
    scored = pool.imap(score, triplets, chunksize=2) if pool else map(score, triplets)
    rows, skipped = [], [{"file": f, "reason": r} for f, r in problems]
    for image_id, row, reason in tqdm(scored, total=len(triplets), desc=f"{images.run}/{images.epoch}",
                                      unit="img", disable=not progress, leave=False):
        if row is None:
            skipped.append({"file": f"{image_id}_fake_B.png", "reason": reason})
        else:
            rows.append(scores.add_gains(row, cap))
    summary = {"images_dir": str(images.path), "run": images.run, "epoch": images.epoch,
               "convention": convention.as_dict(), **scores.summarize(rows, cap), "skipped": skipped,
               "pattern": results.PATTERN}
    out.mkdir(parents=True, exist_ok=True)
    tables.write_csv(out / "metrics.csv", [convention.labelled(r) for r in rows],
                     [convention.label(c) for c in CSV_COLUMNS])
    if rows:
        summary["report"] = str(report.write_report(out, rows, summary, {t.id: t for t in triplets}, pool=pool))
    tables.write_json(out / "summary.json", summary)
    return summary


def write_comparison(root: Path, summaries: list[dict], convention: scores.Convention = scores.STUDY) -> list[dict]:
    """comparison.{csv,json,png,html} at `root`: one row per (run, epoch)."""
    table = [{"run": s["run"], "epoch": s["epoch"], **scores.headline(s), "report": s.get("report")}
             for s in summaries if s["count"]]
    table.sort(key=lambda r: (r["run"], results.epoch_sort_key(r["epoch"])))
    labelled, columns = [convention.labelled(r) for r in table], [convention.label(c) for c in COMPARISON_COLUMNS]
    tables.write_csv(root / "comparison.csv", labelled, columns)
    tables.write_json(root / "comparison.json", labelled)
    report.plot_epochs(table, root / "comparison.png")
    report.write_comparison_html(root / "comparison.html", labelled, columns, "comparison.png",
                                 f"Comparison of {len(table)} evaluations (PSNR, SSIM: {convention.describe()})")
    return table


def output_dir(images: results.ImagesDir, out: Path | None, several: bool) -> Path:
    """Beside the images folder, or under --out (by run and epoch when there are several)."""
    if out is None:
        return images.epoch_dir
    return out / images.run / images.path.parent.name if several else out


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="evaluate.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--results_dir", type=Path, required=True,
                        help="images folder, epoch folder, run folder or results root of upstream test.py")
    parser.add_argument("--name", help="only this run (as upstream's --name)")
    parser.add_argument("--epoch", help="only this epoch (as upstream's --epoch: 10, latest)")
    parser.add_argument("--out", type=Path, help="write outputs here instead of beside each images folder")
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1),
                        help="processes that decode and score images")
    parser.add_argument("--psnr_cap", type=float, default=scores.DEFAULT_PSNR_CAP,
                        help="PSNR (dB) that stands for inf in means and gains")
    parser.add_argument("--metrics", default=",".join(scores.METRICS),
                        help="comma-separated subset of psnr,cosine,ssim (ssim costs most)")
    parser.add_argument("--y_channel", action="store_true",
                        help="PSNR and SSIM on the BT.601 luma (Y) of RGB images, as BasicSR's test_y_channel")
    parser.add_argument("--crop_border", type=int, default=0,
                        help="pixels cut from each side before PSNR and SSIM, as BasicSR's crop_border")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    if args.crop_border < 0:
        parser.error(f"--crop_border {args.crop_border}: must be >= 0")
    if not (math.isfinite(args.psnr_cap) and args.psnr_cap > 0):  # inf or nan would not fit summary.json
        parser.error(f"--psnr_cap {args.psnr_cap:g}: must be a finite number of dB above 0")
    args.metrics = tuple(m.strip() for m in args.metrics.split(","))
    unknown = set(args.metrics) - set(scores.METRICS)
    if unknown or "psnr" not in args.metrics:
        parser.error(f"--metrics {','.join(args.metrics)}: choose among {','.join(scores.METRICS)}, psnr included")
    return args


def evaluate(args: argparse.Namespace) -> list[dict]:
    """Evaluate every selected images folder; raise FileNotFoundError when there is none."""
    found = results.find_images_dirs(args.results_dir, args.name, args.epoch)
    if not found:
        raise FileNotFoundError(f"--results_dir {args.results_dir}: no test.py output found "
                                f"(looked for images/{results.PATTERN})")
    several = len(found) > 1
    convention = scores.Convention(args.y_channel, args.crop_border)
    if "ssim" in args.metrics:
        importlib.import_module("plugins.metrics.ssim_kernel")  # compiled or loaded once, before the workers fork
    pool = multiprocessing.Pool(args.workers) if args.workers > 1 else None
    try:
        summaries = [evaluate_images_dir(d, output_dir(d, args.out, several), pool, args.psnr_cap, not args.quiet,
                                         args.metrics, convention)
                     for d in found]
    finally:
        if pool:
            pool.close()
            pool.join()
    if several:
        write_comparison(args.out or args.results_dir, summaries, convention)
    return summaries


@cli.command("evaluate", also=(FileNotFoundError,))
def main(argv: list[str] | None = None) -> int:
    """Evaluate and print one line per run and epoch; 1 when nothing could be scored, 2 when there is
    no test.py output."""
    args = parse_args(argv)
    summaries = evaluate(args)
    for s in summaries:
        convention = "" if s["convention"]["description"] == scores.STUDY.describe() else \
            f" ({s['convention']['description']})"
        line = f"{s['run']}/{s['epoch']}: {s['count']} images, " + scores.summary_psnr_line(s, f"PSNR{convention}")
        print(line + (f", {len(s['skipped'])} skipped" if s["skipped"] else ""))
        if s.get("report"):
            print(f"  report: {s['report']}")
    return 0 if any(s["count"] for s in summaries) else 1


if __name__ == "__main__":
    sys.exit(main())
