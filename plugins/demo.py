"""The whole study in miniature: the best recipe, trained on scikit-image's photos, judged on other photos.

    bash scripts/demo.sh [--quick]       (python -m plugins.demo once .venv exists)

Builds datasets/demo: train/ holds every photograph scikit-image ships,
whole (training draws fresh random crops); val/ and test/ hold photos of
another source (Debian's OTHER_PACKAGE, fetched with apt-get; without it,
two scikit-image pictures kept out of training). Trains the `restore` model
with the best recipe of plugins.sweep.recipe_plan through upstream train.py,
validating on val/ every epoch, tests it through upstream test.py, evaluates
it, and prints mean PSNR of model / pixelated input / bicubic with the
report's path. Each step is skipped when a rerun finds it done. The sweep fits
the flags to the upstream's flavour (--gpu_ids and --display_id 0 only where
they exist); `--use_wandb` logs the live metrics to wandb (offline when its
server does not answer).
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

from plugins import cli
from plugins.data import atomic_write
from plugins.data import sample_photos
from plugins.evaluation import report
from plugins.sweep import command as sweep
from plugins.sweep import plan as sweep_plan
from plugins.sweep import recipe_plan
from plugins.upstream import driver
from plugins.upstream import link

REPO_ROOT = Path(__file__).resolve().parent.parent
MARKER = "demo.json"  # written last: the folder is complete
BUILDING = ".demo-building"  # written first: the folder is ours, maybe incomplete
# train: how many of scikit-image's photos; test: crops of the other photos; size: crop side;
# other: use photos of another source for val/ and test/; repeat and epochs: about 8 minutes on 2 CPU cores
SETTINGS = {
    "full": {"train": len(sample_photos.ALL_PHOTOS), "test": 64, "size": 128, "other": True,
             "pixel_repeat": 16, "epochs": 20, "netG": recipe_plan.BEST.flags["netG"]},
    "quick": {"train": 4, "test": 8, "size": 128, "other": True, "pixel_repeat": 2, "epochs": 2,
              "netG": "srnet_2blocks"},
}
# the mosaic of editors and censor tools (box) and the study's degradation (bilinear): trained on bilinear
# alone, the model lost to bicubic on box-pixelated photos (-0.05 dB); on both, +0.79 box, +1.41 bilinear
DOWN_FILTERS = "box,bilinear"
HELD_OUT = sample_photos.TEST_SOURCES  # validation and test pictures when no other source can be had


class DemoError(cli.UserError):
    """A one-line reason the demo cannot go on."""


def other_photos(cache: Path) -> tuple[list[Path], list[Path]] | None:
    """Validation and test photos of another source (OTHER_PACKAGE), or None with a notice."""
    try:
        return (sample_photos.fetch_other_photos(cache / "val", sample_photos.OTHER_VAL),
                sample_photos.fetch_other_photos(cache / "test", sample_photos.OTHER_TEST))
    except sample_photos.PhotosUnavailable as err:
        print(f"demo: notice: {err}; validating and testing on scikit-image pictures kept out of training "
              f"({', '.join(HELD_OUT)}) instead")
        return None


def build_photos(root: Path, settings: dict, seed: int = 0) -> bool:
    """Write root/train (whole photos), root/val (whole photos) and root/test (crops) unless a complete
    build with the same settings is there; return True when it built. Refuses a folder that is not ours."""
    wanted = {key: settings.get(key) for key in ("train", "test", "size", "other")} | {"seed": seed}
    if (root / MARKER).exists() and json.loads((root / MARKER).read_text()).items() >= wanted.items():
        return False
    if root.exists() and any(root.iterdir()) and not ((root / MARKER).exists() or (root / BUILDING).exists()):
        raise DemoError(f"{root} exists and was not made by the demo ({MARKER} missing): move it away or "
                        "pass --data DIR")
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    (root / BUILDING).write_text("")
    other = other_photos(root.parent / "photos") if settings.get("other") else None
    held_out = () if other else HELD_OUT
    training = tuple(name for name in sample_photos.ALL_PHOTOS if name not in held_out)[:settings["train"]]
    val, test = other or ([sample_photos.DATA_DIR / n for n in held_out],) * 2
    print(f"== building {root}: {len(training)} whole training photos, {len(val)} validation photos and "
          f"{settings['test']} test crops from {'another source' if other else 'held-out pictures'}")
    sample_photos.write_whole_photos(root / "train", training)
    sample_photos.write_whole_photos(root / "val", tuple(val))
    sample_photos.write_photo_crops(root / "test", tuple(test), settings["test"], settings["size"], seed + 1)
    atomic_write.write_text(root / MARKER, json.dumps(wanted | {"source": "other" if other else "held-out"}))
    (root / BUILDING).unlink()
    return True


def sweep_args(data: Path, sweep_dir: Path, settings: dict, use_wandb: bool = False) -> list[str]:
    """plugins.sweep arguments of the demo's single run: the best recipe, validated on val/
    (upstream flags for either flavour)."""
    flags = recipe_plan.recipe_flags(recipe_plan.BEST, settings["epochs"], settings["pixel_repeat"])
    flags.update({"netG": settings["netG"], "dataroot": str(data), "val_dataroot": str(data / "val"),
                  "val_size": "32", "save_best": True, "num_threads": "1", "use_wandb": use_wandb,
                  "pixel_down": DOWN_FILTERS})
    return ["--sweep_dir", str(sweep_dir), "--test_epochs", str(settings["epochs"]), "--verbose", "--",
            *sweep_plan.to_argv(flags)]


@cli.command("demo")
def main(argv: list[str] | None = None) -> int:
    """Build the photos, run the best recipe through the sweep, print its scores; the exit status (1: the
    run failed, 2: no upstream or a folder that is not the demo's, 130: Ctrl-C)."""
    parser = argparse.ArgumentParser(prog="demo", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run of about a minute")
    parser.add_argument("--data", type=Path, help="dataset folder (default datasets/demo or datasets/demo-quick)")
    parser.add_argument("--sweep_dir", type=Path, help="checkpoints and results (default sweeps/demo[-quick])")
    parser.add_argument("--use_wandb", action="store_true",
                        help="log losses and live PSNR/cosine to wandb (WANDB_MODE=offline when nothing answers)")
    args = parser.parse_args(argv)
    kind = "quick" if args.quick else "full"
    suffix = "-quick" if args.quick else ""
    data = args.data or REPO_ROOT / "datasets" / f"demo{suffix}"
    sweep_dir = args.sweep_dir or REPO_ROOT / "sweeps" / f"demo{suffix}"
    settings = SETTINGS[kind]
    start = time.time()
    link.find_upstream()
    build_photos(data, settings)
    print(f"== training, testing and evaluating ({kind}: {recipe_plan.BEST.change}, {settings['epochs']} epochs); "
          f"logs in {sweep_dir}/checkpoints")
    return driver.interruptible("demo", lambda: train_and_report(args, data, sweep_dir, settings, start))


def train_and_report(args: argparse.Namespace, data: Path, sweep_dir: Path, settings: dict, start: float) -> int:
    """Run the demo's sweep (a function call) and print its scores; ScriptFailed when the run failed."""
    outcome = sweep.sweep(sweep_args(data, sweep_dir, settings, args.use_wandb))
    done = [r for r in outcome.rows if r["status"] == "done"]
    if outcome.status != 0 or not done:
        raise driver.ScriptFailed(f"the run failed; see {sweep_dir}/sweep.csv and the logs beside its checkpoints")
    row = done[-1]
    summary_file = Path(row["report"]).parent / "summary.json"
    summary = json.loads(summary_file.read_text())
    if not args.quick:
        report.comparison_grid({"model": summary}, REPO_ROOT / "docs" / "demo_grid.png", width=96)
    print(f"\n== demo done in {time.time() - start:.0f} s: mean PSNR over {row['count']} test images")
    print(f"   model ({recipe_plan.BEST.name}) {row['psnr_model']:.2f} dB | pixelated input {row['psnr_input']:.2f} dB"
          f" | bicubic {row['psnr_bicubic']:.2f} dB   (model beats the input on "
          f"{100 * row['win_rate_input']:.0f}% of images)")
    print(f"   report: {row['report']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
