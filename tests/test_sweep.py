"""plugins.sweep.plan (pure) and plugins.sweep end to end against a stand-in upstream."""
from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from plugins.sweep import checkpoints
from plugins.sweep import command as sweep
from plugins.testing import modules
from plugins.sweep.plan import (PlanError, Training, branch_last_epochs, epochs_trained, lr_steps_at_epoch_start,
                                parse_epoch_times, parse_flags, parse_grid_arg, plan_runs, plan_trainings,
                                resume_point, run_name, saved_epochs, serving_training, flags_for_test, to_argv,
                                flags_for_train)

from .conftest import REPO_ROOT
from .training_logs import lr_per_epoch

DEFAULTS = {"batch_size": 1, "n_epochs": 100, "n_epochs_decay": 100, "lr": 0.0002, "save_epoch_freq": 5,
            "gan_mode": "vanilla", "netG": "unet_256"}


def test_parse_grid_arg():
    assert parse_grid_arg("n_epochs=10,20,40") == ("n_epochs", ["10", "20", "40"])
    assert parse_grid_arg("--lr=0.0002, 0.004") == ("lr", ["0.0002", "0.004"])
    assert parse_grid_arg("n_epochs=10:150:10")[1] == [str(n) for n in range(10, 151, 10)]
    for bad in ("n_epochs", "n_epochs=", "lr= , "):
        with pytest.raises(PlanError):
            parse_grid_arg(bad)


def test_parse_flags_round_trip():
    argv = ["--dataroot", "d", "--eval", "--gpu_ids", "-1", "--lr", "0.1"]
    flags = parse_flags(argv)
    assert flags == {"dataroot": "d", "eval": True, "gpu_ids": "-1", "lr": "0.1"}
    assert to_argv(flags) == argv
    with pytest.raises(PlanError, match="unexpected argument"):
        parse_flags(["dataroot"])


@pytest.mark.parametrize("flags, axes, repeat, name", [
    ({"batch_size": "64", "n_epochs": "40", "n_epochs_decay": "0"}, {}, 1, "BS64_N40_D0"),
    ({"n_epochs": "40", "n_epochs_decay": "0", "lr": "0.004"}, {"lr": "0.004"}, 1, "BS1_N40_D0_LRx20"),
    ({"lr": "0.00002"}, {"lr": "0.00002"}, 2, "BS1_N100_D100_LRx0.1_r2"),
    ({"gan_mode": "lsgan", "netG": "unet_256"}, {"gan_mode": "lsgan", "netG": "unet_256"}, 1,
     "BS1_N100_D100_gan_mode-lsgan"),
])
def test_run_names(flags, axes, repeat, name):
    assert run_name(flags, axes, repeat, DEFAULTS) == name


def test_plan_epochs_and_errors():
    runs = plan_runs({"n_epochs": "10", "n_epochs_decay": "0"}, {}, 1, None, DEFAULTS)
    assert runs[0].test_epochs == [5, 10]
    runs = plan_runs({}, {"n_epochs": ["10", "30"], "n_epochs_decay": ["0"]}, 1, [10, 20, 30], DEFAULTS)
    assert [r.test_epochs for r in runs] == [[10], [10, 20, 30]]
    with pytest.raises(PlanError, match="never saved"):
        plan_runs({"n_epochs": "10", "n_epochs_decay": "0"}, {}, 1, [10, 20], DEFAULTS)
    with pytest.raises(PlanError, match="no values"):
        plan_runs({}, {"lr": []}, 1, None, DEFAULTS)
    # a save_epoch_freq the user fixed is honoured, and refused when it saves no tested epoch
    with pytest.raises(PlanError, match="never saved by a run of 3 epochs"):
        plan_runs({"n_epochs": "3", "n_epochs_decay": "0", "save_epoch_freq": "5"}, {}, 1, None, DEFAULTS)
    with pytest.raises(PlanError, match="--save_epoch_freq 4 never saves tested epoch 2"):
        plan_runs({"n_epochs": "4", "n_epochs_decay": "0", "save_epoch_freq": "4"}, {}, 1, [2, 4], DEFAULTS)


