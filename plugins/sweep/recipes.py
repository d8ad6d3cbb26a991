"""The recipe ablation through upstream's train.py and test.py, at equal CPU time per recipe.

    python -m plugins.sweep.recipes --dataroot DIR [--minutes 8] [--recipes a,b] [--out sweeps/recipes]

DIR holds train/ (training photos, whole: each epoch draws fresh random
crops), val/ and test/ (photos of another source). Every recipe of
plugins.sweep.recipe_plan is timed on a short training, given the epochs its
speed fits into the budget of CPU time, trained with validation on val/ (restore
recipes keep their best epoch), tested on crops of test/ at each
--tests setting (image size / pixel size, same crops for every recipe),
evaluated, and tabled: recipes.csv, recipes.json, recipes.md and
recipes_grid.png (every recipe side by side on the same images). Rerunning
skips what is done. Device and display flags fit the upstream's flavour
(plugins.upstream.driver): the first GPU if there is one, else the CPU.
Exit status: 0, 1 when a script failed (its log's last line), 2 for a bad
flag, 130 on Ctrl-C.
"""
from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

from plugins import cli
from plugins import evaluate
from plugins.data import atomic_write
from plugins.data import sample_photos
from plugins.evaluation import report
from plugins.evaluation import results
from plugins.evaluation import tables
from plugins.restore import generators as restoration
from plugins.sweep.plan import to_argv
from plugins.sweep.recipe_plan import (RECIPES, Recipe, epochs_for_budget, markdown, recipe_flags, seconds_per_sample,
                                       table_row)
from plugins.upstream import driver
from plugins.upstream import link
from plugins.upstream import parsers as upstream_options

TEST_SEED = 1


def parse_tests(text: str) -> list[tuple[int, int]]:
    """'256/64,128/32' -> [(256, 64), (128, 32)]: image size / pixel size of each test setting."""
    try:
        pairs = [tuple(int(v) for v in item.split("/")) for item in text.split(",")]
    except ValueError:
        raise cli.UserError(f"--tests {text}: use SIZE/PIXELS,... such as 256/64,128/32") from None
    if any(len(p) != 2 or p[1] > p[0] for p in pairs):
        raise cli.UserError(f"--tests {text}: use SIZE/PIXELS with PIXELS <= SIZE")
    return pairs


def test_root(out: Path, dataroot: Path, size: int, count: int) -> Path:
    """A dataroot whose test/ holds `count` seeded size x size crops of dataroot/test (made once)."""
    root = out / "data" / f"test_{size}"
    done = root / "test" / "crops.json"
    if not done.exists():
        photos = sorted(p for p in (dataroot / "test").iterdir() if p.suffix.lower() in (".png", ".jpg", ".jpeg"))
        sample_photos.write_photo_crops(root / "test", tuple(photos), count, size, TEST_SEED, prefix="other")
        atomic_write.write_text(done, json.dumps({"photos": [p.name for p in photos], "count": count}))
    return root


