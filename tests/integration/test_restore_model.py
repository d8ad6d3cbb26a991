"""`--model restore` inside the real upstream: drop-in for pix2pix, live metrics, residual."""
from __future__ import annotations

import shutil

import numpy as np
from PIL import Image

from plugins import pixelation

from .upstream_runner import run_upstream


def test_restore_trains_logs_metrics_and_tests_residual(upstream, photo_dir, tmp_path):
    root = tmp_path / "root"
    shutil.copytree(photo_dir, root / "train")
    shutil.copytree(photo_dir, root / "test")
    common = ["--dataroot", str(root), "--name", "rs", "--model", "restore", "--dataset_mode", "pixelated",
              "--netG", "unet_128", "--crop_size", "128", "--load_size", "128", "--gpu_ids", "-1",
              "--checkpoints_dir", str(tmp_path / "ck"), "--pixel_size", "32", "--residual"]
    run_upstream(upstream, "train.py", *common, "--n_epochs", "1", "--n_epochs_decay", "0", "--display_id", "0",
                 "--save_epoch_freq", "1", "--max_dataset_size", "4", "--num_threads", "0", "--print_freq", "1")
    log = (tmp_path / "ck" / "rs" / "loss_log.txt").read_text()
    for name in ("G_GAN", "G_L1", "D_real", "D_fake", "psnr_fake", "psnr_input", "cos_fake", "cos_input"):
        assert f"{name}: " in log
    assert "residual: True" in (tmp_path / "ck" / "rs" / "train_opt.txt").read_text()
    # same checkpoint files as pix2pix
    assert {p.name for p in (tmp_path / "ck" / "rs").glob("*.pth")} == \
        {"1_net_G.pth", "1_net_D.pth", "latest_net_G.pth", "latest_net_D.pth"}
    run_upstream(upstream, "test.py", *common, "--results_dir", str(tmp_path / "res"), "--epoch", "1",
                 "--eval", "--num_test", "2")
    fakes = sorted((tmp_path / "res" / "rs" / "test_1" / "images").glob("*_fake_B.png"))
    assert len(fakes) == 2
    # one epoch of a residual model stays near its input: far closer than a fresh pix2pix output
    for fake in fakes:
        real_a = np.asarray(Image.open(str(fake).replace("fake_B", "real_A"))).astype(float)
        assert np.abs(np.asarray(Image.open(fake)).astype(float) - real_a).mean() < 40
        assert pixelation.recover_pixel_size(real_a.astype(np.uint8)) == 32