def test_the_sweep_saves_every_epoch_it_tests():
    """Unless the user fixes save_epoch_freq, a run tests its end too, and the training saves all it tests."""
    runs = plan_runs({"n_epochs": "3", "n_epochs_decay": "0"}, {}, 1, None, DEFAULTS)
    assert runs[0].test_epochs == [3]
    runs = plan_runs({"n_epochs_decay": "0"}, {"n_epochs": ["1", "2"]}, 1, None, DEFAULTS)  # issue 14's example
    assert [r.test_epochs for r in runs] == [[1], [2]]
    trainings = plan_trainings(runs, DEFAULTS)
    assert [(t.name, t.test_epochs, t.save_epoch_freq) for t in trainings] == [("BS1_N2_D0", [1, 2], 1)]
    runs = plan_runs({"n_epochs": "12", "n_epochs_decay": "0"}, {}, 1, None, DEFAULTS)
    assert runs[0].test_epochs == [5, 10, 12] and plan_trainings(runs, DEFAULTS)[0].save_epoch_freq == 1
    fixed = plan_runs({"n_epochs": "12", "n_epochs_decay": "0", "save_epoch_freq": "2"}, {}, 1, [4, 8], DEFAULTS)
    assert plan_trainings(fixed, DEFAULTS)[0].save_epoch_freq == 2  # the user's, since it saves 4 and 8


def test_sharing_the_study_epoch_grid():
    grid = {"n_epochs": [str(n) for n in range(10, 151, 10)], "n_epochs_decay": ["0"]}
    runs = plan_runs({"batch_size": "1"}, grid, 1, list(range(10, 151, 10)), DEFAULTS)
    trainings = plan_trainings(runs, DEFAULTS)
    assert len(trainings) == 1 and trainings[0].name == "BS1_N150_D0"
    assert trainings[0].save_epoch_freq == 10 and len(trainings[0].serves) == 15
    assert {r.training for r in runs} == {"BS1_N150_D0"}
    assert sum(t.total_epochs for t in trainings) == 150 and sum(r.total_epochs for r in runs) == 1200


def test_no_sharing_with_decay_or_other_flags():
    grid = {"n_epochs": ["10", "20"], "n_epochs_decay": ["0", "10"], "lr": ["0.0002", "0.002"]}
    runs = plan_runs({}, grid, 2, [10], DEFAULTS)
    trainings = plan_trainings(runs, DEFAULTS)
    # decay 0: N10 shares with N20 (per lr and repeat); decay 10: every run trains alone
    assert len(runs) == 16 and len(trainings) == 4 + 8
    assert len(plan_trainings(plan_runs({}, grid, 2, [10], DEFAULTS), DEFAULTS, share=False)) == 16


def test_resume_logic(tmp_path):
    t = Training("x", {}, 10, [4, 8, 10], 2)
    assert resume_point(t, []) == 0
    assert resume_point(t, [2, 4, 6]) == 6
    assert resume_point(t, [2, 4, 10]) is None
    for e in (2, 4):
        (tmp_path / f"{e}_net_G.pth").write_text("")
    (tmp_path / "latest_net_G.pth").write_text("")
    assert saved_epochs(tmp_path) == [2, 4]
    flags = flags_for_train(t, tmp_path, "0", 4)
    assert flags["continue_train"] is True and flags["epoch"] == "4" and flags["epoch_count"] == "5"
    assert flags["save_epoch_freq"] == "2" and "continue_train" not in flags_for_train(t, tmp_path, "0", 0)


def test_test_flags_keep_only_what_test_py_takes(tmp_path):
    t = Training("x", {"dataroot": "d", "lr": "0.1", "netG": "unet_128", "phase": "train"}, 10, [10], 10)
    flags = flags_for_test(t, 10, tmp_path, tmp_path, "-1", {"dataroot": {}, "netG": {}, "phase": {}})
    assert flags["netG"] == "unet_128" and "lr" not in flags and "phase" not in flags
    assert flags["eval"] is True and flags["epoch"] == "10"


def test_parse_epoch_times():
    log = "x\nEnd of epoch 1 / 4 \t Time Taken: 12 sec\nEnd of epoch 2 / 4 \t Time Taken: 10 sec\n"
    assert parse_epoch_times(log) == {1: 12.0, 2: 10.0}


# ---- end to end against tests/fixtures/standin_upstream ----------------------------------------

STANDIN = REPO_ROOT / "tests" / "fixtures" / "standin_upstream"

