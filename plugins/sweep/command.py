"""Run a hyperparameter sweep through upstream's own train.py and test.py.

    python -m plugins.sweep --grid n_epochs=10,20,40 --grid lr=0.0002,0.004 [--repeats 4] \\
        [--test_epochs 10,20,40] [--gpus 0,1 | --gpus cpu] [--gpus_per_run N] \\
        [--launcher local|slurm|submitit_local] [--sweep_dir sweeps/NAME] [--dry_run] \\
        -- --dataroot DIR --model restore --dataset_mode pixelated ...

Each run trains (as an argument list, never a shell string) with a
save_epoch_freq that saves every tested epoch, is tested with `--eval` at
each tested epoch and evaluated; sweep.csv gets one row per (run, epoch).
Runs that differ only in n_epochs (n_epochs_decay 0) share a training; under
the pinned upstream's lr schedule each one's last epoch comes from a
one-epoch branch (see plugins/sweep/plan.py and --dry_run).
Rerunning the same command skips what is done and resumes an interrupted
training from its newest complete checkpoint with the right --epoch_count
(torn ones are moved aside). A failed run is recorded with its log tail and
the sweep goes on; the exit status is 1 if any run failed, 130 on Ctrl-C.
Commands fit the upstream's flavour (plugins.upstream.parsers): --gpu_ids and
--display_id 0 where they exist, else CUDA_VISIBLE_DEVICES, and
`torchrun --standalone --nproc_per_node N` for --gpus_per_run N (DDP).
"""
from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from plugins.sweep import checkpoints
from plugins import evaluate
from plugins.upstream import link
from plugins.evaluation import report
from plugins.evaluation import results
from plugins.evaluation import scores
from plugins.evaluation import tables
from plugins.upstream import commands as upstream_commands
from plugins.upstream import parsers as upstream_options
from plugins.evaluation import validation
from plugins.sweep.plan import (PlanError, Run, Training, branch_last_epochs, check_flags, epochs_trained,
                                load_grid_file, lr_steps_at_epoch_start, parse_epoch_times, parse_flags, parse_grid_arg,
                                parse_values, plan_runs, plan_trainings, resume_point, serving_training,
                                flags_for_test, to_argv, flags_for_train)

LOG_TAIL_LINES = 20


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


def show_progress(job: Job, run: str, epoch: int, psnr: float, baseline: float) -> None:
    """Append one (run, epoch) to the sweep's PSNR-vs-epoch window in its visdom env."""
    import visdom
    server, port, env = job.visdom
    client = visdom.Visdom(server=server, port=port, env=env, raise_exceptions=False)
    opts = {"title": f"{env}: mean PSNR vs epoch (dashed: pixelated input)", "xlabel": "epoch", "ylabel": "PSNR (dB)",
            "showlegend": True}
    client.line(X=[epoch], Y=[psnr], win="psnr_vs_epoch", name=run, update="append", opts=opts)
    client.line(X=[epoch], Y=[baseline], win="psnr_vs_epoch", name=f"{run} input", update="append",
                opts={**opts, "dash": ["dash"]})


