"""Running upstream scripts from tests, with their output shown when they fail."""
from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from plugins.upstream import parsers as upstream_options
from plugins.upstream.parsers import GPU_IDS


def run_upstream(upstream: Path, script: str, *args: str, check: bool = True,
                 timeout: float = 900) -> subprocess.CompletedProcess:
    """Run a script (upstream's, or ours) in the upstream tree with upstream importable.

    With `check`, a non-zero exit fails the test with the tail of its output.
    """
    env = dict(os.environ, PYTHONUNBUFFERED="1", PYTHONPATH=str(upstream))
    proc = subprocess.run([sys.executable, str(upstream / script), *args], cwd=upstream,
                          capture_output=True, text=True, timeout=timeout, env=env)
    if check and proc.returncode != 0:
        pytest.fail(f"{script} exited {proc.returncode}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc


def photo_dataroot(photo_dir: Path, root: Path) -> Path:
    """A dataroot whose train/ and test/ hold the test photos."""
    for phase in ("train", "test"):
        shutil.copytree(photo_dir, root / phase)
    return root


@functools.lru_cache
def flavour_of(upstream: Path) -> str:
    """GPU_IDS or TORCHRUN, from the checkout's own parsers."""
    options = upstream_options.read_options(upstream, sys.executable, "restore", "pixelated")
    return upstream_options.flavour(options["train"], upstream)


def cpu_flags(upstream: Path) -> list[str]:
    """Flags that keep a run on the CPU: --gpu_ids -1 where upstream has it (the newer one uses
    the CPU when it sees no GPU)."""
    return ["--gpu_ids", "-1"] if flavour_of(upstream) == GPU_IDS else []


def tiny_run_flags(dataroot: Path, name: str, model: str, checkpoints: Path, upstream: Path) -> list[str]:
    """Flags shared by train.py and test.py for a tiny CPU run: unet_128, 128 px, pixel size 32."""
    return ["--dataroot", str(dataroot), "--name", name, "--model", model, "--dataset_mode", "pixelated",
            "--netG", "unet_128", "--crop_size", "128", "--load_size", "128", *cpu_flags(upstream),
            "--checkpoints_dir", str(checkpoints), "--pixel_size", "32"]


def one_epoch(upstream: Path) -> list[str]:
    """train.py flags for one quick epoch on 4 images, every epoch saved, no visdom (where upstream has it)."""
    quiet = ["--display_id", "0"] if flavour_of(upstream) == GPU_IDS else []
    return ["--n_epochs", "1", "--n_epochs_decay", "0", *quiet, "--save_epoch_freq", "1", "--max_dataset_size", "4",
            "--num_threads", "0"]
