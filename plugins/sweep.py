"""Run a hyperparameter sweep through upstream's own train.py and test.py.

    python -m plugins.sweep --grid n_epochs=10,20,40 --grid lr=0.0002,0.004 [--repeats 4] \\
        [--test_epochs 10,20,40] [--gpus 0,1 | --gpus cpu] [--launcher local|slurm|submitit_local] \\
        [--sweep_dir sweeps/NAME] [--dry_run] -- --dataroot DIR --model restore --dataset_mode pixelated ...

Each run trains (as an argument list, never a shell string) with a
save_epoch_freq that saves every tested epoch, is tested with `--eval` at
each tested epoch and evaluated; sweep.csv gets one row per (run, epoch).
Rerunning the same command skips what is done and resumes an interrupted
training from its last saved epoch with the right --epoch_count. A failed
run is recorded with its log tail and the sweep goes on; the exit status is
1 if any run failed.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import queue
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from plugins import evaluate, link, report, results, scores, tables
from plugins.sweep_plan import (PlanError, Run, Training, check_flags, epochs_trained, load_grid_file,
                                parse_epoch_times, parse_flags, parse_grid_arg, parse_values, plan_runs, plan_trainings,
                                resume_point, saved_epochs, flags_for_test, to_argv, flags_for_train)

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


def run_logged(argv: list[str], log: Path, cwd: str, echo: bool = False) -> int:
    """Run a command (argument list) with its stdout/stderr appended to `log` (and echoed)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "a") as out:
        out.write(f"\n$ {' '.join(argv)}\n")
        out.flush()
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        if not echo:
            return subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT, cwd=cwd, env=env).returncode
        with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=cwd, env=env,
                              text=True) as proc:
            for line in proc.stdout:
                out.write(line)
                print(line, end="", flush=True)
        return proc.returncode


def summary_path(job: Job, epoch: int) -> Path:
    return results.epoch_dir(Path(job.results_dir), job.training.name, epoch) / "summary.json"


def seconds_per_epoch(job: Job) -> float | None:
    """Mean training time per epoch from the training's log (every attempt), if any."""
    try:
        times = parse_epoch_times((Path(job.checkpoints_dir) / job.training.name / "train.log").read_text())
    except OSError:
        return None
    return round(sum(times.values()) / len(times), 2) if times else None


def table_row(run: Run, epoch: int, job: Job, status: str, sec_per_epoch: float | None, error: str = "") -> dict:
    """One sweep.csv row: the run's grid values, its scores at `epoch` (if evaluated)."""
    row = {"run": run.name, "epoch": epoch, "training": run.training, "repeat": run.repeat, **run.axes,
           "status": status, "error": error}
    path = summary_path(job, epoch)
    if status == "done" and path.exists():
        summary = json.loads(path.read_text())
        row.update(scores.headline(summary))
        row["report"] = summary.get("report")
    row["train_sec_per_epoch"] = sec_per_epoch
    return row


def execute(job: Job, gpu_ids: str = "-1") -> list[dict]:
    """Train (or resume) one training, then test and evaluate each epoch not yet done.

    Never raises for a failing run: its rows say 'failed' with the log tail.
    """
    training, ckpt = job.training, Path(job.checkpoints_dir)
    run_dir = ckpt / training.name
    needed = [e for e in training.test_epochs if not summary_path(job, e).exists()]
    failed: dict[int, str] = {}
    saved = saved_epochs(run_dir)
    if needed and not set(needed) <= set(saved):
        start = resume_point(training, saved)
        if start is not None:
            argv = [job.python, str(Path(job.upstream) / "train.py"),
                    *to_argv(flags_for_train(training, ckpt, gpu_ids, start))]
            if run_logged(argv, run_dir / "train.log", job.cwd, job.verbose) != 0:
                failed = {e: "train.py failed:\n" + log_tail(run_dir / "train.log") for e in needed}
    for epoch in needed:
        if epoch in failed:
            continue
        flags = flags_for_test(training, epoch, ckpt, Path(job.results_dir), gpu_ids, job.test_options)
        flags["num_test"] = str(job.num_test)
        log = run_dir / f"test_{epoch}.log"
        if run_logged([job.python, str(Path(job.upstream) / "test.py"), *to_argv(flags)], log, job.cwd,
                      job.verbose) != 0:
            failed[epoch] = "test.py failed:\n" + log_tail(log)
            continue
        images = results.images_dir(Path(job.results_dir), training.name, epoch)
        summary = evaluate.evaluate_images_dir(images, images.epoch_dir, progress=False)
        if not summary["count"]:
            failed[epoch] = "nothing could be scored: " + json.dumps(summary["skipped"][:3])
            summary_path(job, epoch).unlink()
            continue
        for run in job.runs:
            if epoch in run.test_epochs:
                m = summary["metrics"]
                print(f"{run.name} epoch {epoch}: PSNR {report.fmt(m['model']['psnr']['mean'], 2)} dB "
                      f"(input {report.fmt(m['input']['psnr']['mean'], 2)}, "
                      f"bicubic {report.fmt(m['bicubic']['psnr']['mean'], 2)})", flush=True)
                if job.visdom:
                    show_progress(job, run.name, epoch, m["model"]["psnr"]["mean"], m["input"]["psnr"]["mean"])
    rows, sec_per_epoch = [], seconds_per_epoch(job)
    for run in job.runs:
        for epoch in run.test_epochs:
            status = "failed" if epoch in failed else "done" if summary_path(job, epoch).exists() else "pending"
            rows.append(table_row(run, epoch, job, status, sec_per_epoch, failed.get(epoch, "")))
    return rows


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
    params = {"timeout_min": args.time, "gpus_per_node": args.gpus_per_job, "cpus_per_task": args.cpus_per_job}
    if cluster == "slurm":
        params.update(slurm_partition=args.partition, slurm_array_parallelism=args.array_parallelism)
    executor.update_parameters(**{k: v for k, v in params.items() if v is not None})
    gpu_ids = "0" if args.gpus_per_job else "-1"
    submitted = executor.map_array(execute, jobs, [gpu_ids] * len(jobs))
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