def log_tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    """The last lines of a log file (empty if none)."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


class Interrupted(Exception):
    """The sweep is stopping (Ctrl-C): start nothing more."""


STOPPING = threading.Event()
CHILDREN: set[subprocess.Popen] = set()  # train.py / test.py processes running now


def on_signal(signum, frame) -> None:
    """SIGINT/SIGTERM/SIGHUP: start no more runs, end the running ones, unwind the main thread."""
    STOPPING.set()
    for proc in list(CHILDREN):
        proc.terminate()
    raise KeyboardInterrupt(signum)


def run_logged(argv: list[str], log: Path, cwd: str, echo: bool = False, extra_env: dict | None = None) -> int:
    """Run a command (argument list) with `extra_env` added to its environment and its stdout/stderr
    appended to `log` (and echoed until the sweep is stopping, so a child's own KeyboardInterrupt
    traceback stays in its log).

    Interrupted when the sweep is stopping (on_signal ends the children).
    """
    if STOPPING.is_set():
        raise Interrupted
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "a") as out:
        out.write(f"\n$ {upstream_commands.shell_line(argv, extra_env)}\n")
        out.flush()
        env = dict(os.environ, PYTHONUNBUFFERED="1", **(extra_env or {}))
        with subprocess.Popen(argv, stdout=subprocess.PIPE if echo else out, stderr=subprocess.STDOUT, cwd=cwd,
                              env=env, text=True) as proc:
            CHILDREN.add(proc)
            if STOPPING.is_set():  # the signal came between the check above and the add
                proc.terminate()
            try:
                for line in proc.stdout if echo else ():
                    out.write(line)
                    if not STOPPING.is_set():
                        print(line, end="", flush=True)
                proc.wait()
            finally:
                CHILDREN.discard(proc)
    if STOPPING.is_set():
        raise Interrupted
    return proc.returncode


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


def slot_env(job: Job, slot: str) -> dict:
    """The environment additions of one job's train.py/test.py on a device slot."""
    return {**job.env, **upstream_commands.device_env(job.flavour, slot)}


def execute(job: Job, gpu_ids: str = "-1") -> list[dict]:
    """Train (or resume) the job's trunk, then its branches, testing and evaluating each epoch not yet done.

    `gpu_ids` is the device slot (plugins.upstream.commands): '-1' for CPU, GPU ids, or the GPUs a
    scheduler gave the job. Never raises for a failing run (its rows say 'failed' with the log tail);
    Interrupted on Ctrl-C.
    """
    failed: dict[tuple[str, int], str] = {}
    for training in job.trainings:
        if STOPPING.is_set():
            raise Interrupted
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
    if run_logged(argv, run_dir / "train.log", job.cwd, job.verbose, env) != 0:
        return "train.py failed:\n" + log_tail(run_dir / "train.log")
    return None


def train_command(job: Job, training: Training, slot: str, start: int) -> tuple[list[str], dict]:
    """train.py's argument list (one process, or torchrun's) and environment additions for `training`
    on device slot `slot`, resuming after epoch `start` (0: from scratch)."""
    flags = flags_for_train(training, Path(job.checkpoints_dir),
                            upstream_commands.gpu_ids_flag(job.flavour, slot, job.processes), start)
    return upstream_commands.train_argv(job.python, job.upstream, to_argv(flags), job.processes), slot_env(job, slot)


def test_epoch(job: Job, training: Training, epoch: int, gpu_ids: str) -> str | None:
    """test.py and the evaluation of one epoch of `training`; the failure's reason, or None."""
    run_dir = Path(job.checkpoints_dir) / training.name
    flags = flags_for_test(training, epoch, Path(job.checkpoints_dir), Path(job.results_dir),
                           upstream_commands.gpu_ids_flag(job.flavour, gpu_ids), job.test_options)
    flags["num_test"] = str(job.num_test)
    log = run_dir / f"test_{epoch}.log"
    if run_logged([job.python, str(Path(job.upstream) / "test.py"), *to_argv(flags)], log, job.cwd,
                  job.verbose, slot_env(job, gpu_ids)) != 0:
        return "test.py failed:\n" + log_tail(log)
    images = results.images_dir(Path(job.results_dir), training.name, epoch)
    summary = evaluate.evaluate_images_dir(images, images.epoch_dir, progress=False)
    if not summary["count"]:
        summary_path(job, epoch, training.name).unlink()
        return "nothing could be scored: " + json.dumps(summary["skipped"][:3])
    for run in job.runs:
        if epoch in run.test_epochs and serving_training(run, epoch, job.trainings) == training.name:
            m = summary["metrics"]
            print(f"{run.name} epoch {epoch}: PSNR {report.fmt(m['model']['psnr']['mean'], 2)} dB "
                  f"(input {report.fmt(m['input']['psnr']['mean'], 2)}, "
                  f"bicubic {report.fmt(m['bicubic']['psnr']['mean'], 2)})", flush=True)
            if job.visdom:
                show_progress(job, run.name, epoch, m["model"]["psnr"]["mean"], m["input"]["psnr"]["mean"])
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


