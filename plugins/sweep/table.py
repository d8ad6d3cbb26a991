"""The sweep's table: one row per (run, epoch) from what is on disk, written as sweep.csv, sweep.json,
a PSNR-vs-epoch plot and an HTML index."""
from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from plugins.evaluation import report
from plugins.evaluation import results
from plugins.evaluation import scores
from plugins.evaluation import tables
from plugins.evaluation import validation
from plugins.sweep.plan import Run, parse_epoch_times, serving_training

if TYPE_CHECKING:
    from plugins.sweep.runner import Job


def summary_path(job: Job, epoch: int, training: str | None = None) -> Path:
    """summary.json of one tested epoch of `training` (default: the job's trunk)."""
    return results.epoch_dir(Path(job.results_dir), training or job.training.name, epoch) / "summary.json"


def seconds_per_epoch(job: Job) -> float | None:
    """Mean training time per epoch from the training's log (every attempt), if any."""
    try:
        times = parse_epoch_times((Path(job.checkpoints_dir) / job.training.name / "train.log").read_text())
    except OSError:
        return None
    return round(sum(times.values()) / len(times), 2) if times else None


def table_row(run: Run, epoch: int, job: Job, status: str, sec_per_epoch: float | None, error: str = "") -> dict:
    """One sweep.csv row: the run's grid values, its scores at `epoch` (if evaluated), and the
    training whose checkpoint stands for it."""
    training = serving_training(run, epoch, job.trainings)
    row = {"run": run.name, "epoch": epoch, "training": training, "repeat": run.repeat, **run.axes,
           "status": status, "error": error}
    path = summary_path(job, epoch, training)
    if status == "done" and path.exists():
        summary = json.loads(path.read_text())
        row.update(scores.headline(summary))
        row["report"] = summary.get("report")
    row["train_sec_per_epoch"] = sec_per_epoch
    # the restore model's validation (--val_dataroot): the run's best epoch so far
    row.update(validation.best_columns(Path(job.checkpoints_dir) / job.training.name / "val_log.csv",
                                       min(epoch, run.total_epochs)))
    return row


def write_table(sweep_dir: Path, rows: list[dict]) -> None:
    """sweep.csv / sweep.json, the PSNR-vs-epoch plot and an HTML index."""
    rows = sorted(rows, key=lambda r: (r["run"], r["epoch"]))
    columns = list(dict.fromkeys(k for r in rows for k in r if k != "report"))
    tables.write_csv(sweep_dir / "sweep.csv", rows, columns)
    tables.write_json(sweep_dir / "sweep.json", rows)
    done = [r for r in rows if r["status"] == "done"]
    report.plot_epochs(done, sweep_dir / "sweep.png")
    report.write_comparison_html(sweep_dir / "index.html", done, [c for c in columns if c not in ("error",)],
                                 "sweep.png", f"Sweep {sweep_dir.name}: {len(done)} of {len(rows)} (run, epoch) done")