standin = modules.load_file(STANDIN / "standin.py")


@pytest.fixture
def fake(tmp_path, monkeypatch, request):
    """A copy of the stand-in upstream (PIX2PIX_UPSTREAM), with its shims, and a dataroot. Its train.py
    steps the lr as the pinned upstream does; parametrize with 'newest' for the newest upstream's order."""
    upstream = tmp_path / "standin_upstream"
    shutil.copytree(STANDIN, upstream)
    if getattr(request, "param", "pinned") == "newest":
        (upstream / "train.py").write_text(standin.newest_train_py((upstream / "train.py").read_text()))
    for relative, text in standin.shim_files().items():
        (upstream / relative).parent.mkdir(parents=True, exist_ok=True)
        (upstream / relative).write_text(text)
    monkeypatch.setenv("PIX2PIX_UPSTREAM", str(upstream))
    monkeypatch.delenv("FAKE_FAIL_NAME", raising=False)
    monkeypatch.delenv("FAKE_KILL_AFTER", raising=False)
    monkeypatch.delenv("FAKE_SLEEP", raising=False)
    (tmp_path / "data" / "train").mkdir(parents=True)
    return tmp_path


def run_sweep(root: Path, *options: str, base=("--n_epochs_decay", "0")) -> int:
    return sweep.main([*options, "--sweep_dir", str(root / "sw"), "--gpus", "cpu", "--",
                       "--dataroot", str(root / "data"), "--model", "pix2pix", *base])


def table(root: Path) -> list[dict]:
    with open(root / "sw" / "sweep.csv") as f:
        return list(csv.DictReader(f))


def invocations(root: Path, name: str) -> list[list[str]]:
    path = root / "sw" / "checkpoints" / name / "invocations.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.mark.parametrize("fake", ["newest"], indirect=True)  # lr stepped at the end: shared epochs are exact
def test_sweep_end_to_end_with_sharing(fake, capsys):
    assert run_sweep(fake, "--grid", "n_epochs=2,4", "--grid", "lr=0.0002,0.002", "--test_epochs", "2,4") == 0
    rows = table(fake)
    assert [(r["run"], r["epoch"]) for r in rows] == [
        ("BS1_N2_D0", "2"), ("BS1_N2_D0_LRx10", "2"), ("BS1_N4_D0", "2"), ("BS1_N4_D0", "4"),
        ("BS1_N4_D0_LRx10", "2"), ("BS1_N4_D0_LRx10", "4")]
    assert all(r["status"] == "done" for r in rows)
    assert {r["training"] for r in rows} == {"BS1_N4_D0", "BS1_N4_D0_LRx10"}
    by = {(r["run"], r["epoch"]): r for r in rows}
    assert by[("BS1_N2_D0", "2")]["psnr_model"] == by[("BS1_N4_D0", "2")]["psnr_model"]  # shared weights
    assert float(by[("BS1_N4_D0", "4")]["psnr_model"]) > float(by[("BS1_N4_D0", "2")]["psnr_model"])
    assert float(rows[0]["train_sec_per_epoch"]) == 2.0 and rows[0]["lr"] == "0.0002"
    assert float(rows[0]["psnr_input"]) > 0 and rows[0]["win_rate_input"] != ""
    calls = invocations(fake, "BS1_N4_D0")
    train_call = calls[0]
    assert train_call[train_call.index("--save_epoch_freq") + 1] == "2"
    tests = [c for c in calls if c[0] == "test.py"]
    assert len(tests) == 2 and all("--eval" in c for c in tests)
    for name in ("sweep.json", "sweep.png", "index.html", "plan.json"):
        assert (fake / "sw" / name).exists()
    out = capsys.readouterr().out
    assert "BS1_N2_D0 epoch 2: PSNR" in out and "input" in out
    # rerun: nothing to do, nothing called again
    assert run_sweep(fake, "--grid", "n_epochs=2,4", "--grid", "lr=0.0002,0.002", "--test_epochs", "2,4") == 0
    assert invocations(fake, "BS1_N4_D0") == calls


# the lr factors of N2 D2's four epochs: the pinned upstream steps before each epoch, the newest after
@pytest.mark.parametrize("fake, factors", [("pinned", (1, 2 / 3, 1 / 3, 0)), ("newest", (1, 1, 2 / 3, 1 / 3))],
                         indirect=["fake"])