def launch_submitit(jobs: list[Job], folder: Path, cluster: str, args: argparse.Namespace) -> list[dict]:
    """Each training as a submitit job (a Slurm array, or local processes with cluster='local')."""
    import submitit
    executor = submitit.AutoExecutor(folder=folder, cluster=cluster)
    gpus = job_gpus(args)
    params = {"timeout_min": args.time, "gpus_per_node": gpus, "cpus_per_task": args.cpus_per_job}
    if cluster == "slurm":
        params.update(slurm_partition=args.partition, slurm_array_parallelism=args.array_parallelism)
    executor.update_parameters(**{k: v for k, v in params.items() if v is not None})
    slot = upstream_commands.SCHEDULER if gpus else upstream_commands.CPU
    submitted = executor.map_array(execute, jobs, [slot] * len(jobs))
    rows = []
    for job, future in zip(jobs, submitted):
        try:
            rows += future.result()
        except Exception as err:  # a job that died: record it, keep the others
            rows += [table_row(run, e, job, "failed", seconds_per_epoch(job), f"submitit job failed: {err}"[-2000:])
                     for run in job.runs for e in run.test_epochs]
    return rows


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


def job_gpus(args: argparse.Namespace) -> int:
    """GPUs each submitit job asks for: --gpus_per_job, else --gpus_per_run."""
    return args.gpus_per_run if args.gpus_per_job is None else args.gpus_per_job


def wandb_reachable(timeout: float = 3.0) -> bool:
    """Whether wandb's server ($WANDB_BASE_URL, else its public API) answers a TCP connection."""
    url = urlparse(os.environ.get("WANDB_BASE_URL", "https://api.wandb.ai"))
    try:
        with socket.create_connection((url.hostname, url.port or (80 if url.scheme == "http" else 443)), timeout):
            return True
    except (OSError, TypeError):
        return False


def plan_devices(args: argparse.Namespace, flags: list[dict], options: dict, flavour: str,
                 upstream: Path) -> list[str]:
    """Check --gpus_per_run against the upstream's flavour and each training's norm (`flags`: the
    trainings' flags); return the lines that say what DDP will do. PlanError (one line) otherwise."""
    processes = args.gpus_per_run
    upstream_commands.check_processes(flavour, processes, upstream)
    if args.gpus_per_job is not None and processes > 1 and args.gpus_per_job != processes:
        raise PlanError(f"--gpus_per_job {args.gpus_per_job} and --gpus_per_run {processes} disagree: "
                        "a torchrun training uses one GPU per process")
    if processes == 1:
        return []
    default = options["train"].get("norm", {}).get("default")
    norms = sorted({str(f.get("norm", default)) for f in flags})
    return [upstream_commands.ddp_norm_note(norm, options.get("ddp_refused_norms", []), processes)
            for norm in norms]


def check_flavour_flags(flags: set[str], train_options: dict, flavour: str, origin: str) -> None:
    """PlanError with a hint for a flag that only the other upstream flavour has (--display_id...)."""
    for flag in sorted(flags):
        hint = upstream_commands.flavour_hint(flag, flavour)
        if flag not in train_options and hint:
            raise PlanError(f"{origin}: --{flag} is not an option of upstream's train.py: {hint}")


