"""`train.py --model restore --display_id 1` against a server from scripts/visdom.sh."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from plugins.upstream.parsers import GPU_IDS

from ..test_visdom_page import free_port
from .upstream_runner import run_upstream

REPO_ROOT = Path(__file__).resolve().parent.parent.parent


def test_live_view_shows_losses_and_metrics(upstream, upstream_flavour, photo_dir, tmp_path):
    if upstream_flavour != GPU_IDS:
        pytest.skip("this upstream has no visdom (2a7afba and later): its live view is wandb, see test_wandb_training")
    pytest.importorskip("playwright")
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    from ..visdom_page_check import inspect_page

    port = str(free_port())
    env = {"PATH": "/usr/bin:/bin", "VISDOM_PORT": port, "VISDOM_DIR": str(tmp_path / "visdom")}
    script = str(REPO_ROOT / "scripts" / "visdom.sh")
    started = subprocess.run(["bash", script, "start"], env=env, capture_output=True, text=True)
    assert started.returncode == 0, started.stdout + started.stderr
    try:
        shutil.copytree(photo_dir, tmp_path / "data" / "train")
        run_upstream(upstream, "train.py", "--dataroot", str(tmp_path / "data"), "--name", "live", "--model", "restore",
                     "--residual", "--dataset_mode", "pixelated", "--netG", "unet_128", "--crop_size", "128",
                     "--load_size", "128", "--gpu_ids", "-1", "--checkpoints_dir", str(tmp_path / "ck"),
                     "--pixel_size", "32", "--n_epochs", "1", "--n_epochs_decay", "0", "--max_dataset_size", "4",
                     "--num_threads", "0", "--display_id", "1", "--display_port", port, "--display_freq", "1",
                     "--print_freq", "1")
        found = inspect_page(port, tmp_path / "live.png", windows=3)
    finally:
        subprocess.run(["bash", script, "stop"], env=env, capture_output=True, text=True)
    titles = " ".join(found["titles"])
    assert "loss over time" in titles  # upstream's loss window
    assert "PSNR: output vs pixelated input" in titles  # the restore model's own window
    assert found["images"]  # upstream's current visuals
