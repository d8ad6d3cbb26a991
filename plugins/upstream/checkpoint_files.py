"""Upstream's checkpoint file names, known here only: <checkpoints_dir>/<name>/<epoch>_net_<net>.pth.

BaseModel.save_networks writes one file per network (G, D) and epoch label:
a number, `latest`, or (the restore model's --save_best) `best`.
"""
from __future__ import annotations

import re
from pathlib import Path

NET_FILE = re.compile(r"(?P<epoch>.+?)_net_(?P<net>[^_]+)\.pth")


def net_file(run_dir: Path, epoch: str | int, net: str = "G") -> Path:
    """The checkpoint of network `net` at `epoch` in a run folder."""
    return Path(run_dir) / f"{epoch}_net_{net}.pth"


def saved_epochs(run_dir: Path, net: str = "G") -> list[str]:
    """Epoch labels with a checkpoint of `net` in run_dir: numbers ascending, then names (latest, best)."""
    found = (NET_FILE.fullmatch(p.name) for p in Path(run_dir).glob(f"*_net_{net}.pth"))
    labels = [m.group("epoch") for m in found if m and m.group("net") == net]
    return sorted(labels, key=lambda e: (0, int(e), "") if e.isdigit() else (1, 0, e))