def parse_args(argv: list[str] | None = None) -> tuple[argparse.Namespace, dict]:
    argv = list(sys.argv[1:] if argv is None else argv)
    base_argv = argv[argv.index("--") + 1:] if "--" in argv else []
    argv = argv[:argv.index("--")] if "--" in argv else argv
    parser = argparse.ArgumentParser(prog="python -m plugins.sweep", description=__doc__.split("\n\n")[0],
                                     usage="%(prog)s [options] -- UPSTREAM TRAIN FLAGS")
    parser.add_argument("--grid", action="append", default=[], help="FLAG=V1,V2,... or FLAG=START:STOP:STEP")
    parser.add_argument("--grid_file", type=Path, help="JSON/YAML with `grid` (and optional `base` flags)")
    parser.add_argument("--repeats", type=int, default=1, help="identical runs per grid point (names _r2, _r3...)")
    parser.add_argument("--test_epochs", help="epochs to test: 10,20,40 or START:STOP:STEP (default: every saved)")
    parser.add_argument("--test_every", type=int, help="test every K epochs up to each run's end")
    parser.add_argument("--num_test", type=int, default=10 ** 6, help="test images per epoch (default: all)")
    parser.add_argument("--sweep_dir", type=Path, default=Path("sweeps/sweep"), help="checkpoints, results, table")
    parser.add_argument("--gpus", default=None, help="GPU ids for local runs, one run per GPU (0,1), or cpu")
    parser.add_argument("--gpus_per_run", type=int, default=1,
                        help="GPUs (processes) per training; N > 1 runs train.py under torchrun (DDP, newer upstream)")
    parser.add_argument("--launcher", choices=["local", "slurm", "submitit_local"], default="local")
    parser.add_argument("--partition", help="Slurm partition")
    parser.add_argument("--time", type=int, default=24 * 60, help="minutes per job (submitit)")
    parser.add_argument("--gpus_per_job", type=int, help="GPUs per submitit job (0 for CPU; default --gpus_per_run)")
    parser.add_argument("--cpus_per_job", type=int, help="CPUs per submitit job")
    parser.add_argument("--array_parallelism", type=int, default=64, help="Slurm jobs running at once")
    parser.add_argument("--no_share", action="store_true", help="train every run separately")
    parser.add_argument("--upstream", help="upstream checkout (default: $PIX2PIX_UPSTREAM, else ./upstream)")
    parser.add_argument("--dry_run", action="store_true", help="print the plan and what is done; run nothing")
    parser.add_argument("--verbose", action="store_true", help="also show train.py/test.py output (always logged)")
    parser.add_argument("--visdom_port", type=int, help="show each run's PSNR vs epoch live in visdom on this port "
                        "(env sweep_<sweep_dir name>; start a server with scripts/visdom.sh)")
    parser.add_argument("--visdom_server", default="http://localhost", help="visdom server for --visdom_port")
    args = parser.parse_args(argv)
    return args, base_argv


def default_gpus() -> str:
    import torch
    return ",".join(str(i) for i in range(torch.cuda.device_count())) or "cpu"


