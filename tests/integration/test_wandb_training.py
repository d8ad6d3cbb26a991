"""`train.py --model restore --use_wandb` offline: every loss and live metric goes to wandb and loss_log.txt."""
from __future__ import annotations

import pytest

from .upstream_runner import one_epoch, photo_dataroot, run_upstream, tiny_run_flags


def test_live_metrics_go_to_wandb_offline(upstream, photo_dir, tmp_path, monkeypatch):
    pytest.importorskip("wandb")
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_DIR", str(tmp_path / "wb"))
    (tmp_path / "wb").mkdir()
    common = tiny_run_flags(photo_dataroot(photo_dir, tmp_path / "root"), "wb", "restore", tmp_path / "ck", upstream)
    proc = run_upstream(upstream, "train.py", *common, *one_epoch(upstream), "--residual", "--use_wandb",
                        "--print_freq", "1")
    assert "wandb sync" in proc.stdout + proc.stderr
    runs = list((tmp_path / "wb" / "wandb").glob("offline-run-*/run-*.wandb"))
    assert len(runs) == 1
    logged = runs[0].read_bytes()
    log = (tmp_path / "ck" / "wb" / "loss_log.txt").read_text()
    for key in ("G_GAN", "G_L1", "psnr_fake", "psnr_input", "cos_fake", "cos_input"):
        assert key.encode() in logged  # upstream's visualizer logs every key of get_current_losses
        assert f"{key}: " in log
