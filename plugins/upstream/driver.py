"""The one driver of upstream's train.py and test.py: flags and environment per flavour and device, and
running a script with its log and Ctrl-C.

The sweep, the recipes, the demo (through the sweep) and the benchmarks all
build their upstream commands here. A device slot is CPU ("-1"), GPU ids
("0", "0,1"), or SCHEDULER: the GPUs a scheduler (Slurm) gave the job. The `gpu_ids` flavour of upstream takes the
slot as --gpu_ids; the `torchrun` flavour has no such flag, so the slot
becomes CUDA_VISIBLE_DEVICES, and a training with several processes runs as
`torchrun --standalone --nproc_per_node N train.py ...` (DDP), spelled
`python -m torch.distributed.run` so that the same interpreter runs it.
Display flags go off where the flavour has them (--display_id 0): a run
opens no visdom window unless asked.

Scripts run as argument lists with their output appended to a log; while
`interruptible` runs a command, SIGINT/SIGTERM/SIGHUP end the running
scripts, start no more (Interrupted) and exit 128 + the signal with one line.
"""
from __future__ import annotations

import os
import shlex
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Callable, Collection
from urllib.parse import urlparse

from plugins.cli import UserError
from plugins.sweep.plan import PlanError
from plugins.upstream.parsers import FLAVOURS, GPU_IDS, TORCHRUN

CPU = "-1"
SCHEDULER = "job"
LOG_TAIL_LINES = 20
# norms with nothing to synchronise between DDP processes, and the synchronised batch norm
DDP_SAFE_NORMS = ("instance", "none", "syncbatch")


def gpu_ids_flag(flavour: str, slot: str, processes: int = 1) -> str | None:
    """The --gpu_ids value for a slot (None: the flavour has no such flag)."""
    if flavour != GPU_IDS:
        return None
    return ",".join(str(i) for i in range(processes)) if slot == SCHEDULER else slot


def display_flags(known: Collection[str]) -> dict:
    """--display_id 0 where `known` (a script's options) has it: no visdom window unless asked."""
    return {"display_id": "0"} if "display_id" in known else {}


def device_flags(flavour: str, slot: str, known: Collection[str], processes: int = 1) -> dict:
    """The device and display flags of one script on the slot, as this upstream spells them: --gpu_ids
    (gpu_ids flavour) and display_flags; the torchrun flavour's device is its environment (device_env)."""
    flags = {} if flavour != GPU_IDS else {"gpu_ids": gpu_ids_flag(flavour, slot, processes)}
    return flags | display_flags(known)


def local_slot() -> str:
    """The device slot of a single local run: the first GPU when there is one, else the CPU."""
    import torch
    return "0" if torch.cuda.is_available() else CPU


def device_env(flavour: str, slot: str) -> dict:
    """Environment variables that put a process of this flavour on the slot's devices."""
    if flavour != TORCHRUN or slot == SCHEDULER:
        return {}
    return {"CUDA_VISIBLE_DEVICES": "" if slot == CPU else slot}


def train_argv(python: str, upstream: str | Path, flags_argv: list[str], processes: int = 1) -> list[str]:
    """train.py as one process, or as `processes` DDP processes under torchrun."""
    script = str(Path(upstream) / "train.py")
    if processes > 1:
        return [python, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", str(processes), script,
                *flags_argv]
    return [python, script, *flags_argv]


def shell_line(argv: list[str], env: dict | None = None) -> str:
    """The command as one could type it in a shell, environment first."""
    prefix = [f"{key}={shlex.quote(value)}" for key, value in (env or {}).items()]
    return " ".join(prefix + [shlex.quote(arg) for arg in argv])


def device_slots(gpus: str, per_run: int) -> list[str]:
    """'0,1,2,3' with 2 GPUs per run -> ['0,1', '2,3']; 'cpu' -> [CPU]. PlanError when they do not split."""
    if per_run < 1:
        raise PlanError(f"--gpus_per_run {per_run}: must be at least 1")
    if gpus.strip() in ("cpu", CPU):
        return [CPU]
    ids = [g.strip() for g in gpus.split(",") if g.strip()]
    if not ids or not all(g.isdigit() for g in ids):
        raise PlanError(f"--gpus {gpus}: use GPU ids such as 0,1 (or cpu)")
    if len(ids) % per_run:
        raise PlanError(f"--gpus {gpus}: {len(ids)} GPUs do not split into trainings of {per_run} "
                        f"(--gpus_per_run {per_run})")
    return [",".join(ids[i:i + per_run]) for i in range(0, len(ids), per_run)]


def check_processes(flavour: str, processes: int, upstream: str | Path) -> None:
    """PlanError unless this flavour can run a training as `processes` processes."""
    if processes < 1:
        raise PlanError(f"--gpus_per_run {processes}: must be at least 1")
    if processes > 1 and flavour != TORCHRUN:
        raise PlanError(f"--gpus_per_run {processes} needs the newer upstream ({FLAVOURS[TORCHRUN]}); {upstream} "
                        f"is the {FLAVOURS[GPU_IDS]} one: use --gpus 0,1 for one training per GPU")


