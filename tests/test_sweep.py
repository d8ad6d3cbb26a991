"""plugins.sweep_plan (pure) and plugins.sweep end to end against a stand-in upstream."""
from __future__ import annotations

import csv
import json
import shutil
import sys
from pathlib import Path

import pytest

from plugins import sweep
from plugins.sweep_plan import (PlanError, Training, parse_epoch_times, parse_flags, parse_grid_arg, plan_runs,
                                plan_trainings, resume_point, run_name, saved_epochs, flags_for_test, to_argv,
                                flags_for_train)

from .conftest import REPO_ROOT

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

@pytest.fixture
def fake(tmp_path, monkeypatch):
    """A copy of the stand-in upstream (PIX2PIX_UPSTREAM), with its shims, and a dataroot."""
    upstream = tmp_path / "standin_upstream"
    shutil.copytree(STANDIN, upstream)
    sys.path.insert(0, str(STANDIN))
    try:
        import standin
    finally:
        sys.path.remove(str(STANDIN))
    for relative, text in standin.shim_files().items():
        (upstream / relative).parent.mkdir(parents=True, exist_ok=True)
        (upstream / relative).write_text(text)
    monkeypatch.setenv("PIX2PIX_UPSTREAM", str(upstream))
    monkeypatch.delenv("FAKE_FAIL_NAME", raising=False)
    monkeypatch.delenv("FAKE_KILL_AFTER", raising=False)
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


def test_killed_training_resumes_with_the_right_epoch_count(fake, monkeypatch):
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
    ckpt = json.loads((fake / "sw/checkpoints/BS1_N2_D2/4_net_G.pth").read_text())
    assert ckpt["weights"] == pytest.approx(0.0002 * (1 + 1 + 2 / 3 + 1 / 3))


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
                     "--grid", "lr=0.0002,0.002", "--test_epochs", "2", base=("--n_epochs", "2", "--n_epochs_decay", "0"))
    assert code == 0
    assert [r["status"] for r in table(fake)] == ["done", "done"]
    assert any((fake / "sw" / "submitit").iterdir())


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