def test_killed_training_resumes_with_the_right_epoch_count(fake, factors, monkeypatch):
    monkeypatch.setenv("FAKE_KILL_AFTER", "2")
    assert run_sweep(fake, "--test_epochs", "2,4", base=("--n_epochs", "2", "--n_epochs_decay", "2")) == 1
    rows = table(fake)
    assert [r["status"] for r in rows] == ["failed", "failed"] and "train.py failed" in rows[0]["error"]
    monkeypatch.delenv("FAKE_KILL_AFTER")
    assert run_sweep(fake, "--test_epochs", "2,4", base=("--n_epochs", "2", "--n_epochs_decay", "2")) == 0
    calls = [c for c in invocations(fake, "BS1_N2_D2") if c[0] != "test.py"]
    resumed = calls[-1]
    assert "--continue_train" in resumed
    assert resumed[resumed.index("--epoch") + 1] == "2" and resumed[resumed.index("--epoch_count") + 1] == "3"
    assert [r["status"] for r in table(fake)] == ["done", "done"]
    # the resumed schedule equals an uninterrupted one (the stand-in sums its lr per epoch)
    ckpt = standin.load_checkpoint(fake / "sw/checkpoints/BS1_N2_D2/4_net_G.pth")
    assert ckpt["weights"] == pytest.approx(0.0002 * sum(factors))


def test_a_failing_run_is_recorded_and_the_others_go_on(fake, monkeypatch):
    monkeypatch.setenv("FAKE_FAIL_NAME", "BS1_N2_D0_LRx10")
    assert run_sweep(fake, "--grid", "lr=0.0002,0.002", "--test_epochs", "2", base=("--n_epochs", "2",
                                                                                   "--n_epochs_decay", "0")) == 1
    rows = {r["run"]: r for r in table(fake)}
    assert rows["BS1_N2_D0"]["status"] == "done"
    assert rows["BS1_N2_D0_LRx10"]["status"] == "failed"
    assert "stand-in failure" in rows["BS1_N2_D0_LRx10"]["error"]


def test_submitit_local_launcher(fake):
    code = run_sweep(fake, "--launcher", "submitit_local", "--gpus_per_job", "0", "--time", "5",
                     "--grid", "lr=0.0002,0.002", "--test_epochs", "2",
                     base=("--n_epochs", "2", "--n_epochs_decay", "0"))
    assert code == 0
    assert [r["status"] for r in table(fake)] == ["done", "done"]
    assert any((fake / "sw" / "submitit").iterdir())


@pytest.mark.parametrize("fake", ["newest"], indirect=True)
def test_dry_run_prints_plan_and_runs_nothing(fake, capsys):
    assert run_sweep(fake, "--dry_run", "--grid", "n_epochs=10:30:10", "--test_epochs", "10,20,30") == 0
    out = capsys.readouterr().out
    assert "3 runs in 1 trainings: 30 epochs trained (60 without sharing)" in out
    assert "shared by: BS1_N10_D0, BS1_N20_D0, BS1_N30_D0" in out and "train.py" in out
    assert not (fake / "sw" / "checkpoints").exists()


@pytest.mark.parametrize("options, base, message", [
    (["--grid", "lrr=0.1"], (), "--lrr is not an option"),
    (["--grid", "lr="], (), "no values"),
    (["--test_epochs", "500"], (), "never saved"),
    ([], ("--no_such_flag", "1"), "--no_such_flag is not an option"),
    ([], ("--name", "x"), "set by the sweep itself"),
    (["--grid", "n_epochs=2,4", "--test_epochs", "2,4"], ("--save_epoch_freq", "2"),
     "--save_epoch_freq 2 never saves epoch 1 of BS1_N4_D0, from which BS1_N2_D0 branches"),
])
def test_bad_input_is_one_line_before_anything_runs(fake, capsys, options, base, message):
    assert run_sweep(fake, *options, base=("--n_epochs_decay", "0", *base)) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not (fake / "sw").exists()


