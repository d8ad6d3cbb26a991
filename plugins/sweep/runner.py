"""Running a sweep's trainings: train (or resume) each training and its branches through upstream's
train.py, test each epoch with test.py, evaluate it, and return the table's rows.

Jobs run one per device slot in local threads, or as submitit jobs (Slurm,
or local processes). Commands, environments, logs and Ctrl-C come from the
upstream driver (plugins.upstream.driver). A failing script never raises: its
rows say 'failed' with the log's tail.
"""
from __future__ import annotations

import concurrent.futures
import json
import queue
from dataclasses import dataclass, field
from pathlib import Path

from plugins import evaluate
from plugins.evaluation import results
from plugins.sweep import checkpoints
from plugins.sweep import live_view
from plugins.sweep.plan import Run, Training, flags_for_test, flags_for_train, resume_point, serving_training, to_argv
from plugins.sweep.table import seconds_per_epoch, summary_path, table_row
from plugins.upstream import driver
from plugins.upstream import parsers as upstream_options


@dataclass
class Job:
    """Everything one training needs, picklable for submitit."""
    training: Training
    runs: list[Run]  # the runs it serves
    upstream: str
    python: str
    checkpoints_dir: str
    results_dir: str
    test_options: dict
    num_test: int
    cwd: str
    verbose: bool = False
    visdom: tuple | None = None  # (server, port, env): live PSNR-vs-epoch view of the sweep
    flavour: str = upstream_options.GPU_IDS  # how upstream picks devices (plugins.upstream.parsers)
    processes: int = 1  # processes per training: > 1 is torchrun DDP
    env: dict = field(default_factory=dict)  # more environment for train.py and test.py (wandb)
    branches: list[Training] = field(default_factory=list)  # one-epoch branches off `training` (pinned lr schedule)

    @property
    def trainings(self) -> list[Training]:
        """The trunk, then its branches (which start from its checkpoints)."""
        return [self.training, *self.branches]


def slot_env(job: Job, slot: str) -> dict:
    """The environment additions of one job's train.py/test.py on a device slot."""
    return {**job.env, **driver.device_env(job.flavour, slot)}


def execute(job: Job, gpu_ids: str = driver.CPU) -> list[dict]:
    """Train (or resume) the job's trunk, then its branches, testing and evaluating each epoch not yet done.

    `gpu_ids` is the device slot (plugins.upstream.driver): '-1' for CPU, GPU ids, or the GPUs a
    scheduler gave the job. Never raises for a failing run (its rows say 'failed' with the log tail);
    Interrupted on Ctrl-C.
    """
    failed: dict[tuple[str, int], str] = {}
    for training in job.trainings:
        if driver.STOPPING.is_set():
            raise driver.Interrupted
        needed = [e for e in training.test_epochs if not summary_path(job, e, training.name).exists()]
        reason = train_until_saved(job, training, needed + branch_starts(job, training), gpu_ids)
        for epoch in needed:
            reason_epoch = reason or test_epoch(job, training, epoch, gpu_ids)
            if reason_epoch:
                failed[(training.name, epoch)] = reason_epoch
    rows, sec_per_epoch = [], seconds_per_epoch(job)
    for run in job.runs:
        for epoch in run.test_epochs:
            key = (serving_training(run, epoch, job.trainings), epoch)
            status = "failed" if key in failed else "done" if summary_path(job, epoch, key[0]).exists() else "pending"
            rows.append(table_row(run, epoch, job, status, sec_per_epoch, failed.get(key, "")))
    return rows


def branch_starts(job: Job, training: Training) -> list[int]:
    """The epochs of `training` that its unfinished branches start from."""
    return [b.start_epoch for b in job.branches if b.trunk == training.name and b.start_epoch
            and not all(summary_path(job, e, b.name).exists() for e in b.test_epochs)]