def child_cpu_seconds() -> float:
    """User + system CPU time of every finished child process (and theirs) so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class Runner:
    """Runs upstream's scripts for the recipes on one device slot, logging beside the checkpoints."""

    def __init__(self, upstream: Path, out: Path, dataroot: Path, verbose: bool, flavour: str, slot: str):
        self.upstream, self.out, self.dataroot, self.verbose = upstream, out, dataroot, verbose
        self.flavour, self.slot = flavour, slot
        self.options: dict[str, dict] = {}

    def describe(self, recipe: Recipe) -> dict:
        """Upstream's train/test options for the recipe's model (asked once per model)."""
        model = recipe.flags["model"]
        if model not in self.options:
            self.options[model] = upstream_options.read_options(self.upstream, sys.executable, model, "pixelated")
        return self.options[model]

    def device_flags(self, recipe: Recipe, script: str) -> dict:
        """The slot's device and display flags as this upstream's script spells them (driver.device_flags)."""
        return driver.device_flags(self.flavour, self.slot, self.describe(recipe)[script])

    def run(self, script: str, flags: dict, log: Path) -> tuple[float, float]:
        """Run train.py or test.py; (CPU seconds, wall seconds) it took. CPU time is user + system time
        of the script and its loader workers: a budget in it holds on a busy machine too.
        ScriptFailed, naming the log and its last line, when it fails."""
        cpu, wall = child_cpu_seconds(), time.perf_counter()
        code = driver.run_logged([sys.executable, str(self.upstream / script), *to_argv(flags)], log,
                                 self.upstream, self.verbose, driver.device_env(self.flavour, self.slot))
        if code != 0:
            raise driver.ScriptFailed(f"{script} failed (exit status {code}), see {log}: "
                               f"{driver.log_tail(log, 1) or 'no output'}")
        return child_cpu_seconds() - cpu, time.perf_counter() - wall

    def calibrate(self, recipe: Recipe) -> float:
        """Seconds per training sample of the recipe, from two short trainings (start-up cancels out)."""
        cache = self.out / "checkpoints" / f"{recipe.name}_calibration.json"
        if cache.exists():
            return json.loads(cache.read_text())["cpu_sec_per_sample"]
        points = []
        for batches in (2, 10):
            samples = batches * recipe.batch_size
            flags = {**recipe_flags(recipe, 1, 1000), **self.device_flags(recipe, "train"),
                     "n_epochs": "1", "n_epochs_decay": "0", "max_dataset_size": str(samples),
                     "dataroot": str(self.dataroot), "name": f"{recipe.name}_calibration",
                     "checkpoints_dir": str(self.out / "calibration"), "save_epoch_freq": "1000"}
            cpu, _ = self.run("train.py", flags, self.out / "calibration" / f"{recipe.name}.log")
            points.append((samples, cpu))
        rate = seconds_per_sample(*points)
        atomic_write.write_text(cache, json.dumps({"cpu_sec_per_sample": rate, "points": points}))
        return rate

    def train(self, recipe: Recipe, budget_s: float, val_size: int, epoch_samples: int) -> dict:
        """Train the recipe for the epochs of about `epoch_samples` samples that fit the budget (once); its
        record (epochs, seconds)."""
        ckpt = self.out / "checkpoints" / recipe.name
        record_file = ckpt / "recipe.json"
        if record_file.exists():
            return json.loads(record_file.read_text())
        photos = len([p for p in (self.dataroot / "train").iterdir() if p.is_file()])
        rate = self.calibrate(recipe)
        epochs, repeat = epochs_for_budget(budget_s, rate, photos, recipe.batch_size, epoch_samples)
        flags = {**recipe_flags(recipe, epochs, repeat), **self.device_flags(recipe, "train"),
                 "dataroot": str(self.dataroot), "name": recipe.name, "checkpoints_dir": str(self.out / "checkpoints"),
                 "save_epoch_freq": str(epochs)}
        if "val_dataroot" in self.describe(recipe)["train"]:
            flags.update({"val_dataroot": str(self.dataroot / "val"), "val_size": str(val_size), "save_best": True})
        print(f"== {recipe.name}: {recipe.change}; {epochs} epochs of {photos} x {repeat} samples "
              f"({rate:.3f} CPU s per sample measured)", flush=True)
        cpu, wall = self.run("train.py", flags, ckpt / "train.log")
        record = {"epochs": epochs, "pixel_repeat": repeat, "cpu_sec_per_sample": rate, "train_cpu_seconds": cpu,
                  "train_wall_seconds": wall, "epoch": "best" if (ckpt / "best_net_G.pth").exists() else "latest"}
        atomic_write.write_text(record_file, json.dumps(record))
        return record

    def test(self, recipe: Recipe, epoch: str, size: int, pixels: int, count: int) -> dict:
        """Test the recipe on the size x size crops with a pixels grid, evaluate; the summary (once)."""
        setting = f"{size}/{pixels}"
        images = results.ImagesDir(self.out / "results" / f"test_{size}_{pixels}" / recipe.name / f"test_{epoch}"
                                   / "images", recipe.name, epoch)
        summary_file = images.path.parent / "summary.json"
        if summary_file.exists():
            return json.loads(summary_file.read_text())
        known = self.describe(recipe)["test"]
        train_flags = recipe_flags(recipe, 2, 1)
        flags = {**{k: v for k, v in train_flags.items() if k in known}, **self.device_flags(recipe, "test"),
                 "dataroot": str(test_root(self.out, self.dataroot, size, count)), "name": recipe.name,
                 "checkpoints_dir": str(self.out / "checkpoints"), "results_dir": str(images.path.parent.parent.parent),
                 "epoch": epoch, "crop_size": str(size), "load_size": str(size), "preprocess": "resize_and_crop",
                 "pixel_size": str(pixels), "eval": True, "num_test": str(count)}
        print(f"   testing {recipe.name} at {setting}", flush=True)
        self.run("test.py", flags, self.out / "checkpoints" / recipe.name / f"test_{size}_{pixels}.log")
        return evaluate.evaluate_images_dir(images, images.path.parent, progress=False)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m plugins.sweep.recipes", description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataroot", type=Path, required=True, help="folder with train/, val/ and test/ photos")
    parser.add_argument("--out", type=Path, default=Path("sweeps/recipes"), help="checkpoints, results and tables")
    parser.add_argument("--minutes", type=float, default=8.0,
                        help="CPU minutes of training per recipe (user + system time, all cores counted)")
    parser.add_argument("--recipes", default=",".join(r.name for r in RECIPES),
                        help="which recipes, in table order (default: all)")
    parser.add_argument("--tests", default="256/64,128/32", help="test settings: image size / pixel size, ...")
    parser.add_argument("--num_test", type=int, default=120, help="test crops per setting")
    parser.add_argument("--val_size", type=int, default=64, help="validation crops")
    parser.add_argument("--epoch_samples", type=int, default=256,
                        help="training crops per epoch, about (the budget sets how many epochs, at least two)")
    parser.add_argument("--verbose", action="store_true", help="also show train.py/test.py output (always logged)")
    return parser.parse_args(argv)