def prepare(args: argparse.Namespace, base_argv: list[str]) -> tuple[list[Run], list[Training], list[Job]]:
    """Check everything and plan; PlanError (one line) before any run starts."""
    base, grid = load_grid_file(args.grid_file) if args.grid_file else ({}, {})
    base.update(parse_flags(base_argv))
    for text in args.grid:
        flag, values = parse_grid_arg(text)
        grid[flag] = values
    if args.repeats < 1:
        raise PlanError(f"--repeats {args.repeats}: must be at least 1")
    if "dataroot" not in base:
        raise PlanError("no --dataroot among the upstream flags (after --)")
    if not Path(base["dataroot"]).is_dir():
        raise PlanError(f"--dataroot {base['dataroot']}: no such folder")
    base["dataroot"] = str(Path(base["dataroot"]).resolve())
    base.setdefault("model", "pix2pix")
    try:
        upstream = link.find_upstream(args.upstream)
    except link.LinkError as err:
        raise PlanError(str(err)) from None
    try:  # the checkout's own parsers tell its flavour; nothing is linked or written yet
        options = upstream_options.read_options(upstream, sys.executable, base["model"],
                                                base.get("dataset_mode", "aligned"))
        flavour = upstream_options.flavour(options["train"], upstream)
    except upstream_options.UpstreamError as err:
        raise PlanError(str(err)) from None
    check_flavour_flags(set(base) | set(grid), options["train"], flavour, "upstream flags")
    check_flags(set(base), options["train"], "upstream flags")
    check_flags(set(grid), options["train"], "--grid")
    if "display_id" in options["train"]:  # no visdom window per training unless asked
        base.setdefault("display_id", "0")
    defaults = {k: v["default"] for k, v in options["train"].items()}
    try:
        test_epochs = [int(v) for v in parse_values(args.test_epochs)] if args.test_epochs else None
    except ValueError:
        raise PlanError(f"--test_epochs {args.test_epochs}: use E1,E2,... or START:STOP:STEP") from None
    runs = plan_runs(base, grid, args.repeats, test_epochs, defaults, args.test_every)
    trainings = plan_for_schedule(runs, defaults, not args.no_share, lr_schedule(upstream))
    sweep_dir = args.sweep_dir.resolve()
    notes = plan_devices(args, [t.flags for t in trainings], options, flavour, upstream)
    wandb = any(t.flags.get("use_wandb") is True for t in trainings)
    env, wandb_note = upstream_commands.wandb_env(dict(os.environ), wandb, wandb and wandb_reachable(), sweep_dir)
    for line in notes + [wandb_note] * bool(wandb_note):
        print(line)
    jobs = [Job(t, [r for r in runs if r.training == t.name], str(upstream), sys.executable,
                str(sweep_dir / "checkpoints"), str(sweep_dir / "results"), options["test"], args.num_test,
                os.getcwd(), args.verbose,
                (args.visdom_server, args.visdom_port, f"sweep_{sweep_dir.name}") if args.visdom_port else None,
                flavour=flavour, processes=args.gpus_per_run, env=env,
                branches=[b for b in trainings if b.trunk == t.name])
            for t in trainings if not t.trunk]
    return runs, trainings, jobs


def launch_slots(args: argparse.Namespace) -> list[str]:
    """The device slots trainings take turns on: local GPU groups (or CPU), else what each job is given."""
    if args.launcher == "local":
        return upstream_commands.device_slots(args.gpus or default_gpus(), args.gpus_per_run)
    return [upstream_commands.SCHEDULER if job_gpus(args) else upstream_commands.CPU]


def lr_schedule(upstream: Path) -> bool | None:
    """Whether upstream's train.py steps the lr at the start of each epoch (pinned), at the end
    (newest: False), or None when its train.py does not tell."""
    try:
        return lr_steps_at_epoch_start((Path(upstream) / "train.py").read_text(errors="replace"))
    except OSError:
        return None


SCHEDULE_NOTES = {
    True: "upstream's train.py steps the lr at the start of each epoch (the pinned commit), so a run of N epochs "
          "with --n_epochs_decay 0 trains epoch N at lr 0: a shared training serves its epochs before N, and a "
          "one-epoch branch from the shared epoch N-1 (--continue_train, at lr 0 too) serves epoch N",
    False: "upstream's train.py steps the lr at the end of each epoch, so a shared training's epoch N is the "
           "N-epoch run's epoch N",
    None: "cannot tell when upstream's train.py steps the lr, so every run trains alone",
}


def plan_for_schedule(runs: list[Run], defaults: dict, share: bool, step_at_start: bool | None) -> list[Training]:
    """The trainings, shared only where the lr schedule makes a shared epoch the same as a run's own:
    exact under the newest upstream, with one-epoch branches under the pinned one, none when unknown."""
    trainings = plan_trainings(runs, defaults, share=share and step_at_start is not None)
    return branch_last_epochs(trainings, runs) if step_at_start else trainings


