"""python -m plugins.restore with a model trained by the real upstream train.py."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from plugins.data import sample_photos

from .upstream_runner import one_epoch, photo_dataroot, run_upstream, tiny_run_flags


def restore_cli(upstream: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PIX2PIX_UPSTREAM=str(upstream), PYTHONUNBUFFERED="1")
    return subprocess.run([sys.executable, "-m", "plugins.restore", *args, "--quiet"], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=900)


def pixelated_elsewhere(name: str, size: tuple[int, int], block: float, down, dx: int, dy: int) -> Image.Image:
    """A photo of `size` whose grid (block px, non-integer) starts at (-dx, -dy): made bigger, then cropped."""
    width, height = size[0] + dx, size[1] + dy
    photo = sample_photos.load_source(name).resize((width, height), Image.Resampling.BICUBIC)
    small = photo.resize((round(width / block), round(height / block)), down)
    return small.resize((width, height), Image.Resampling.NEAREST).crop((dx, dy, width, height))


@pytest.fixture(scope="module")
def trained(upstream, photo_dir, tmp_path_factory) -> Path:
    """checkpoints/ with run `rc`: one epoch of `--model restore --residual` (unet_128, 4 px blocks)."""
    root = tmp_path_factory.mktemp("restore_cli")
    common = tiny_run_flags(photo_dataroot(photo_dir, root / "data"), "rc", "restore", root / "checkpoints", upstream)
    run_upstream(upstream, "train.py", *common, "--residual", *one_epoch(upstream))
    return root


def test_restores_a_jpeg_and_a_large_png_in_tiles(upstream, trained):
    work = trained
    pixelated_elsewhere("coffee.png", (300, 200), 4.6, Image.Resampling.BOX, 3, 2).save(work / "small.jpg",
                                                                                         quality=90)
    pixelated_elsewhere("astronaut.png", (1200, 900), 5.3, Image.Resampling.BILINEAR, 2, 4).save(work / "large.png")
    proc = restore_cli(upstream, work, "small.jpg", "large.png", "--name", "rc", "--out", "out", "--tile", "256")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert Image.open(work / "out" / "small_restored.png").size == (300, 200)
    assert Image.open(work / "out" / "large_restored.png").size == (1200, 900)
    lines = proc.stdout.strip().splitlines()
    assert lines[0] == "rc (latest): netG unet_128, 4 px blocks (pixel_size 32 on crop_size 128), on cpu"
    large = next(line for line in lines if line.startswith("large.png:"))
    assert "blocks 5.3" in large and "to the model's 4 px blocks" in large
    tiles = int(large.split(" tiles")[0].rsplit(" ", 1)[1])
    assert tiles > 4
    assert lines[-1] == "restored 2 of 2 images into out"
    # one epoch of a residual model stays near its input
    for name in ("small", "large"):
        source = np.asarray(Image.open(work / (name + (".jpg" if name == "small" else ".png"))).convert("RGB"))
        restored = np.asarray(Image.open(work / "out" / f"{name}_restored.png"))
        assert np.abs(restored.astype(int) - source).mean() < 20


def test_bad_inputs_and_regions_with_the_real_model(upstream, trained):
    work = trained
    photo = np.asarray(sample_photos.load_source("chelsea.png")).copy()  # 451x300
    patch = pixelated_elsewhere("coffee.png", (120, 96), 6.2, Image.Resampling.BOX, 1, 3)
    photo[50:146, 200:320] = np.asarray(patch)
    Image.fromarray(photo).save(work / "censored.png")
    Image.fromarray(photo).save(work / "cut.jpg")
    (work / "cut.jpg").write_bytes((work / "cut.jpg").read_bytes()[:3000])
    proc = restore_cli(upstream, work, "censored.png", "cut.jpg", "gone.png", "--name", "rc", "--out", "regions",
                       "--region", "200,50,120,96", "--epoch", "1")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    restored = np.asarray(Image.open(work / "regions" / "censored_restored.png"))
    outside = np.ones(photo.shape[:2], bool)
    outside[50:146, 200:320] = False
    np.testing.assert_array_equal(restored[outside], photo[outside])
    assert "skipped cut.jpg: image file is truncated" in proc.stderr
    assert "skipped gone.png: no such file or folder" in proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == \
        "restored 1 of 3 images into regions; skipped 2: 1 missing, 1 unreadable"


def test_checkpoint_of_another_architecture_and_missing_epoch(upstream, trained):
    work = trained
    other = work / "checkpoints" / "other"
    other.mkdir(exist_ok=True)
    (other / "latest_net_G.pth").write_bytes((work / "checkpoints" / "rc" / "latest_net_G.pth").read_bytes())
    text = (work / "checkpoints" / "rc" / "train_opt.txt").read_text()
    (other / "train_opt.txt").write_text(text.replace("netG: unet_128", "netG: unet_256"))
    Image.new("RGB", (64, 64)).save(work / "any.png")
    proc = restore_cli(upstream, work, "any.png", "--name", "other")
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [proc.stderr.strip()]  # one line
    assert "does not fit the generator train_opt.txt describes (netG unet_256" in proc.stderr
    proc = restore_cli(upstream, work, "any.png", "--name", "rc", "--epoch", "7")
    assert proc.returncode == 2 and "--epoch 7: no checkpoint" in proc.stderr
    assert "(this run has: 1, latest)" in proc.stderr


def test_restores_with_the_best_recipe_srnet_and_bicubic_base(upstream, photo_dir, tmp_path):
    """The recipe the demo trains (srnet, residual over the bicubic base, no GAN) restores through the CLI."""
    common = tiny_run_flags(photo_dataroot(photo_dir, tmp_path / "data"), "sr", "restore", tmp_path / "checkpoints",
                            upstream)
    run_upstream(upstream, "train.py", *common, "--residual", "--base", "bicubic", "--lambda_GAN", "0",
                 "--netG", "srnet_2blocks", "--ngf", "16", *one_epoch(upstream))
    pixelated_elsewhere("coffee.png", (300, 200), 4.6, Image.Resampling.BOX, 3, 2).save(tmp_path / "small.jpg",
                                                                                         quality=90)
    proc = restore_cli(upstream, tmp_path, "small.jpg", "--name", "sr", "--out", "out", "--epoch", "1")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[0].startswith("sr (1): netG srnet_2blocks, 4 px blocks")
    restored = np.asarray(Image.open(tmp_path / "out" / "small_restored.png"))
    assert restored.shape == (200, 300, 3)
    # a (near) zero correction of the bicubic base: smooth, close to the input's colours
    source = np.asarray(Image.open(tmp_path / "small.jpg").convert("RGB")).astype(float)
    assert np.abs(restored.astype(float) - source).mean() < 20
