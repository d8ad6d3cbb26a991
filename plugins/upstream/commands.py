"""The argument lists and environments that run upstream's train.py and test.py on given devices (pure).

A device slot is CPU ("-1"), GPU ids ("0", "0,1"), or SCHEDULER: the GPUs a
scheduler (Slurm) gave the job. The `gpu_ids` flavour of upstream takes the
slot as --gpu_ids; the `torchrun` flavour has no such flag, so the slot
becomes CUDA_VISIBLE_DEVICES, and a training with several processes runs as
`torchrun --standalone --nproc_per_node N train.py ...` (DDP), spelled
`python -m torch.distributed.run` so that the same interpreter runs it.
"""
from __future__ import annotations

import shlex
from pathlib import Path

from plugins.sweep.plan import PlanError
from plugins.upstream.parsers import FLAVOURS, GPU_IDS, TORCHRUN

CPU = "-1"
SCHEDULER = "job"
# norms with nothing to synchronise between DDP processes, and the synchronised batch norm
DDP_SAFE_NORMS = ("instance", "none", "syncbatch")


def gpu_ids_flag(flavour: str, slot: str, processes: int = 1) -> str | None:
    """The --gpu_ids value for a slot (None: the flavour has no such flag)."""
    if flavour != GPU_IDS:
        return None
    return ",".join(str(i) for i in range(processes)) if slot == SCHEDULER else slot


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
