"""plugins.sweep against both upstream flavours (the stand-in upstream): flags, devices, torchrun, wandb, dry runs."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from plugins.sweep import command as sweep
from plugins.upstream import driver

from .test_sweep import fake, invocations, run_sweep, table  # noqa: F401  (fake is a fixture)

TWO_RUNS = ("--grid", "lr=0.0002,0.002", "--test_epochs", "2")
N2 = ("--n_epochs", "2", "--n_epochs_decay", "0")


@pytest.fixture
def torchrun(fake, monkeypatch):
    """The stand-in with the newer upstream's command line (no --gpu_ids, no --display_id)."""
    monkeypatch.setenv("STANDIN_FLAVOUR", "torchrun")
    return fake


def environ(root: Path, name: str) -> list[dict]:
    path = root / "sw" / "checkpoints" / name / "environ.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


def sweep_with(root: Path, *options: str, base=N2) -> int:
    """A sweep whose device options are given here (run_sweep fixes --gpus cpu)."""
    return sweep.main([*options, "--sweep_dir", str(root / "sw"), "--", "--dataroot", str(root / "data"),
                       "--model", "pix2pix", *base])


def tree(root: Path) -> dict:
    """Every path under root with its size and modification time: what a dry run must leave as it was."""
    return {str(p): (p.is_symlink(), p.stat().st_size if p.is_file() else 0, p.stat().st_mtime_ns)
            for p in sorted(root.rglob("*"))}


def test_pinned_flavour_gets_gpu_ids_and_no_visdom_window(fake):
    assert run_sweep(fake, "--grid", "lr=0.0002", "--test_epochs", "2", base=N2) == 0
    train, test = invocations(fake, "BS1_N2_D0")
    assert train[train.index("--gpu_ids") + 1] == "-1" and train[train.index("--display_id") + 1] == "0"
    assert test[test.index("--gpu_ids") + 1] == "-1" and "--display_id" not in test  # test.py has none
    assert environ(fake, "BS1_N2_D0")[0]["CUDA_VISIBLE_DEVICES"] is None  # left to --gpu_ids


def test_torchrun_flavour_gets_no_gpu_ids_and_hides_gpus_on_cpu(torchrun):
    assert run_sweep(torchrun, *TWO_RUNS, base=N2) == 0
    assert [r["status"] for r in table(torchrun)] == ["done", "done"]
    for call in invocations(torchrun, "BS1_N2_D0"):
        assert "--gpu_ids" not in call and "--display_id" not in call
    assert environ(torchrun, "BS1_N2_D0") == [{"CUDA_VISIBLE_DEVICES": "", "LOCAL_RANK": None, "WORLD_SIZE": None,
                                              "WANDB_MODE": None, "WANDB_DIR": None}]


def test_torchrun_flavour_one_training_per_gpu(torchrun):
    assert sweep_with(torchrun, "--gpus", "0,1", *TWO_RUNS) == 0
    seen = [environ(torchrun, name)[0]["CUDA_VISIBLE_DEVICES"] for name in ("BS1_N2_D0", "BS1_N2_D0_LRx10")]
    assert sorted(seen) == ["0", "1"]  # each training on its own GPU
    log = (torchrun / "sw" / "checkpoints" / "BS1_N2_D0" / "train.log").read_text()
    assert "$ CUDA_VISIBLE_DEVICES=" in log  # the log shows the command with its environment


def test_torchrun_ddp_runs_each_training_as_n_processes(torchrun, capsys):
    assert sweep_with(torchrun, "--gpus", "cpu", "--gpus_per_run", "2", "--test_epochs", "2",
                      base=(*N2, "--norm", "instance")) == 0
    out = capsys.readouterr().out
    assert "DDP: 2 processes per training (torchrun), --batch_size per process (the batch is 2x); " \
           "--norm instance is DDP-safe" in out
    assert out.index("DDP-safe") < out.index("BS1_N2_D0 epoch 2: PSNR")  # said before launching
    processes = environ(torchrun, "BS1_N2_D0")
    assert sorted(p["LOCAL_RANK"] for p in processes) == ["0", "1"] and {p["WORLD_SIZE"] for p in processes} == {"2"}
    log = (torchrun / "sw" / "checkpoints" / "BS1_N2_D0" / "train.log").read_text()
    assert "-m torch.distributed.run --standalone --nproc_per_node 2 " in log
    assert [r["status"] for r in table(torchrun)] == ["done"]


def test_ddp_on_slurm_is_a_job_with_n_gpus_running_torchrun(torchrun):
    """submitit's local executor stands in for Slurm: it shows the job its GPUs as Slurm does."""
    assert sweep_with(torchrun, "--launcher", "submitit_local", "--gpus_per_run", "2", "--time", "5",
                      "--test_epochs", "2", base=(*N2, "--norm", "instance")) == 0
    processes = environ(torchrun, "BS1_N2_D0")
    assert len(processes) == 2 and {p["CUDA_VISIBLE_DEVICES"] for p in processes} == {"0,1"}
    assert "--nproc_per_node 2 " in (torchrun / "sw" / "checkpoints" / "BS1_N2_D0" / "train.log").read_text()