def print_plan(runs: list[Run], trainings: list[Training], jobs: list[Job], slot: str) -> None:
    """The dry run: each training's command (on device slot `slot`), the runs it serves, what is done;
    which checkpoint serves each branch and why."""
    shared, alone = epochs_trained(trainings, runs)
    branches = sum(len(job.branches) for job in jobs)
    print(f"{len(runs)} runs in {len(jobs)} trainings" + (f" + {branches} one-epoch branches" if branches else "")
          + f": {shared} epochs trained ({alone} without sharing)")
    if jobs and any(len(t.serves) > 1 for t in trainings):
        print(SCHEDULE_NOTES[lr_schedule(Path(jobs[0].upstream))])
    for job in jobs:
        t = job.training
        ckpt = Path(job.checkpoints_dir)
        start = resume_point(t, checkpoints.complete_epochs(ckpt / t.name, move_broken=False))
        done = [e for e in t.test_epochs if summary_path(job, e).exists()]
        state = "trained" if start is None else f"resume after epoch {start}" if start else "to train"
        print(f"\n{t.name}: {t.total_epochs} epochs, {state}; tested at {t.test_epochs}, done {done}")
        if len(t.serves) > 1:
            print(f"  shared by: {', '.join(t.serves)}")
        print("  $ " + upstream_commands.shell_line(*train_command(job, t, slot, start or 0)))
        for b in job.branches:
            print_branch(job, b, slot)


def print_branch(job: Job, branch: Training, slot: str) -> None:
    """One branch of the dry run: where its epoch comes from, and its command."""
    epoch = branch.total_epochs
    done = all(summary_path(job, e, branch.name).exists() for e in branch.test_epochs)
    origin = f"{branch.trunk}'s epoch {branch.start_epoch}" if branch.start_epoch else "a fresh start"
    print(f"  {branch.name} epoch {epoch}: {origin} + 1 epoch at lr 0, as its own run trains epoch {epoch}; "
          + ("done" if done else "to train"))
    print("    $ " + upstream_commands.shell_line(*train_command(job, branch, slot, branch.start_epoch)))


def main(argv: list[str] | None = None) -> int:
    """Plan, run and tabulate; Ctrl-C ends the running trainings and exits 130 with one line."""
    STOPPING.clear()
    handled = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {sig: signal.signal(sig, on_signal) for sig in handled} \
        if threading.current_thread() is threading.main_thread() else {}
    try:
        return plan_and_run(argv)
    except (KeyboardInterrupt, Interrupted) as err:
        print("sweep: interrupted; rerun the same command to resume", file=sys.stderr)
        return 128 + (err.args[0] if err.args and isinstance(err.args[0], int) else signal.SIGINT)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def plan_and_run(argv: list[str] | None = None) -> int:
    """The sweep itself: exit status 0, 1 if a run failed, 2 for a plan that cannot run."""
    args, base_argv = parse_args(argv)
    try:
        runs, trainings, jobs = prepare(args, base_argv)
        slots = launch_slots(args)
        if args.dry_run:  # a plan changes nothing on disk: no links, no folders
            print_plan(runs, trainings, jobs, slots[0])
            return 0
        link.link(Path(jobs[0].upstream))
    except (PlanError, link.LinkError) as err:
        print(f"sweep: error: {err}", file=sys.stderr)
        return 2
    sweep_dir = args.sweep_dir.resolve()
    sweep_dir.mkdir(parents=True, exist_ok=True)
    tables.write_json(sweep_dir / "plan.json", {"runs": [asdict(r) for r in runs],
                                                  "trainings": [asdict(t) for t in trainings]})
    if args.launcher == "local":
        rows = launch_local(jobs, slots)
    else:
        cluster = "slurm" if args.launcher == "slurm" else "local"
        rows = launch_submitit(jobs, sweep_dir / "submitit", cluster, args)
    write_table(sweep_dir, rows)
    failed = sorted({r["run"] for r in rows if r["status"] == "failed"})
    print(f"sweep table: {sweep_dir / 'sweep.csv'} ({len(rows)} rows); report: {sweep_dir / 'index.html'}")
    if failed:
        print(f"failed runs: {', '.join(failed)} (see sweep.csv and their train.log)", file=sys.stderr)
    return 1 if failed else 0