def test_missing_dataroot_and_upstream(fake, capsys, monkeypatch):
    assert sweep.main(["--sweep_dir", str(fake / "sw"), "--", "--dataroot", str(fake / "nope")]) == 2
    assert "no such folder" in capsys.readouterr().err
    monkeypatch.setenv("PIX2PIX_UPSTREAM", str(fake / "none"))
    assert sweep.main(["--sweep_dir", str(fake / "sw"), "--", "--dataroot", str(fake / "data")]) == 2
    assert "git submodule update --init" in capsys.readouterr().err


def test_test_every_follows_each_run():
    runs = plan_runs({"n_epochs_decay": "0"}, {"n_epochs": ["20", "30"]}, 1, None, DEFAULTS, test_every=10)
    assert [r.test_epochs for r in runs] == [[10, 20], [10, 20, 30]]


def test_bad_test_epochs_is_one_line(fake, capsys):
    assert run_sweep(fake, "--test_epochs", "ten") == 2
    assert "--test_epochs ten" in capsys.readouterr().err


# ---- the pinned lr schedule: shared runs must equal standalone ones ----------------------------

PINNED_LOOP = "for epoch in range(1, 3):\n    model.update_learning_rate()\n    for i, data in enumerate(dataset):\n"
NEWEST_LOOP = ("for epoch in range(1, 3):\n    for i, data in enumerate(dataset):\n        pass\n"
               "    model.update_learning_rate()\n")


def test_lr_schedule_is_read_from_train_py():
    assert lr_steps_at_epoch_start(PINNED_LOOP) is True
    assert lr_steps_at_epoch_start(NEWEST_LOOP) is False
    assert lr_steps_at_epoch_start("print('no loop')") is None
    text = (STANDIN / "train.py").read_text()
    assert lr_steps_at_epoch_start(text) is True and lr_steps_at_epoch_start(standin.newest_train_py(text)) is False


def test_study_epoch_grid_under_the_pinned_schedule():
    grid = {"n_epochs": [str(n) for n in range(10, 151, 10)], "n_epochs_decay": ["0"]}
    runs = plan_runs({"batch_size": "1"}, grid, 1, None, DEFAULTS, test_every=10)
    trainings = branch_last_epochs(plan_trainings(runs, DEFAULTS), runs)
    trunk, branches = trainings[0], trainings[1:]
    assert trunk.name == "BS1_N150_D0" and not trunk.trunk and trunk.test_epochs == list(range(10, 151, 10))
    assert [(b.name, b.start_epoch, b.test_epochs) for b in branches] == \
        [(f"BS1_N{n}_D0", n - 1, [n]) for n in range(10, 141, 10)]
    assert trunk.save_epoch_freq == 1  # it saves 9, 19, ... for the branches
    assert epochs_trained(trainings, runs) == (150 + 14, 1200)
    n20 = next(r for r in runs if r.name == "BS1_N20_D0")
    assert serving_training(n20, 10, trainings) == "BS1_N150_D0"  # epoch 10 < 20: full lr in both
    assert serving_training(n20, 20, trainings) == "BS1_N20_D0"  # its last epoch, at lr 0: the branch
    assert flags_for_train(branches[1], Path("ck"), "-1", branches[1].start_epoch) == {
        **n20.flags, "name": "BS1_N20_D0", "checkpoints_dir": "ck", "save_epoch_freq": "1", "gpu_ids": "-1",
        "continue_train": True, "epoch": "19", "epoch_count": "20"}


def test_a_fixed_save_epoch_freq_is_kept_under_the_pinned_schedule():
    """The user's save_epoch_freq stays the trunk's; a branch it never saves the start of is refused."""
    runs = plan_runs({"n_epochs_decay": "0", "save_epoch_freq": "2"}, {"n_epochs": ["6", "8"]}, 1, [4], DEFAULTS)
    trainings = branch_last_epochs(plan_trainings(runs, DEFAULTS), runs)
    assert [(t.name, t.save_epoch_freq) for t in trainings] == [("BS1_N8_D0", 2)]  # no branch; gcd would be 4
    runs = plan_runs({"n_epochs_decay": "0", "save_epoch_freq": "2"}, {"n_epochs": ["4", "8"]}, 1, [4, 8], DEFAULTS)
    with pytest.raises(PlanError, match="--save_epoch_freq 2 never saves epoch 3 of BS1_N8_D0, from which "
                                        "BS1_N4_D0 branches"):
        branch_last_epochs(plan_trainings(runs, DEFAULTS), runs)


