"""Per-image scores of a restored image and its two baselines, and their summary: pure.

The model (fake_B), the pixelated input (real_A) and a bicubic upscale of
the low-resolution image behind real_A are each scored against the real
image (real_B). A model is only good if it beats both baselines.
Identical images have infinite PSNR: rows keep inf, and means, spreads and
gains use PSNR capped at a stated value, so one image cannot make a mean
infinite. PSNR and SSIM (and so the gains) follow a Convention: the study's
(RGB, whole image) or BasicSR's options; cosine always uses every RGB pixel.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable

import numpy as np
from PIL import Image

from plugins.metrics import quality as metrics
from plugins.data import pixelation

METHODS = ("model", "input", "bicubic")
METRICS = ("psnr", "cosine", "ssim")
BASELINES = ("input", "bicubic")
DEFAULT_PSNR_CAP = 100.0  # dB; a 256x256 RGB uint8 pair differing in one unit scores 101
CONVENTION_METRICS = ("psnr", "ssim", "gain", "win_rate")  # the columns a Convention changes


@dataclass(frozen=True)
class Convention:
    """How PSNR and SSIM are computed, with BasicSR's options: on the BT.601 luma of RGB images
    (y_channel) and without `crop_border` pixels on each side. The default is the study's."""
    y_channel: bool = False
    crop_border: int = 0

    @property
    def tag(self) -> str:
        """'' for the study's convention, else e.g. 'y_crop4': what column names carry."""
        return "_".join((["y"] if self.y_channel else []) + ([f"crop{self.crop_border}"] if self.crop_border else []))

    def describe(self) -> str:
        """One line for people: 'RGB, whole image' or e.g. 'Y (BT.601 luma), 4 px border cropped'."""
        return (("Y (BT.601 luma)" if self.y_channel else "RGB") + ", " +
                (f"{self.crop_border} px border cropped" if self.crop_border else "whole image"))

    def as_dict(self) -> dict:
        """What summary.json records of it."""
        return {"y_channel": self.y_channel, "crop_border": self.crop_border,
                "applies_to": list(CONVENTION_METRICS), "description": self.describe()}

    def label(self, column: str) -> str:
        """A column name as files show it: psnr_model -> psnr_y_crop4_model under this convention."""
        metric = next((m for m in CONVENTION_METRICS if column.startswith(m + "_")), None)
        return f"{metric}_{self.tag}{column[len(metric):]}" if self.tag and metric else column

    def labelled(self, row: dict) -> dict:
        """`row` with its keys labelled."""
        return {self.label(k): v for k, v in row.items()}


STUDY = Convention()


def bicubic_baseline(real_a: np.ndarray, low: np.ndarray | None = None) -> np.ndarray | None:
    """Bicubic upscale of the low-resolution image behind real_A (recovered unless given), or None."""
    low = pixelation.recover_low_res(real_a) if low is None else low
    if low is None:
        return None
    height, width = real_a.shape[:2]
    return np.asarray(Image.fromarray(low).resize((width, height), Image.Resampling.BICUBIC))


def fmt(value, digits: int = 3) -> str:
    """A number for a page or a console line; '-' for none or nan."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def psnr_line(model: float | None, input_: float | None, bicubic: float | None, label: str = "PSNR") -> str:
    """The console line of mean PSNRs: 'PSNR model 23.16 | input 24.02 | bicubic 24.51 dB' ('-' for none)."""
    return f"{label} model {fmt(model, 2)} | input {fmt(input_, 2)} | bicubic {fmt(bicubic, 2)} dB"


def summary_psnr_line(summary: dict, label: str = "PSNR") -> str:
    """psnr_line of a summary's mean PSNRs (capped, as summarize takes them)."""
    return psnr_line(*(summary["metrics"][m]["psnr"]["mean"] for m in METHODS), label=label)


