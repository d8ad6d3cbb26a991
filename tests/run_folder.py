"""A trained run's folder as upstream train.py leaves it, for tests without upstream."""
from __future__ import annotations

from pathlib import Path

import torch

from plugins.testing import train_opt
from plugins.upstream import checkpoint_files

# what a tiny `--model restore --residual --dataset_mode pixelated` run prints (and more)
TINY_RUN = {"checkpoints_dir": "./checkpoints", "crop_size": 128, "display_server": "http://localhost",
            "gpu_ids": "-1", "init_gain": 0.02, "init_type": "normal", "input_nc": 3, "lr": 0.0002,
            "max_dataset_size": float("inf"), "name": "tiny", "netG": "unet_128", "ngf": 64, "no_dropout": False,
            "norm": "batch", "output_nc": 3, "pixel_size": "32", "residual": True, "suffix": ""}
DEFAULTS = {"crop_size": 256, "gpu_ids": "0", "name": "experiment_name", "netG": "unet_256", "pixel_size": "64",
            "residual": False}


def write_run(root: Path, name: str, options: dict, state_dict: dict | None = None,
              epochs: tuple[str, ...] = ("latest",)) -> Path:
    """checkpoints_dir/name with train_opt.txt and <epoch>_net_G.pth files; returns the run folder."""
    run = root / name
    run.mkdir(parents=True, exist_ok=True)
    (run / "train_opt.txt").write_text(train_opt.option_table({**options, "name": name}, DEFAULTS))
    for epoch in epochs:
        torch.save(state_dict if state_dict is not None else {}, checkpoint_files.net_file(run, epoch))
    return run