def train_until_saved(job: Job, training: Training, epochs: list[int], gpu_ids: str) -> str | None:
    """Make sure `epochs` of `training` are saved and complete: resume from its newest complete
    checkpoint (a branch first gets its trunk's start epoch); the failure's reason, or None."""
    run_dir = Path(job.checkpoints_dir) / training.name
    if not epochs:
        return None
    saved = checkpoints.complete_epochs(run_dir)
    if set(epochs) <= set(saved):
        return None
    if training.trunk and training.start_epoch and training.start_epoch not in saved:
        trunk_dir = Path(job.checkpoints_dir) / training.trunk
        if training.start_epoch not in checkpoints.complete_epochs(trunk_dir):
            return f"no complete checkpoint of epoch {training.start_epoch} in {trunk_dir} to branch from"
        checkpoints.link_epoch(trunk_dir, training.start_epoch, run_dir)
        saved = checkpoints.complete_epochs(run_dir)
    start = resume_point(training, saved)
    if start is None:
        return None
    argv, env = train_command(job, training, gpu_ids, start)
    if driver.run_logged(argv, run_dir / "train.log", job.cwd, job.verbose, env) != 0:
        return "train.py failed:\n" + driver.log_tail(run_dir / "train.log")
    return None


def train_command(job: Job, training: Training, slot: str, start: int) -> tuple[list[str], dict]:
    """train.py's argument list (one process, or torchrun's) and environment additions for `training`
    on device slot `slot`, resuming after epoch `start` (0: from scratch)."""
    flags = flags_for_train(training, Path(job.checkpoints_dir),
                            driver.gpu_ids_flag(job.flavour, slot, job.processes), start)
    return driver.train_argv(job.python, job.upstream, to_argv(flags), job.processes), slot_env(job, slot)


def test_epoch(job: Job, training: Training, epoch: int, gpu_ids: str) -> str | None:
    """test.py and the evaluation of one epoch of `training`; the failure's reason, or None."""
    run_dir = Path(job.checkpoints_dir) / training.name
    flags = flags_for_test(training, epoch, Path(job.checkpoints_dir), Path(job.results_dir),
                           driver.gpu_ids_flag(job.flavour, gpu_ids), job.test_options)
    flags["num_test"] = str(job.num_test)
    log = run_dir / f"test_{epoch}.log"
    if driver.run_logged([job.python, str(Path(job.upstream) / "test.py"), *to_argv(flags)], log, job.cwd,
                         job.verbose, slot_env(job, gpu_ids)) != 0:
        return "test.py failed:\n" + driver.log_tail(log)
    images = results.images_dir(Path(job.results_dir), training.name, epoch)
    summary = evaluate.evaluate_images_dir(images, images.epoch_dir, progress=False)
    if not summary["count"]:
        summary_path(job, epoch, training.name).unlink()
        return "nothing could be scored: " + json.dumps(summary["skipped"][:3])
    served = [run.name for run in job.runs
              if epoch in run.test_epochs and serving_training(run, epoch, job.trainings) == training.name]
    live_view.report_epoch(served, epoch, summary, job.visdom)
    return None


def launch_local(jobs: list[Job], gpus: list[str]) -> list[dict]:
    """One training per GPU slot at a time, in threads driving subprocesses."""
    slots: queue.Queue = queue.Queue()
    for gpu in gpus:
        slots.put(gpu)

    def on_slot(job: Job) -> list[dict]:
        gpu = slots.get()
        try:
            return execute(job, gpu)
        finally:
            slots.put(gpu)

    with concurrent.futures.ThreadPoolExecutor(max_workers=len(gpus)) as pool:
        return [row for rows in pool.map(on_slot, jobs) for row in rows]


def launch_submitit(jobs: list[Job], folder: Path, cluster: str, params: dict, slot: str) -> list[dict]:
    """Each training as a submitit job (a Slurm array, or local processes with cluster='local') with
    submitit's `params` (None values left out), on device slot `slot` (driver.SCHEDULER or driver.CPU)."""
    import submitit
    executor = submitit.AutoExecutor(folder=folder, cluster=cluster)
    executor.update_parameters(**{k: v for k, v in params.items() if v is not None})
    submitted = executor.map_array(execute, jobs, [slot] * len(jobs))
    rows = []
    for job, future in zip(jobs, submitted):
        try:
            rows += future.result()
        except Exception as err:  # a job that died: record it, keep the others
            rows += [table_row(run, e, job, "failed", seconds_per_epoch(job), f"submitit job failed: {err}"[-2000:])
                     for run in job.runs for e in run.test_epochs]
    return rows