def test_dry_run_shows_each_flavours_command(fake, capsys, monkeypatch):
    assert sweep_with(fake, "--dry_run", "--gpus", "0,1", "--test_epochs", "2") == 0
    assert "--save_epoch_freq 2 --gpu_ids 0\n" in capsys.readouterr().out
    monkeypatch.setenv("STANDIN_FLAVOUR", "torchrun")
    assert sweep_with(fake, "--dry_run", "--gpus", "2,3,4,5", "--gpus_per_run", "2", "--test_epochs", "2",
                      base=(*N2, "--norm", "syncbatch")) == 0
    out = capsys.readouterr().out
    assert "--norm syncbatch is DDP-safe" in out
    assert "$ CUDA_VISIBLE_DEVICES=2,3 " + sys.executable + " -m torch.distributed.run --standalone " \
           "--nproc_per_node 2 " in out and "--gpu_ids" not in out


def test_dry_run_changes_nothing_on_disk(fake, capsys):
    """No plugin links in upstream, no sweep folder, no bytecode: a plan only reads."""
    (fake / "data" / "train" / "photo.png").write_bytes(b"")
    models = fake / "standin_upstream" / "models"
    (models / "base_model.py").write_text("")
    for plugin in ("restore_model.py", "pixelated_dataset.py"):  # upstream finds plugins by these names
        assert not (models / plugin).exists()
    before = tree(fake)
    assert run_sweep(fake, "--dry_run", "--grid", "n_epochs=1,2", base=("--n_epochs_decay", "0")) == 0
    assert "2 runs in 1 trainings" in capsys.readouterr().out
    assert tree(fake) == before
    assert run_sweep(fake, "--grid", "n_epochs=1,2", base=("--n_epochs_decay", "0")) == 0  # issue 14's example
    assert (models / "restore_model.py").is_symlink()  # a real run links
    assert [(r["run"], r["epoch"], r["status"]) for r in table(fake)] == [("BS1_N1_D0", "1", "done"),
                                                                         ("BS1_N2_D0", "2", "done")]


@pytest.mark.parametrize("flavour, options, base, message", [
    ("gpu_ids", ["--gpus_per_run", "2"], (), "--gpus_per_run 2 needs the newer upstream"),
    ("torchrun", ["--gpus_per_run", "2"], ("--norm", "batch"), "--norm batch is not DDP-safe"),
    ("torchrun", ["--gpus_per_run", "2", "--grid", "norm=instance,batch"], (), "--norm batch is not DDP-safe"),
    ("torchrun", [], ("--display_id", "0"), "--display_id is not an option of upstream's train.py: the "
                                            "torchrun/DDP and wandb, 2a7afba and later upstream has no visdom"),
    ("torchrun", ["--gpus", "0,1,2", "--gpus_per_run", "2"], (), "3 GPUs do not split into trainings of 2"),
    ("torchrun", ["--gpus_per_run", "2", "--gpus_per_job", "1", "--launcher", "submitit_local"], (),
     "--gpus_per_job 1 and --gpus_per_run 2 disagree"),
])
def test_device_errors_are_one_line_before_anything_runs(fake, capsys, monkeypatch, flavour, options, base,
                                                         message):
    monkeypatch.setenv("STANDIN_FLAVOUR", flavour)
    before = tree(fake)
    assert sweep_with(fake, *options, "--test_epochs", "2", base=(*N2, *base)) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert tree(fake) == before


def test_use_wandb_goes_offline_when_nothing_answers(torchrun, capsys, monkeypatch):
    monkeypatch.delenv("WANDB_MODE", raising=False)
    monkeypatch.delenv("WANDB_DIR", raising=False)
    monkeypatch.setattr(driver, "wandb_reachable", lambda timeout=3.0: False)
    assert run_sweep(torchrun, "--test_epochs", "2", base=(*N2, "--use_wandb")) == 0
    assert environ(torchrun, "BS1_N2_D0")[0]["WANDB_MODE"] == "offline"
    assert environ(torchrun, "BS1_N2_D0")[0]["WANDB_DIR"] == str((torchrun / "sw").resolve())
    assert "wandb sync" in capsys.readouterr().out
    assert "WANDB_MODE" not in os.environ  # only the trainings' environment


def test_wandb_reachable_is_false_for_a_closed_port(monkeypatch):
    monkeypatch.setenv("WANDB_BASE_URL", "http://127.0.0.1:9")
    assert driver.wandb_reachable(timeout=1) is False
