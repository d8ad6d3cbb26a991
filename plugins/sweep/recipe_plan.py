"""The recipe ablation, planned: which flags make each recipe, and how many epochs fit a CPU-time budget. Pure.

Each recipe adds one lever to the one before it, from the study's pix2pix
to the best recipe found here, so the table reads as an ablation. All train
on the same whole photos (fresh random crops) and are tested on the same
photos of another source at each test setting (image size / pixel size).
Recipes are compared at equal training CPU time: each gets the number of
samples that its measured CPU seconds per sample fit into the budget.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from plugins.evaluation import scores


@dataclass(frozen=True)
class Recipe:
    """One row of the ablation: a name, what it changes, and its train.py flags."""

    name: str
    change: str
    flags: dict = field(default_factory=dict)

    @property
    def batch_size(self) -> int:
        return int(self.flags.get("batch_size", 1))


# shared by every recipe: whole photos, fresh random crops at 128 px with a 32 px grid (4 px blocks)
COMMON = {"dataset_mode": "pixelated", "preprocess": "crop", "crop_size": "128", "load_size": "128",
          "pixel_size": "32", "num_threads": "0", "print_freq": "64"}
UNET = {"netG": "unet_128", "batch_size": "4"}
SRNET = {"netG": "srnet_8blocks", "ngf": "48", "batch_size": "4", "lr": "0.0005", "beta1": "0.9"}
RECIPES = (
    Recipe("pix2pix", "the study's model: unet, GAN + L1", {"model": "pix2pix", **UNET}),
    Recipe("residual", "restore --residual (the first demo)", {"model": "restore", "residual": True, **UNET}),
    Recipe("bicubic_base", "+ --base bicubic", {"model": "restore", "residual": True, "base": "bicubic", **UNET}),
    Recipe("l1_only", "+ --lambda_GAN 0 (no discriminator)",
           {"model": "restore", "residual": True, "base": "bicubic", "lambda_GAN": "0", **UNET}),
    Recipe("srnet", "+ --netG srnet_8blocks --ngf 48 (low-res grid, 0.5 M parameters)",
           {"model": "restore", "residual": True, "base": "bicubic", "lambda_GAN": "0", **SRNET}),
    Recipe("srnet_rot", "+ --pixel_rotate (the eight rotations and flips)",
           {"model": "restore", "residual": True, "base": "bicubic", "lambda_GAN": "0", "pixel_rotate": True,
            **SRNET}),
)
BEST = RECIPES[-1]
DECAY_SHARE = 1 / 3  # the last third of the epochs decays the learning rate linearly to zero


def recipe_flags(recipe: Recipe, epochs: int, repeat: int) -> dict:
    """train.py flags of a recipe: the common ones, its own, and the epoch schedule."""
    decay = max(1, round(epochs * DECAY_SHARE)) if epochs > 1 else 0
    return {**COMMON, **recipe.flags, "pixel_repeat": str(repeat), "n_epochs": str(epochs - decay),
            "n_epochs_decay": str(decay)}


def seconds_per_sample(small: tuple[int, float], large: tuple[int, float]) -> float:
    """The slope of two timed trainings (samples, seconds): start-up cancels out."""
    (n1, t1), (n2, t2) = small, large
    if n2 <= n1:
        raise ValueError(f"calibration needs two sample counts, got {n1} and {n2}")
    return max(t2 - t1, 1e-6) / (n2 - n1)


def epochs_for_budget(budget_s: float, sec_per_sample: float, photos: int, batch_size: int,
                      epoch_samples: int = 256) -> tuple[int, int]:
    """(epochs, pixel_repeat) whose samples fit `budget_s`: epochs of about `epoch_samples`
    samples (whole batches), at least two epochs so that the learning rate can decay."""
    repeat = max(1, round(epoch_samples / photos))
    per_epoch = math.ceil(photos * repeat / batch_size) * batch_size
    epochs = max(2, int(budget_s / (sec_per_sample * per_epoch)))
    return epochs, repeat


def table_row(recipe: Recipe, setting: str, summary: dict, train_cpu_seconds: float | None) -> dict:
    """One row of the recipe table: the recipe, the test setting and evaluate's headline of it."""
    return {"recipe": recipe.name, "change": recipe.change, "test": setting, **scores.headline(summary),
            "train_cpu_seconds": train_cpu_seconds}


def markdown(rows: list[dict]) -> str:
    """The recipe table as Markdown, one line per recipe and test setting."""
    head = ("| recipe | change | test | PSNR model | input | bicubic | gain over bicubic | wins | SSIM model "
            "| SSIM bicubic | train CPU s |\n|---|---|---|---|---|---|---|---|---|---|---|\n")

    def num(value, digits=2):
        return "n/a" if value is None else f"{value:.{digits}f}"

    lines = [f"| {r['recipe']} | {r['change']} | {r['test']} | {num(r['psnr_model'])} | {num(r['psnr_input'])} | "
             f"{num(r['psnr_bicubic'])} | "
             f"{'n/a' if r['gain_bicubic'] is None else format(r['gain_bicubic'], '+.2f')} | "
             f"{'n/a' if r['win_rate_bicubic'] is None else format(100 * r['win_rate_bicubic'], '.0f') + '%'} | "
             f"{num(r['ssim_model'], 3)} | {num(r['ssim_bicubic'], 3)} | {num(r['train_cpu_seconds'], 0)} |"
             for r in rows]
    return head + "\n".join(lines) + "\n"