def checkpoint_of(root: Path, training: str, epoch: int) -> dict:
    return standin.load_checkpoint(root / "sw" / "checkpoints" / training / f"{epoch}_net_G.pth")


def test_shared_runs_equal_standalone_runs_under_the_pinned_schedule(fake, tmp_path):
    assert run_sweep(fake, "--grid", "n_epochs=2,4", "--test_epochs", "2,4") == 0
    shared = {(r["run"], r["epoch"]): r for r in table(fake)}
    assert shared[("BS1_N2_D0", "2")]["training"] == "BS1_N2_D0"  # the branch
    assert shared[("BS1_N4_D0", "2")]["training"] == "BS1_N4_D0"
    branch = invocations(fake, "BS1_N2_D0")[0]
    assert branch[branch.index("--epoch") + 1] == "1" and branch[branch.index("--epoch_count") + 1] == "2"
    assert "--continue_train" in branch
    standalone = tmp_path / "alone"
    (standalone / "data" / "train").mkdir(parents=True)
    assert run_sweep(standalone, "--grid", "n_epochs=2", "--test_epochs", "2") == 0
    mine, its = checkpoint_of(fake, "BS1_N2_D0", 2), checkpoint_of(standalone, "BS1_N2_D0", 2)
    assert mine == its == {"epoch": 2, "weights": pytest.approx(0.0002), "bn": 2}  # epoch 2 at lr 0
    assert checkpoint_of(fake, "BS1_N4_D0", 2)["weights"] == pytest.approx(0.0004)  # what sharing served before
    # the lr each epoch trained at: the trunk's epoch 1, then the branch's epoch 2
    logs = fake / "sw" / "checkpoints"
    lrs = {**{e: lr for e, lr in lr_per_epoch((logs / "BS1_N4_D0" / "train.log").read_text()).items() if e < 2},
           **lr_per_epoch((logs / "BS1_N2_D0" / "train.log").read_text())}
    assert lrs == lr_per_epoch((standalone / "sw/checkpoints/BS1_N2_D0/train.log").read_text()) == {1: 0.0002, 2: 0}
    alone = {(r["run"], r["epoch"]): r for r in table(standalone)}
    assert shared[("BS1_N2_D0", "2")]["psnr_model"] == alone[("BS1_N2_D0", "2")]["psnr_model"]


def test_dry_run_says_which_checkpoint_serves_which_run(fake, capsys):
    assert run_sweep(fake, "--dry_run", "--grid", "n_epochs=10:30:10", "--test_epochs", "10,20,30") == 0
    out = capsys.readouterr().out
    assert "3 runs in 1 trainings + 2 one-epoch branches: 32 epochs trained (60 without sharing)" in out
    assert "steps the lr at the start of each epoch" in out
    assert "BS1_N10_D0 epoch 10: BS1_N30_D0's epoch 9 + 1 epoch at lr 0" in out
    assert "--continue_train --epoch 19 --epoch_count 20" in out
    assert not (fake / "sw" / "checkpoints").exists()


# ---- torn checkpoints ---------------------------------------------------------------------------

def tear(run_dir: Path, epoch: int) -> None:
    """A kill during upstream's save of `epoch`: G cut short, D never written."""
    g = run_dir / f"{epoch}_net_G.pth"
    g.write_bytes(g.read_bytes()[:20])
    (run_dir / f"{epoch}_net_D.pth").unlink()


def test_complete_epochs_move_torn_ones_aside(tmp_path, capsys):
    for epoch in (2, 4, 6):
        for net in "GD":
            standin.save_checkpoint(tmp_path / f"{epoch}_net_{net}.pth", {"epoch": epoch})
    (tmp_path / "6_net_D.pth").unlink()  # G saved without D
    (tmp_path / "4_net_G.pth").write_bytes(b"\x80\x02")  # truncated
    assert checkpoints.network_names(p.name for p in tmp_path.glob("*.pth")) == {"G", "D"}
    assert checkpoints.complete_epochs(tmp_path, move_broken=False) == [2]
    assert (tmp_path / "6_net_G.pth").exists()  # only reported
    assert checkpoints.complete_epochs(tmp_path) == [2]
    lines = [line for line in capsys.readouterr().out.splitlines() if "move" in line]
    assert len(lines) == 4 and "6_net_D.pth missing" in lines[-2] and "4_net_G.pth does not load" in lines[-1]
    assert sorted(p.name for p in (tmp_path / "broken").iterdir()) == ["4_net_D.pth", "4_net_G.pth", "6_net_G.pth"]
    assert saved_epochs(tmp_path) == [2]