@cli.command("recipes")
def main(argv: list[str] | None = None) -> int:
    """Check the flags and upstream, then train, test and table every chosen recipe (see the module's doc)."""
    args = parse_args(argv)
    chosen = args.recipes.split(",")
    unknown = [n for n in chosen if n not in {r.name for r in RECIPES}]
    if unknown:
        raise cli.UserError(f"--recipes: unknown {', '.join(unknown)}; choose from "
                            f"{', '.join(r.name for r in RECIPES)}")
    if args.epoch_samples < 1:
        raise cli.UserError(f"--epoch_samples {args.epoch_samples}: must be >= 1")
    for sub in ("train", "val", "test"):
        if not (args.dataroot / sub).is_dir():
            raise cli.UserError(f"--dataroot {args.dataroot}: no {sub}/ folder of photos")
    upstream = link.find_upstream()
    flavour = upstream_options.flavour(upstream_options.read_options(upstream, sys.executable, "restore", "pixelated")
                                       ["train"], upstream)
    tests = parse_tests(args.tests)
    recipes = [r for r in RECIPES if r.name in chosen]
    for recipe in recipes:
        need = restoration.size_multiple(recipe.flags["netG"])
        bad = [size for size, _ in tests if size % need]
        if bad:
            raise cli.UserError(f"--tests {args.tests}: {recipe.name}'s --netG {recipe.flags['netG']} needs image "
                                f"sizes that are multiples of {need}, not {bad[0]}")
    link.link(upstream)
    runner = Runner(upstream, args.out.resolve(), args.dataroot.resolve(), args.verbose, flavour, driver.local_slot())
    return driver.interruptible("recipes", lambda: run_recipes(runner, recipes, tests, args))


def run_recipes(runner: Runner, recipes: list[Recipe], tests: list[tuple[int, int]], args: argparse.Namespace) -> int:
    """Train and test each recipe at each test setting (what is done is skipped), then write the tables
    and the picture; the exit status."""
    out = runner.out
    rows, first_setting = [], {}
    for recipe in recipes:
        record = runner.train(recipe, args.minutes * 60, args.val_size, args.epoch_samples)
        for size, pixels in tests:
            summary = runner.test(recipe, record["epoch"], size, pixels, args.num_test)
            rows.append(table_row(recipe, f"{size}/{pixels}", summary, record["train_cpu_seconds"]))
            if (size, pixels) == tests[0]:
                first_setting[recipe.name] = summary
    columns = list(rows[0])
    tables.write_csv(out / "recipes.csv", rows, columns)
    tables.write_json(out / "recipes.json", rows)
    atomic_write.write_text(out / "recipes.md", markdown(rows))
    report.comparison_grid(first_setting, out / "recipes_grid.png")
    print("\n" + markdown(rows) + f"\ntables: {out}/recipes.md, .csv, .json; picture: {out}/recipes_grid.png "
          f"(input | bicubic | {' | '.join(first_setting)} | real)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
