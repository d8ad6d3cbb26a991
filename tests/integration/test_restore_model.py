"""`--model restore` inside the real upstream: drop-in for pix2pix, live metrics, residual."""
from __future__ import annotations

import numpy as np
from PIL import Image

from plugins.data import pixelation

from .upstream_runner import one_epoch, photo_dataroot, run_upstream, tiny_run_flags


def test_restore_trains_logs_metrics_and_tests_residual(upstream, photo_dir, tmp_path):
    common = tiny_run_flags(photo_dataroot(photo_dir, tmp_path / "root"), "rs", "restore", tmp_path / "ck", upstream)
    common.append("--residual")
    run_upstream(upstream, "train.py", *common, *one_epoch(upstream), "--print_freq", "1")
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