def describe_options(upstream: Path, python: str, model: str, dataset_mode: str) -> dict:
    """Upstream's train.py and test.py options for this model and dataset mode."""
    proc = subprocess.run([python, str(Path(__file__).with_name("upstream_options.py")), model, dataset_mode],
                          cwd=upstream, capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(upstream)))
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise PlanError(f"cannot read upstream's options for --model {model} --dataset_mode {dataset_mode}: {last}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


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
    parser.add_argument("--launcher", choices=["local", "slurm", "submitit_local"], default="local")
    parser.add_argument("--partition", help="Slurm partition")
    parser.add_argument("--time", type=int, default=24 * 60, help="minutes per job (submitit)")
    parser.add_argument("--gpus_per_job", type=int, default=1, help="GPUs per submitit job (0 for CPU)")
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
    link.link(upstream)
    options = describe_options(upstream, sys.executable, base["model"], base.get("dataset_mode", "aligned"))
    check_flags(set(base), options["train"], "upstream flags")
    check_flags(set(grid), options["train"], "--grid")
    defaults = {k: v["default"] for k, v in options["train"].items()}
    try:
        test_epochs = [int(v) for v in parse_values(args.test_epochs)] if args.test_epochs else None
    except ValueError:
        raise PlanError(f"--test_epochs {args.test_epochs}: use E1,E2,... or START:STOP:STEP") from None
    runs = plan_runs(base, grid, args.repeats, test_epochs, defaults, args.test_every)
    trainings = plan_trainings(runs, defaults, share=not args.no_share)
    sweep_dir = args.sweep_dir.resolve()
    jobs = [Job(t, [r for r in runs if r.training == t.name], str(upstream), sys.executable,
                str(sweep_dir / "checkpoints"), str(sweep_dir / "results"), options["test"], args.num_test,
                os.getcwd(), args.verbose,
                (args.visdom_server, args.visdom_port, f"sweep_{sweep_dir.name}") if args.visdom_port else None)
            for t in trainings]
    return runs, trainings, jobs


def print_plan(runs: list[Run], trainings: list[Training], jobs: list[Job]) -> None:
    """The dry run: each training's command, the runs it serves, what is done."""
    shared, alone = epochs_trained(trainings, runs)
    print(f"{len(runs)} runs in {len(trainings)} trainings: {shared} epochs trained ({alone} without sharing)")
    for job in jobs:
        t = job.training
        ckpt = Path(job.checkpoints_dir)
        start = resume_point(t, saved_epochs(ckpt / t.name))
        done = [e for e in t.test_epochs if summary_path(job, e).exists()]
        state = "trained" if start is None else f"resume after epoch {start}" if start else "to train"
        print(f"\n{t.name}: {t.total_epochs} epochs, {state}; tested at {t.test_epochs}, done {done}")
        if len(t.serves) > 1:
            print(f"  shared by: {', '.join(t.serves)}")
        print("  $ " + " ".join([job.python, str(Path(job.upstream) / "train.py"),
                                 *to_argv(flags_for_train(t, ckpt, "<gpu>", start or 0))]))


def main(argv: list[str] | None = None) -> int:
    args, base_argv = parse_args(argv)
    try:
        runs, trainings, jobs = prepare(args, base_argv)
    except PlanError as err:
        print(f"sweep: error: {err}", file=sys.stderr)
        return 2
    if args.dry_run:
        print_plan(runs, trainings, jobs)
        return 0
    sweep_dir = args.sweep_dir.resolve()
    sweep_dir.mkdir(parents=True, exist_ok=True)
    tables.write_json(sweep_dir / "plan.json", {"runs": [asdict(r) for r in runs],
                                                  "trainings": [asdict(t) for t in trainings]})
    if args.launcher == "local":
        gpus = (args.gpus or default_gpus()).split(",")
        rows = launch_local(jobs, ["-1"] if gpus == ["cpu"] else gpus)
    else:
        cluster = "slurm" if args.launcher == "slurm" else "local"
        rows = launch_submitit(jobs, sweep_dir / "submitit", cluster, args)
    write_table(sweep_dir, rows)
    failed = sorted({r["run"] for r in rows if r["status"] == "failed"})
    print(f"sweep table: {sweep_dir / 'sweep.csv'} ({len(rows)} rows); report: {sweep_dir / 'index.html'}")
    if failed:
        print(f"failed runs: {', '.join(failed)} (see sweep.csv and their train.log)", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
