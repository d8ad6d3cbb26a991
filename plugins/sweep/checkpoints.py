"""Which saved epochs of a training can be trusted: every network's checkpoint of the epoch loads.

Upstream saves with a plain torch.save, G before D, so a kill during a save
leaves a truncated <epoch>_net_G.pth, or G without D, and a resume that
trusts the newest file name fails on every rerun. Here the newest epoch is
loaded (torch.load with weights_only) network by network; a torn one has its
files moved into broken/ with a one-line notice and the next older epoch is
tried. Only the newest save can be torn, so the first complete epoch vouches
for the older ones.
"""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Iterable

from plugins.sweep.plan import saved_epochs

NET_FILE = re.compile(r"(?:\d+|latest)_net_(?P<net>\w+)\.pth")
ASIDE = "broken"


def network_names(file_names: Iterable[str]) -> set[str]:
    """The networks a training saves ({'G', 'D'} for pix2pix), from its checkpoint file names."""
    return {m.group("net") for m in map(NET_FILE.fullmatch, file_names) if m}


def load_problem(path: Path) -> str | None:
    """Why a checkpoint file does not load with torch.load(weights_only=True), or None when it does."""
    import torch
    if not path.is_file():
        return f"{path.name} missing"
    try:
        torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # truncated zip, bad pickle, EOF: torch raises many kinds
        first = (str(err).strip().splitlines() or [type(err).__name__])[0]
        return f"{path.name} does not load ({first[:120]})"
    return None


def move_aside(run_dir: Path, epoch: int) -> list[str]:
    """Move <epoch>_net_*.pth into run_dir/broken/ (never over an earlier one); their names there."""
    aside = run_dir / ASIDE
    aside.mkdir(exist_ok=True)
    moved = []
    for path in sorted(run_dir.glob(f"{epoch}_net_*.pth")):
        target, n = aside / path.name, 0
        while target.exists():
            n += 1
            target = aside / f"{path.name}.{n}"
        os.replace(path, target)
        moved.append(target.name)
    return moved


def complete_epochs(run_dir: Path, move_broken: bool = True) -> list[int]:
    """Saved epochs up to the newest whose every network loads, ascending. Newer torn epochs are
    moved aside (or, with move_broken False, only reported), one printed line each."""
    saved = saved_epochs(run_dir)
    nets = sorted(network_names(p.name for p in run_dir.glob("*.pth")))
    for epoch in reversed(saved):
        problems = [p for p in (load_problem(run_dir / f"{epoch}_net_{net}.pth") for net in nets) if p]
        if not problems:
            return [e for e in saved if e <= epoch]
        action = f"moved {', '.join(move_aside(run_dir, epoch))} to {run_dir / ASIDE}" if move_broken \
            else "would move its files aside"
        print(f"{run_dir.name}: the checkpoint of epoch {epoch} is torn ({'; '.join(problems)}); {action} "
              "and use the newest complete epoch", flush=True)
    return []


def link_epoch(source_dir: Path, epoch: int, run_dir: Path) -> list[str]:
    """Hard-link (else copy) source_dir's <epoch>_net_*.pth into run_dir; the names linked."""
    run_dir.mkdir(parents=True, exist_ok=True)
    names = []
    for path in sorted(source_dir.glob(f"{epoch}_net_*.pth")):
        target = run_dir / path.name
        if not target.exists():
            try:
                os.link(path, target)
            except OSError:  # a file system without hard links
                shutil.copy2(path, target)
        names.append(path.name)
    return names
