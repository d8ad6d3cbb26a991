"""Validation once per epoch, on rank 0 only, on both upstreams' training loops (issue 21).

The loops are upstream train.py's order of calls, driven over a real
DistributedSampler in real torch.distributed processes (gloo on CPU): the
newest upstream steps the lr at each epoch's end and may run DDP, the pinned
one steps it at each epoch's start and runs in one process. Each rank
validates through plugins.upstream.epoch_end as the restore model does, and
writes val_log.csv as the restore model does.
"""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from plugins.evaluation import validation

from .conftest import REPO_ROOT

EPOCHS, SAMPLES, BATCH = 4, 7, 2

RANK = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    import torch, torch.distributed as dist
    from torch.utils.data import DataLoader
    from torch.utils.data.distributed import DistributedSampler
    from plugins.evaluation import validation
    from plugins.upstream import epoch_end

    folder, order, rank, world, epochs, samples, batch = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:])
    if world > 1:
        dist.init_process_group("gloo", init_method=f"file://{folder}/store", rank=rank, world_size=world)
    data = list(range(samples))
    sampler = DistributedSampler(data, num_replicas=world, rank=rank) if world > 1 else None
    loader = DataLoader(data, batch_size=batch, sampler=sampler, shuffle=sampler is None)
    ends = epoch_end.EpochEnds(1, samples, batch)  # as the restore model builds it
    validated = []

    def validate(epoch):  # what RestoreModel._validate_ended does, less the network
        if epoch is not None:
            validated.append(epoch)
            validation.append_epoch(Path(folder) / "val_log.csv", epoch,
                                    {k: float(epoch) for k in validation.COLUMNS[1:-1]})

    for epoch in range(1, epochs + 1):  # upstream train.py's loop
        if order == "pinned":
            validate(ends.at_lr_update())  # model.update_learning_rate() at the start of the epoch
        if sampler is not None:
            sampler.set_epoch(epoch)
        for data in loader:
            if world > 1:  # DDP's gradient all-reduce: the ranks meet at every step
                dist.all_reduce(torch.ones(1))
            validate(ends.after_batch())  # model.optimize_parameters()
        if order == "newest":
            validate(ends.at_lr_update())  # model.update_learning_rate() at the end of the epoch
    Path(folder, f"rank{rank}.json").write_text(json.dumps(validated))
    if world > 1:
        dist.destroy_process_group()
""")


def train(folder, order: str, world: int) -> list[list[int]]:
    """Run the loop in `world` processes; the epochs each rank validated."""
    procs = [subprocess.Popen([sys.executable, "-c", RANK, str(folder), order, str(rank), str(world), str(EPOCHS),
                               str(SAMPLES), str(BATCH)], cwd=REPO_ROOT) for rank in range(world)]
    assert [p.wait(timeout=120) for p in procs] == [0] * world
    return [json.loads((folder / f"rank{rank}.json").read_text()) for rank in range(world)]


@pytest.mark.parametrize("order, world", [("newest", 2), ("newest", 1), ("pinned", 1)])
def test_one_validation_row_per_epoch_written_once_by_rank_0(tmp_path, order, world):
    per_rank = train(tmp_path, order, world)
    assert per_rank[0] == list(range(1, EPOCHS + 1))
    assert all(done == [] for done in per_rank[1:])  # the other ranks skip
    rows = validation.read_log(tmp_path / "val_log.csv")
    assert [r["epoch"] for r in rows] == list(range(1, EPOCHS + 1))
    assert [r["psnr_model"] for r in rows] == [float(e) for e in range(1, EPOCHS + 1)]  # the epoch's own scores