def ddp_norm_note(norm: str, refused: list[str], processes: int) -> str:
    """One line saying the norm is DDP-safe, or PlanError saying why it is not and what to use."""
    safe = [n for n in DDP_SAFE_NORMS if n not in refused]
    if norm in safe:
        why = "synchronised across processes" if norm == "syncbatch" else "no batch statistics to synchronise"
        return (f"DDP: {processes} processes per training (torchrun), --batch_size per process (the batch is "
                f"{processes}x); --norm {norm} is DDP-safe ({why})")
    if norm in refused:
        why = "upstream's BaseModel.setup (models/base_model.py) refuses it under DDP"
    elif norm == "batch":
        why = "each process would keep its own batch statistics; upstream's README says batch norm does not work " \
              "under DDP"
    else:
        why = "not a norm known to be safe under DDP"
    raise PlanError(f"--gpus_per_run {processes}: --norm {norm} is not DDP-safe here ({why}): "
                    f"pass --norm {' or --norm '.join(safe)}")


def flavour_hint(flag: str, flavour: str) -> str | None:
    """Why a visdom flag of the gpu_ids flavour is missing here, and what to use instead (None: no hint)."""
    if flavour == TORCHRUN and flag.startswith("display_"):
        return f"the {FLAVOURS[TORCHRUN]} upstream has no visdom: drop it (the live view is --use_wandb)"
    return None


def wandb_env(environ: dict, wanted: bool, reachable: bool, log_dir: Path) -> tuple[dict, str | None]:
    """Environment for upstream's --use_wandb, and a line to print: runs log under log_dir/wandb and go
    offline (WANDB_MODE=offline, `wandb sync` later) when wandb's server does not answer, unless the
    user set WANDB_MODE or WANDB_DIR."""
    if not wanted:
        return {}, None
    env = {} if "WANDB_DIR" in environ else {"WANDB_DIR": str(log_dir)}
    where = environ.get("WANDB_DIR", str(log_dir))
    if "WANDB_MODE" in environ or reachable:
        return env, f"wandb: runs log under {where}/wandb (WANDB_MODE {environ.get('WANDB_MODE', 'online')})"
    env["WANDB_MODE"] = "offline"
    return env, (f"wandb: no answer from its server, so WANDB_MODE=offline; upload later with "
                 f"`wandb sync {where}/wandb/offline-run-*`")


def wandb_reachable(timeout: float = 3.0) -> bool:
    """Whether wandb's server ($WANDB_BASE_URL, else its public API) answers a TCP connection."""
    url = urlparse(os.environ.get("WANDB_BASE_URL", "https://api.wandb.ai"))
    try:
        with socket.create_connection((url.hostname, url.port or (80 if url.scheme == "http" else 443)), timeout):
            return True
    except (OSError, TypeError):
        return False


# ---- running scripts: logs and Ctrl-C --------------------------------------------------------------------

class ScriptFailed(UserError):
    """train.py or test.py failed, so the command cannot finish: exit status 1 (a failed run, not a bad flag)."""
    status = 1


class Interrupted(Exception):
    """The command is stopping (Ctrl-C): start nothing more."""


STOPPING = threading.Event()
CHILDREN: set[subprocess.Popen] = set()  # train.py / test.py processes running now


def on_signal(signum, frame) -> None:
    """SIGINT/SIGTERM/SIGHUP: start no more scripts, end the running ones, unwind the main thread."""
    STOPPING.set()
    for proc in list(CHILDREN):
        proc.terminate()
    raise KeyboardInterrupt(signum)


def interruptible(prog: str, work: Callable[[], int]) -> int:
    """work()'s exit status; on Ctrl-C (or SIGTERM/SIGHUP) the running scripts end and the status is
    128 + the signal, with one line saying a rerun resumes."""
    STOPPING.clear()
    handled = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {sig: signal.signal(sig, on_signal) for sig in handled} \
        if threading.current_thread() is threading.main_thread() else {}
    try:
        return work()
    except (KeyboardInterrupt, Interrupted) as err:
        print(f"{prog}: interrupted; rerun the same command to resume", file=sys.stderr)
        return 128 + (err.args[0] if err.args and isinstance(err.args[0], int) else signal.SIGINT)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run_logged(argv: list[str], log: Path, cwd: str | Path, echo: bool = False, extra_env: dict | None = None) -> int:
    """Run a command (argument list) with `extra_env` added to its environment and its stdout/stderr
    appended to `log` (and echoed until the command is stopping, so a child's own KeyboardInterrupt
    traceback stays in its log); its exit status.

    Interrupted when the command is stopping (on_signal ends the children).
    """
    if STOPPING.is_set():
        raise Interrupted
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "a") as out:
        out.write(f"\n$ {shell_line(argv, extra_env)}\n")
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


def log_tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    """The last lines of a log file (empty if none)."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""
