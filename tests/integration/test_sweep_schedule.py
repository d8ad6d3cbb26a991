"""The sweep against each upstream's lr schedule and torn checkpoints, on CPU.

Pinned upstream steps the lr at the start of each epoch, so a run of N epochs
with --n_epochs_decay 0 trains its epoch N at lr 0. A shared run is served
epoch N by a one-epoch branch from the shared training's epoch N-1; here it
is held to a standalone run: the same lr printed per epoch, and the weights
unchanged by the lr-0 epoch while batch-norm statistics move. The newest
upstream steps it at the end of each epoch: there the shared training's
epochs are the standalone run's, with the same lr per epoch.
"""
from __future__ import annotations

import csv
from pathlib import Path

import torch

from plugins.sweep import command as sweep
from plugins.upstream.parsers import GPU_IDS

from ..training_logs import lr_per_epoch
from .upstream_runner import one_epoch, photo_dataroot, run_upstream, tiny_run_flags

# train.py flags beside tiny_run_flags: 4 images, no decay (the sweep adds --display_id 0 where it exists)
QUICK = ["--n_epochs_decay", "0", "--max_dataset_size", "4", "--num_threads", "0"]
TINY = ["--model", "pix2pix", "--dataset_mode", "pixelated", "--netG", "unet_128", "--crop_size", "128",
        "--load_size", "128", "--pixel_size", "32", *QUICK]


def run_sweep(sweep_dir: Path, data: Path, *options: str, base: tuple[str, ...] = ()) -> int:
    return sweep.main([*options, "--num_test", "2", "--sweep_dir", str(sweep_dir), "--gpus", "cpu", "--",
                       "--dataroot", str(data), *TINY, *base])


def rows(sweep_dir: Path) -> dict:
    with open(sweep_dir / "sweep.csv") as f:
        return {(r["run"], int(r["epoch"])): r for r in csv.DictReader(f)}


def state(path: Path) -> tuple[dict, dict]:
    """(parameters, batch-norm running statistics) of a checkpoint."""
    saved = torch.load(path, map_location="cpu", weights_only=True)
    stats = {k: v for k, v in saved.items() if k.endswith(("running_mean", "running_var"))}
    params = {k: v for k, v in saved.items() if k not in stats and not k.endswith("num_batches_tracked")}
    return params, stats


def same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_a_shared_run_equals_a_standalone_run(upstream, upstream_flavour, photo_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("PIX2PIX_UPSTREAM", str(upstream))
    data = photo_dataroot(photo_dir, tmp_path / "data")
    assert run_sweep(tmp_path / "sw", data, "--grid", "n_epochs=2,3", "--test_epochs", "2,3") == 0
    table = rows(tmp_path / "sw")
    assert all(r["status"] == "done" for r in table.values())
    ck = tmp_path / "sw" / "checkpoints"
    # the standalone run, straight through upstream's train.py
    alone = tmp_path / "alone"
    standalone = run_upstream(upstream, "train.py", *tiny_run_flags(data, "BS1_N2_D0", "pix2pix", alone, upstream),
                              *one_epoch(upstream), "--n_epochs", "2").stdout
    if upstream_flavour != GPU_IDS:  # 2a7afba steps the lr at the end of each epoch: sharing is exact, no branch
        assert {r["training"] for r in table.values()} == {"BS1_N3_D0"}
        trunk = lr_per_epoch((ck / "BS1_N3_D0" / "train.log").read_text(), stepped_at_start=False)
        assert {e: trunk[e] for e in (1, 2)} == lr_per_epoch(standalone, stepped_at_start=False) == \
            {1: 0.0002, 2: 0.0002}
        return
    assert {k: r["training"] for k, r in table.items()} == {
        ("BS1_N2_D0", 2): "BS1_N2_D0", ("BS1_N3_D0", 2): "BS1_N3_D0", ("BS1_N3_D0", 3): "BS1_N3_D0"}
    # the lr each epoch trained at: the shared training's epoch 1, then the branch's epoch 2
    trunk = lr_per_epoch((ck / "BS1_N3_D0" / "train.log").read_text())
    shared = {1: trunk[1], **lr_per_epoch((ck / "BS1_N2_D0" / "train.log").read_text())}
    assert shared == lr_per_epoch(standalone) == {1: 0.0002, 2: 0.0}
    # at lr 0 the weights stay those of epoch 1 and only batch-norm statistics move, in both
    for net in "GD":
        branch_params, branch_stats = state(ck / "BS1_N2_D0" / f"2_net_{net}.pth")
        start_params, start_stats = state(ck / "BS1_N3_D0" / f"1_net_{net}.pth")
        assert same(branch_params, start_params)
        alone_params, alone_stats = state(alone / "BS1_N2_D0" / f"2_net_{net}.pth")
        assert same(alone_params, state(alone / "BS1_N2_D0" / f"1_net_{net}.pth")[0])
        if net == "G":  # the unet's batch norms saw another epoch of data
            assert not same(branch_stats, start_stats)
            assert not same(alone_stats, state(alone / "BS1_N2_D0" / "1_net_G.pth")[1])
    # while the shared training's own epoch 2 trained at full lr: not the 2-epoch run
    assert not same(state(ck / "BS1_N3_D0" / "2_net_G.pth")[0], state(ck / "BS1_N3_D0" / "1_net_G.pth")[0])


def test_resume_survives_a_torn_checkpoint(upstream, photo_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PIX2PIX_UPSTREAM", str(upstream))
    data = photo_dataroot(photo_dir, tmp_path / "data")
    options = ("--test_epochs", "1,2")
    assert run_sweep(tmp_path / "sw", data, *options, base=("--n_epochs", "2")) == 0
    run_dir = tmp_path / "sw" / "checkpoints" / "BS1_N2_D0"
    g = run_dir / "2_net_G.pth"
    g.write_bytes(g.read_bytes()[: g.stat().st_size // 2])  # killed while saving G: no D either
    (run_dir / "2_net_D.pth").unlink()
    (tmp_path / "sw" / "results" / "BS1_N2_D0" / "test_2" / "summary.json").unlink()
    capsys.readouterr()
    assert run_sweep(tmp_path / "sw", data, *options, base=("--n_epochs", "2")) == 0
    notice = [line for line in capsys.readouterr().out.splitlines() if "is torn" in line]
    assert len(notice) == 1 and "2_net_D.pth missing" in notice[0] and "2_net_G.pth does not load" in notice[0]
    assert [p.name for p in (run_dir / "broken").iterdir()] == ["2_net_G.pth"]
    assert "--continue_train --epoch 1 --epoch_count 2" in (run_dir / "train.log").read_text()
    assert "learning rate 0.0002000 -> 0.0000000" in (run_dir / "train.log").read_text().split("--epoch_count 2")[-1]
    torch.load(g, weights_only=True)  # whole again
    assert all(r["status"] == "done" for r in rows(tmp_path / "sw").values())