def score_images(fake_b: np.ndarray, real_a: np.ndarray, real_b: np.ndarray,
                 which: tuple[str, ...] = METRICS, convention: Convention = STUDY) -> dict:
    """One row: pixel size, and the `which` metrics of model, input and bicubic against real_B.

    Metrics not asked for, and bicubic scores when real_A's pixel grid cannot
    be recovered (`note` says so), are None. Raises ValueError when shapes or
    dtypes differ, or the convention's border leaves too little to score.
    """
    metrics.check_pair(fake_b, real_b)
    metrics.check_pair(real_a, real_b)
    low = pixelation.recover_low_res(real_a)  # its side is the pixel size
    bicubic = None if low is None else bicubic_baseline(real_a, low)
    images = {m: img for m, img in (("model", fake_b), ("input", real_a), ("bicubic", bicubic)) if img is not None}
    options = {"crop_border": convention.crop_border, "y_channel": convention.y_channel}
    scorers = {"psnr": lambda: [metrics.psnr(img, real_b, **options) for img in images.values()],
               "cosine": lambda: [metrics.cosine_similarity(img, real_b) for img in images.values()],
               "ssim": lambda: metrics.ssim_many(list(images.values()), real_b, **options)}
    scored = {metric: dict(zip(images, scorers[metric]())) for metric in which}
    row: dict = {"pixel_size": None if low is None else low.shape[0], "note": ""}
    for method in METHODS:
        for metric in METRICS:
            row[f"{metric}_{method}"] = scored.get(metric, {}).get(method)
    if bicubic is None:
        row["note"] = "pixel grid of real_A not recovered: no bicubic baseline"
    return row


def capped(value: float | None, cap: float) -> float:
    """PSNR with inf replaced by the cap; None (absent) becomes nan."""
    return math.nan if value is None else min(value, cap)


def add_gains(row: dict, cap: float) -> dict:
    """The row with gain_<baseline> = capped model PSNR - capped baseline PSNR (dB)."""
    for base in BASELINES:
        row[f"gain_{base}"] = capped(row["psnr_model"], cap) - capped(row[f"psnr_{base}"], cap)
    return row


def spread(values: Iterable[float]) -> dict:
    """mean, median, std, min, max of the finite-or-capped values (nan ignored)."""
    arr = np.array([v for v in values if not math.isnan(v)], dtype=np.float64)
    if arr.size == 0:
        return {"n": 0, "mean": None, "median": None, "std": None, "min": None, "max": None}
    return {"n": int(arr.size), "mean": float(arr.mean()), "median": float(np.median(arr)),
            "std": float(arr.std()), "min": float(arr.min()), "max": float(arr.max())}


def bootstrap_ci(values: np.ndarray, resamples: int = 2000, seed: int = 0) -> list[float] | None:
    """95% percentile bootstrap interval of the mean (seeded, so summaries are reproducible)."""
    if values.size == 0:
        return None
    rng = np.random.default_rng(seed)
    means = values[rng.integers(0, values.size, (resamples, values.size))].mean(axis=1)
    return [float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))]


def summarize(rows: list[dict], cap: float = DEFAULT_PSNR_CAP, worst: int = 10) -> dict:
    """The summary of scored rows (each with an 'id'): spreads, gains, win rates, worst images."""
    summary: dict = {"count": len(rows), "psnr_cap_db": cap, "metrics": {}, "gain": {}}
    summary["infinite_psnr"] = {m: sum(r[f"psnr_{m}"] == math.inf for r in rows) for m in METHODS}
    for method in METHODS:
        summary["metrics"][method] = {
            "psnr": spread(capped(r["psnr_" + method], cap) for r in rows),
            "cosine": spread(math.nan if r["cosine_" + method] is None else r["cosine_" + method] for r in rows),
            "ssim": spread(math.nan if r["ssim_" + method] is None else r["ssim_" + method] for r in rows),
        }
    for base in BASELINES:
        gains = np.array([r[f"gain_{base}"] for r in rows if not math.isnan(r[f"gain_{base}"])])
        summary["gain"][base] = {
            "n": int(gains.size),
            "mean_psnr_db": float(gains.mean()) if gains.size else None,
            "ci95_psnr_db": bootstrap_ci(gains),
            "win_rate": float((gains > 0).mean()) if gains.size else None,
        }
    ranked = sorted(rows, key=lambda r: r["gain_input"])
    summary["worst"] = [{"id": r["id"], "gain_input_db": r["gain_input"], "psnr_model": capped(r["psnr_model"], cap),
                         "psnr_input": capped(r["psnr_input"], cap)} for r in ranked[:worst]]
    return summary


HEADLINE_COLUMNS = ["count"] + [f"{metric}_{method}" for method in METHODS for metric in METRICS] + \
    [f"{kind}_{base}" for base in BASELINES for kind in ("gain", "win_rate")]


def headline(summary: dict) -> dict:
    """The one-line view of a summary (HEADLINE_COLUMNS): means of every metric, gains, win rates."""
    line = {"count": summary["count"]}
    for method in METHODS:
        for metric in METRICS:
            line[f"{metric}_{method}"] = summary["metrics"][method][metric]["mean"]
    for base in BASELINES:
        line[f"gain_{base}"] = summary["gain"][base]["mean_psnr_db"]
        line[f"win_rate_{base}"] = summary["gain"][base]["win_rate"]
    return line
