"""A real 2-run sweep through upstream's train.py and test.py on CPU."""
from __future__ import annotations

import csv
import shutil

from plugins import sweep


def test_two_run_sweep_on_cpu(upstream, photo_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("PIX2PIX_UPSTREAM", str(upstream))
    data = tmp_path / "data"
    for phase in ("train", "test"):
        shutil.copytree(photo_dir, data / phase)
    code = sweep.main(["--grid", "lr=0.0002,0.002", "--test_epochs", "1,2", "--num_test", "4",
                       "--sweep_dir", str(tmp_path / "sw"), "--gpus", "cpu", "--",
                       "--dataroot", str(data), "--model", "restore", "--dataset_mode", "pixelated",
                       "--netG", "unet_128", "--crop_size", "128", "--load_size", "128", "--pixel_size", "32",
                       "--n_epochs", "2", "--n_epochs_decay", "0", "--max_dataset_size", "4",
                       "--display_id", "0", "--num_threads", "0"])
    assert code == 0
    with open(tmp_path / "sw" / "sweep.csv") as f:
        rows = list(csv.DictReader(f))
    assert [(r["run"], r["epoch"], r["status"]) for r in rows] == [
        ("BS1_N2_D0", "1", "done"), ("BS1_N2_D0", "2", "done"),
        ("BS1_N2_D0_LRx10", "1", "done"), ("BS1_N2_D0_LRx10", "2", "done")]
    for row in rows:
        assert row["count"] == "4" and float(row["psnr_input"]) > 15 and float(row["psnr_model"]) > 0
        assert float(row["train_sec_per_epoch"]) >= 0
    assert (tmp_path / "sw" / "checkpoints" / "BS1_N2_D0" / "train.log").exists()
    assert (tmp_path / "sw" / "results" / "BS1_N2_D0" / "test_2" / "index.html").exists()
