"""The recipe ablation end to end on a tiny budget: calibration, training with validation, tests, table."""
from __future__ import annotations

import json
import os
import shutil

from plugins.sweep import recipes
from plugins.data import sample_photos


def test_two_recipes_at_equal_time(upstream, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PIX2PIX_UPSTREAM", str(upstream))
    data = tmp_path / "data"
    sample_photos.write_whole_photos(data / "train", sample_photos.TRAIN_SOURCES[:3])
    sample_photos.write_whole_photos(data / "val", sample_photos.TEST_SOURCES[:1])
    sample_photos.write_whole_photos(data / "test", sample_photos.TEST_SOURCES[1:])
    # epochs of 32 crops and a budget below two of them: the least training that runs every step (two
    # epochs, validation, the best epoch), which is what this test is about
    argv = ["--dataroot", str(data), "--out", str(tmp_path / "out"), "--minutes", "0.01", "--epoch_samples", "32",
            "--recipes", "l1_only,srnet", "--tests", "128/32,256/64", "--num_test", "3", "--val_size", "3"]
    assert recipes.main(argv) == 0
    rows = json.loads((tmp_path / "out" / "recipes.json").read_text())
    assert [(r["recipe"], r["test"]) for r in rows] == [("l1_only", "128/32"), ("l1_only", "256/64"),
                                                       ("srnet", "128/32"), ("srnet", "256/64")]
    for row in rows:
        cpu = row["train_cpu_seconds"]  # measured, so only its presence is checked
        assert row["count"] == 3 and row["psnr_bicubic"] > 10 and cpu > 0
    for name in ("l1_only", "srnet"):
        record = json.loads((tmp_path / "out" / "checkpoints" / name / "recipe.json").read_text())
        assert record["epochs"] == 2 and record["epoch"] == "best"
        assert (tmp_path / "out" / "checkpoints" / name / "val_log.csv").exists()
    assert (tmp_path / "out" / "recipes_grid.png").exists() and "| srnet |" in capsys.readouterr().out
    # a test size the unet cannot take is refused in one line, before anything runs
    assert recipes.main([*argv[:-6], "--tests", "64/16"]) == 2
    assert "needs image sizes that are multiples of 128, not 64" in capsys.readouterr().err
    # a rerun finds everything done and trains nothing
    shutil.rmtree(tmp_path / "out" / "calibration")
    os.remove(tmp_path / "out" / "recipes.md")
    assert recipes.main(argv) == 0
    assert (tmp_path / "out" / "recipes.md").exists() and not (tmp_path / "out" / "calibration").exists()
