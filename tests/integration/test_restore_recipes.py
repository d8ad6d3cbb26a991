"""The restoration levers inside the real upstream: bicubic base, lambda_GAN 0, srnet, validation, --epoch best."""
from __future__ import annotations

import csv

import torch

from plugins import evaluate
from plugins.data import sample_photos

from .upstream_runner import one_epoch, photo_dataroot, run_upstream, tiny_run_flags

SRNET = ["--netG", "srnet_2blocks", "--ngf", "16", "--residual", "--base", "bicubic"]


def flags(upstream, photo_dir, tmp_path, name, *extra):
    common = tiny_run_flags(photo_dataroot(photo_dir, tmp_path / "root"), name, "restore", tmp_path / "ck", upstream)
    return [*common, *extra]


def test_zero_generator_scores_exactly_the_bicubic_row(upstream, photo_dir, tmp_path):
    common = flags(upstream, photo_dir, tmp_path, "zero", *SRNET, "--pixel_size", "20:40")
    run_upstream(upstream, "train.py", *common, *one_epoch(upstream), "--lambda_GAN", "0")
    ck = tmp_path / "ck" / "zero"
    state = torch.load(ck / "1_net_G.pth", weights_only=True)
    torch.save({k: torch.zeros_like(v) for k, v in state.items()}, ck / "1_net_G.pth")
    run_upstream(upstream, "test.py", *common, "--results_dir", str(tmp_path / "res"), "--epoch", "1",
                 "--eval", "--num_test", "6")
    summary = evaluate.main(["--results_dir", str(tmp_path / "res" / "zero" / "test_1"), "--metrics", "psnr,cosine"])
    assert summary == 0
    with open(tmp_path / "res" / "zero" / "test_1" / "metrics.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 6
    for row in rows:
        assert row["psnr_model"] == row["psnr_bicubic"] and row["cosine_model"] == row["cosine_bicubic"]


def test_lambda_gan_zero_has_no_discriminator(upstream, photo_dir, tmp_path):
    common = flags(upstream, photo_dir, tmp_path, "l1", *SRNET)
    run_upstream(upstream, "train.py", *common, *one_epoch(upstream), "--lambda_GAN", "0", "--print_freq", "1")
    ck = tmp_path / "ck" / "l1"
    assert {p.name for p in ck.glob("*.pth")} == {"1_net_G.pth", "latest_net_G.pth"}
    log = (ck / "loss_log.txt").read_text()
    assert "G_L1: " in log and "psnr_fake: " in log
    assert "D_real" not in log and "G_GAN" not in log


def test_validation_keeps_the_best_epoch_and_test_loads_it(upstream, photo_dir, tmp_path):
    val = tmp_path / "val"
    val.mkdir()
    for name in ("coffee.png", "hubble_deep_field.jpg"):
        sample_photos.load_source(name).save(val / (name.split(".")[0] + ".png"))
    common = flags(upstream, photo_dir, tmp_path, "val", *SRNET)
    proc = run_upstream(upstream, "train.py", *common, *one_epoch(upstream), "--n_epochs", "2", "--lambda_GAN", "0",
                        "--val_dataroot", str(val), "--val_size", "6", "--save_best", "--pixel_repeat", "2",
                        "--pixel_rotate", "--preprocess", "crop", "--crop_size", "64")
    ck = tmp_path / "ck" / "val"
    with open(ck / "val_log.csv") as f:
        rows = list(csv.DictReader(f))
    assert [r["epoch"] for r in rows] == ["1", "2"]
    assert "validation epoch 2: PSNR model" in proc.stdout
    best = max(rows, key=lambda r: float(r["psnr_model"]))
    assert (ck / "best_net_G.pth").exists() and rows[0]["best"] == "1"
    assert torch.equal(torch.load(ck / "best_net_G.pth", weights_only=True)["tail.3.weight"],
                       torch.load(ck / f"{best['epoch']}_net_G.pth", weights_only=True)["tail.3.weight"])
    run_upstream(upstream, "test.py", *common, "--results_dir", str(tmp_path / "res"), "--epoch", "best",
                 "--eval", "--num_test", "2")
    assert len(list((tmp_path / "res" / "val" / "test_best" / "images").glob("*_fake_B.png"))) == 2