def test_resume_survives_a_torn_checkpoint(fake, capsys):
    flags = ("--n_epochs", "4", "--n_epochs_decay", "0")
    assert run_sweep(fake, "--test_epochs", "2,4", base=flags) == 0
    run_dir = fake / "sw" / "checkpoints" / "BS1_N4_D0"
    complete = checkpoint_of(fake, "BS1_N4_D0", 4)
    tear(run_dir, 4)
    (fake / "sw" / "results" / "BS1_N4_D0" / "test_4" / "summary.json").unlink()
    capsys.readouterr()
    assert run_sweep(fake, "--test_epochs", "2,4", base=flags) == 0
    notice = [line for line in capsys.readouterr().out.splitlines() if "is torn" in line]
    assert len(notice) == 1 and "epoch 4" in notice[0] and "4_net_D.pth missing" in notice[0]
    assert sorted(p.name for p in (run_dir / "broken").iterdir()) == ["4_net_G.pth"]
    resumed = [c for c in invocations(fake, "BS1_N4_D0") if c[0] != "test.py"][-1]
    assert resumed[resumed.index("--epoch") + 1] == "2" and resumed[resumed.index("--epoch_count") + 1] == "3"
    assert checkpoint_of(fake, "BS1_N4_D0", 4) == complete
    assert [r["status"] for r in table(fake)] == ["done", "done"]


# ---- Ctrl-C ----------------------------------------------------------------------------------------

def wait_for(condition, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_ctrl_c_is_one_line_ends_the_training_and_resumes(fake):
    argv = [sys.executable, "-m", "plugins.sweep", "--test_epochs", "2", "--sweep_dir", str(fake / "sw"), "--gpus",
            "cpu", "--", "--dataroot", str(fake / "data"), "--model", "pix2pix", "--n_epochs", "2",
            "--n_epochs_decay", "0"]
    proc = subprocess.Popen(argv, cwd=REPO_ROOT, env=dict(os.environ, FAKE_SLEEP="60"), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    pid_file = fake / "sw" / "checkpoints" / "BS1_N2_D0" / "train.pid"
    try:
        wait_for(pid_file.exists)
        wait_for(lambda: pid_file.read_text() != "")
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 130
    assert err.strip().splitlines() == ["sweep: interrupted; rerun the same command to resume"]
    with pytest.raises(ProcessLookupError):  # the training ended with the sweep
        os.kill(int(pid_file.read_text()), 0)
    rerun = subprocess.run(argv, cwd=REPO_ROOT, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    assert [r["status"] for r in table(fake)] == ["done"]


def test_table_row_gains_the_best_validation_epoch(tmp_path):
    from plugins.evaluation import scores
    from plugins.evaluation import validation
    from plugins.sweep.plan import Run
    from plugins.sweep.runner import Job
    from plugins.sweep.table import table_row
    training = Training("BS1_N3_D0", {}, 3, [2, 3], 1)
    run = Run("BS1_N3_D0", {}, {}, 1, 3, [2, 3], training="BS1_N3_D0")
    job = Job(training, [run], "up", "python", str(tmp_path / "ck"), str(tmp_path / "res"), {}, 10, ".")
    means = {f"{m}_{k}": 0.5 for m in ("psnr", "cosine") for k in scores.METHODS} | {"gain_bicubic": 1.0}
    for epoch, psnr in ((1, 30.0), (2, 31.5), (3, 31.0)):
        validation.append_epoch(tmp_path / "ck" / "BS1_N3_D0" / "val_log.csv", epoch, means | {"psnr_model": psnr})
    row = table_row(run, 3, job, "pending", None)
    assert (row["best_epoch"], row["val_psnr_best"]) == (2, 31.5)
    assert "best_epoch" not in table_row(run, 3, Job(training, [run], "up", "python", str(tmp_path / "no"),
                                                     str(tmp_path / "res"), {}, 10, "."), "pending", None)
