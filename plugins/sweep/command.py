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
the sweep goes on; the exit status is 1 if any run failed, 2 for a plan
that cannot run, 130 on Ctrl-C. Commands fit the upstream's flavour
(plugins.upstream.driver): --gpu_ids and --display_id 0 where they exist,
else CUDA_VISIBLE_DEVICES, and `torchrun --standalone --nproc_per_node N`
for --gpus_per_run N (DDP).

This module is the command line and the plan's checks; plugins.sweep.runner
runs the trainings, plugins.sweep.table writes the table and
plugins.sweep.live_view shows progress. `sweep(argv)` runs it as a function
(the demo does) and returns its Outcome.
"""
from __future__ import annotations

import argparse
import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from plugins import cli
from plugins.evaluation import tables
from plugins.sweep import checkpoints, folder_lock
from plugins.sweep.plan import (PlanError, Run, Training, branch_last_epochs, check_flags, epochs_trained,
                                load_grid_file, lr_steps_at_epoch_start, parse_flags, parse_grid_arg, parse_values,
                                plan_runs, plan_trainings, resume_point)
from plugins.sweep.runner import Job, launch_local, launch_submitit, train_command
from plugins.sweep.table import summary_path, write_table
from plugins.upstream import driver
from plugins.upstream import link
from plugins.upstream import parsers as upstream_options


@dataclass
class Outcome:
    """What a sweep did: its exit status (0, or 1 if a run failed) and the table's rows (none for a dry run)."""
    status: int
    rows: list[dict]
    sweep_dir: Path


def job_gpus(args: argparse.Namespace) -> int:
    """GPUs each submitit job asks for: --gpus_per_job, else --gpus_per_run."""
    return args.gpus_per_run if args.gpus_per_job is None else args.gpus_per_job


def plan_devices(args: argparse.Namespace, flags: list[dict], options: dict, flavour: str,
                 upstream: Path) -> list[str]:
    """Check --gpus_per_run against the upstream's flavour and each training's norm (`flags`: the
    trainings' flags); return the lines that say what DDP will do. PlanError (one line) otherwise."""
    processes = args.gpus_per_run
    driver.check_processes(flavour, processes, upstream)
    if args.gpus_per_job is not None and processes > 1 and args.gpus_per_job != processes:
        raise PlanError(f"--gpus_per_job {args.gpus_per_job} and --gpus_per_run {processes} disagree: "
                        "a torchrun training uses one GPU per process")
    if processes == 1:
        return []
    default = options["train"].get("norm", {}).get("default")
    norms = sorted({str(f.get("norm", default)) for f in flags})
    return [driver.ddp_norm_note(norm, options.get("ddp_refused_norms", []), processes)
            for norm in norms]


def check_flavour_flags(flags: set[str], train_options: dict, flavour: str, origin: str) -> None:
    """PlanError with a hint for a flag that only the other upstream flavour has (--display_id...)."""
    for flag in sorted(flags):
        hint = driver.flavour_hint(flag, flavour)
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
    """Check everything and plan; a UserError (PlanError, LinkError, UpstreamError: one line) before any
    run starts."""
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
    upstream = link.find_upstream(args.upstream)
    # the checkout's own parsers tell its flavour; nothing is linked or written yet
    options = upstream_options.read_options(upstream, sys.executable, base["model"],
                                            base.get("dataset_mode", "aligned"))
    flavour = upstream_options.flavour(options["train"], upstream)
    check_flavour_flags(set(base) | set(grid), options["train"], flavour, "upstream flags")
    check_flags(set(base), options["train"], "upstream flags")
    check_flags(set(grid), options["train"], "--grid")
    for flag, value in driver.display_flags(options["train"]).items():  # no visdom window per training unless asked
        base.setdefault(flag, value)
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
    env, wandb_note = driver.wandb_env(dict(os.environ), wandb, wandb and driver.wandb_reachable(), sweep_dir)
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
        return driver.device_slots(args.gpus or default_gpus(), args.gpus_per_run)
    return [driver.SCHEDULER if job_gpus(args) else driver.CPU]


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
        print("  $ " + driver.shell_line(*train_command(job, t, slot, start or 0)))
        for b in job.branches:
            print_branch(job, b, slot)


def print_branch(job: Job, branch: Training, slot: str) -> None:
    """One branch of the dry run: where its epoch comes from, and its command."""
    epoch = branch.total_epochs
    done = all(summary_path(job, e, branch.name).exists() for e in branch.test_epochs)
    origin = f"{branch.trunk}'s epoch {branch.start_epoch}" if branch.start_epoch else "a fresh start"
    print(f"  {branch.name} epoch {epoch}: {origin} + 1 epoch at lr 0, as its own run trains epoch {epoch}; "
          + ("done" if done else "to train"))
    print("    $ " + driver.shell_line(*train_command(job, branch, slot, branch.start_epoch)))


def sweep(argv: list[str] | None = None) -> Outcome:
    """Plan, run and tabulate a sweep given its command line. A UserError (one line) for a plan that cannot
    run, before anything starts; driver.Interrupted or KeyboardInterrupt on Ctrl-C (callers run it under
    driver.interruptible, which ends the running scripts)."""
    args, base_argv = parse_args(argv)
    runs, trainings, jobs = prepare(args, base_argv)
    slots = launch_slots(args)
    sweep_dir = args.sweep_dir.resolve()
    if args.dry_run:  # a plan changes nothing on disk: no links, no folders
        print_plan(runs, trainings, jobs, slots[0])
        return Outcome(0, [], sweep_dir)
    sweep_dir.mkdir(parents=True, exist_ok=True)
    with folder_lock.hold(sweep_dir):  # a second sweep on this folder would train into the same runs
        return run_planned(args, runs, trainings, jobs, slots, sweep_dir)


def run_planned(args: argparse.Namespace, runs: list[Run], trainings: list[Training], jobs: list[Job], slots: list[str],
                sweep_dir: Path) -> Outcome:
    """Train, test and tabulate a checked plan in `sweep_dir` (whose lock the caller holds)."""
    link.link(Path(jobs[0].upstream))
    tables.write_json(sweep_dir / "plan.json", {"runs": [asdict(r) for r in runs],
                                                  "trainings": [asdict(t) for t in trainings]})
    if args.launcher == "local":
        rows = launch_local(jobs, slots)
    else:
        cluster = "slurm" if args.launcher == "slurm" else "local"
        params = {"timeout_min": args.time, "gpus_per_node": job_gpus(args), "cpus_per_task": args.cpus_per_job}
        if cluster == "slurm":
            params.update(slurm_partition=args.partition, slurm_array_parallelism=args.array_parallelism)
        rows = launch_submitit(jobs, sweep_dir / "submitit", cluster, params, slots[0])
    write_table(sweep_dir, rows)
    failed = sorted({r["run"] for r in rows if r["status"] == "failed"})
    print(f"sweep table: {sweep_dir / 'sweep.csv'} ({len(rows)} rows); report: {sweep_dir / 'index.html'}")
    if failed:
        print(f"failed runs: {', '.join(failed)} (see sweep.csv and their train.log)", file=sys.stderr)
    return Outcome(1 if failed else 0, rows, sweep_dir)


@cli.command("sweep")
def main(argv: list[str] | None = None) -> int:
    """The sweep's exit status: 0, 1 if a run failed, 2 for a plan that cannot run; Ctrl-C ends the
    running trainings and exits 130 with one line."""
    return driver.interruptible("sweep", lambda: sweep(argv).status)
