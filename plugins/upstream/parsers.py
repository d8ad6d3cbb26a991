"""Upstream's real option parsers: the flags train.py and test.py take, and the upstream flavour they tell.

Two flavours are known, told from the parsers, never from a list of commits:
- `gpu_ids` (e19f22f, the pinned submodule, and before): train.py picks its
  devices with --gpu_ids; the live view is visdom (--display_id);
- `torchrun` (2a7afba and later): no --gpu_ids; one process uses the GPU it
  is shown (CUDA_VISIBLE_DEVICES), several run as DDP under
  `torchrun --nproc_per_node N`; the live view is wandb (--use_wandb).

`read_options()` asks the checkout itself by running this file inside it:

    python plugins/upstream/parsers.py MODEL DATASET_MODE

which prints as JSON, for train.py and test.py, every option with its
default (after the model's and dataset's changes) and whether it is a
switch, plus the norms upstream's DDP setup refuses. Upstream's own --help
lists neither the model's nor the dataset's options. The probe loads our
plugin modules itself and writes no bytecode, so reading options changes
nothing on disk (a dry run links nothing).
"""
from __future__ import annotations

import argparse
import importlib
import importlib.util
import inspect
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from plugins.cli import UserError

GPU_IDS = "gpu_ids"
TORCHRUN = "torchrun"
FLAVOURS = {GPU_IDS: "--gpu_ids and visdom, e19f22f and before", TORCHRUN: "torchrun/DDP and wandb, 2a7afba and later"}
# the train.py flags the driver of upstream (plugins.upstream.driver) sets for each run itself
PER_RUN_FLAGS = ("name", "checkpoints_dir", "epoch", "continue_train", "epoch_count")
# ... and those it needs train.py to take: the schedule, which the sweep sets per run too
DRIVEN_FLAGS = (*PER_RUN_FLAGS, "n_epochs", "n_epochs_decay", "save_epoch_freq")
# the user's flags it refuses: those it sets per run, test.py's results folder, the device flag and
# --suffix (it renames every run's folder, which the sweep then cannot find)
MANAGED_FLAGS = (*PER_RUN_FLAGS, "results_dir", GPU_IDS, "suffix")
PLUGIN_DIR = Path(__file__).resolve().parent


class UpstreamError(UserError, ValueError):
    """An upstream checkout this project cannot drive, in one line that says what was found."""


def flavour(train_options: dict, upstream: str | os.PathLike) -> str:
    """GPU_IDS or TORCHRUN from train.py's options ({dest: ...}); UpstreamError for anything else."""
    missing = [flag for flag in DRIVEN_FLAGS if flag not in train_options]
    if missing:
        raise UpstreamError(f"{upstream}: its train.py has no --{missing[0]}; not an upstream this project knows "
                            f"({'; '.join(FLAVOURS.values())})")
    if GPU_IDS in train_options:
        return GPU_IDS
    if "use_wandb" in train_options:
        return TORCHRUN
    raise UpstreamError(f"{upstream}: its train.py takes neither --gpu_ids ({FLAVOURS[GPU_IDS]}) nor --use_wandb "
                        f"({FLAVOURS[TORCHRUN]}); not an upstream this project knows")


def read_options(upstream: Path, python: str, model: str, dataset_mode: str) -> dict:
    """{"train": {dest: {"default", "switch"}}, "test": {...}, "ddp_refused_norms": [...]} from the
    checkout's own parsers (a subprocess inside it). UpstreamError (one line) when it cannot tell."""
    for needed in ("options/train_options.py", "options/test_options.py"):
        if not (upstream / needed).is_file():
            raise UpstreamError(f"{upstream} has train.py but no {needed}; not an upstream this project knows "
                                f"({'; '.join(FLAVOURS.values())})")
    env = dict(os.environ, PYTHONPATH=str(upstream), PYTHONDONTWRITEBYTECODE="1")
    proc = subprocess.run([python, str(Path(__file__).resolve()), model, dataset_mode], cwd=upstream,
                          capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise UpstreamError(f"cannot read upstream's options for --model {model} --dataset_mode {dataset_mode} "
                            f"in {upstream}: {last}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ---- the probe: runs inside the upstream tree (cwd and PYTHONPATH) ------------------------------------------

def register_plugin(package: str, module: str) -> None:
    """Make plugins/<module>.py importable as <package>.<module> when upstream's tree has no link to it yet."""
    source = PLUGIN_DIR / f"{module}.py"
    name = f"{package}.{module}"
    linked = Path(importlib.import_module(package).__file__).parent / f"{module}.py"
    if name in sys.modules or not source.is_file() or linked.exists():
        return
    spec = importlib.util.spec_from_file_location(name, source)
    loaded = importlib.util.module_from_spec(spec)
    sys.modules[name] = loaded
    spec.loader.exec_module(loaded)


def describe(options_class, model: str, dataset_mode: str) -> dict:
    """{dest: {"default": ..., "switch": bool}} of one upstream script's parser."""
    import data
    import models
    register_plugin("models", f"{model}_model")
    register_plugin("data", f"{dataset_mode}_dataset")
    options = options_class()
    parser = options.initialize(argparse.ArgumentParser())
    parser = models.get_option_setter(model)(parser, options.isTrain)
    parser = data.get_option_setter(dataset_mode)(parser, options.isTrain)
    return {action.dest: {"default": parser.get_default(action.dest), "switch": action.nargs == 0}
            for action in parser._actions if action.option_strings and action.dest != "help"}


def ddp_refused_norms() -> list[str]:
    """Norms that upstream's BaseModel.setup raises for under DDP, read from its code
    (2a7afba raises for `syncbatch`, the one it means to ask for: its check is inverted)."""
    try:
        from models.base_model import BaseModel
        source = inspect.getsource(BaseModel.setup)
    except (ImportError, AttributeError, OSError, TypeError):
        return []
    return sorted(set(re.findall(r"norm\s*==\s*['\"](\w+)['\"]\s*:\s*\n\s*raise\b", source)))


if __name__ == "__main__":
    from options.test_options import TestOptions
    from options.train_options import TrainOptions
    model_name, mode = sys.argv[1], sys.argv[2]
    print(json.dumps({"train": describe(TrainOptions, model_name, mode), "test": describe(TestOptions, model_name, mode),
                      "ddp_refused_norms": ddp_refused_norms()}, default=str))
