"""The `pixelated` dataset mode inside the real upstream, and the builder beside it."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
import torchvision.transforms as T
from PIL import Image

from plugins.data import make_pixelated
from plugins.data import pixelation
from plugins.evaluation import validation

from .upstream_runner import cpu_flags, flavour_of, one_epoch, photo_dataroot, run_upstream, tiny_run_flags

HERE = Path(__file__).resolve().parent

to_tensor = T.Compose([T.ToTensor(), T.Normalize((0.5,) * 3, (0.5,) * 3)])


def probe(upstream, out, count, phase, *flags, check=True):
    out.mkdir(parents=True, exist_ok=True)
    return run_upstream(upstream, str(HERE / "dataset_probe.py"), str(out), str(count), phase, "--",
                        "--dataset_mode", "pixelated", *cpu_flags(upstream), "--model", "pix2pix", *flags,
                        check=check)


@pytest.fixture(scope="module")
def built(photo_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("built") / "ds"
    make_pixelated.build(photo_dir, out, "8:24", size=64, test=4, progress=False)
    return out


def test_train_phase_tensors(upstream, photo_dir, tmp_path):
    root = tmp_path / "root"
    shutil.copytree(photo_dir, root / "train")
    out = probe(upstream, tmp_path / "s", 3, "train", "--dataroot", str(root),
                "--load_size", "72", "--crop_size", "64", "--pixel_size", "8:16")
    assert "PixelatedDataset" in out.stdout and "length: 8" in out.stdout
    for i in range(3):
        a, b = torch.load(tmp_path / "s" / f"{i}_A.pt"), torch.load(tmp_path / "s" / f"{i}_B.pt")
        assert a.shape == b.shape == (3, 64, 64)
        assert a.min() >= -1 and a.max() <= 1 and b.min() >= -1 and b.max() <= 1
        size = pixelation.recover_pixel_size(np.asarray(((a.permute(1, 2, 0) + 1) * 127.5).round().byte()))
        assert 8 <= size <= 16


def test_builder_test_a_equals_the_modes_test_phase_a(upstream, built, tmp_path):
    for source in ("B", "AB"):  # plain photos, and aligned A|B images (auto source)
        samples = tmp_path / source
        probe(upstream, samples, 4, "test", "--dataroot", str(built / source), "--load_size", "64",
              "--crop_size", "64", "--pixel_size", "8:24")
        names = sorted(p.name for p in (built / "A" / "test").iterdir())
        for i, name in enumerate(names):
            expected_a = to_tensor(Image.open(built / "A" / "test" / name))
            expected_b = to_tensor(Image.open(built / "B" / "test" / name))
            assert torch.equal(torch.load(samples / f"{i}_A.pt"), expected_a), (source, name)
            assert torch.equal(torch.load(samples / f"{i}_B.pt"), expected_b), (source, name)


def test_test_phase_crops_are_the_same_for_every_run(upstream, built, tmp_path):
    for run in ("one", "two"):  # load_size > crop_size: upstream crops at random positions
        probe(upstream, tmp_path / run, 4, "test", "--dataroot", str(built / "B"), "--load_size", "64",
              "--crop_size", "48", "--pixel_size", "8:24")
    for i in range(4):
        assert torch.equal(torch.load(tmp_path / "one" / f"{i}_A.pt"), torch.load(tmp_path / "two" / f"{i}_A.pt"))
        assert torch.equal(torch.load(tmp_path / "one" / f"{i}_B.pt"), torch.load(tmp_path / "two" / f"{i}_B.pt"))


def test_grayscale_and_btoa(upstream, built, tmp_path):
    probe(upstream, tmp_path / "g", 1, "test", "--dataroot", str(built / "B"), "--load_size", "64",
          "--crop_size", "64", "--pixel_size", "8", "--input_nc", "1", "--output_nc", "1", "--direction", "BtoA")
    a, b = torch.load(tmp_path / "g" / "0_A.pt"), torch.load(tmp_path / "g" / "0_B.pt")
    assert a.shape == b.shape == (1, 64, 64)
    # BtoA: pix2pix feeds input['B'] to the generator, so B is the pixelated one
    assert pixelation.recover_pixel_size(((b[0] + 1) * 127.5).round().byte().numpy()) == 8
    assert pixelation.recover_pixel_size(((a[0] + 1) * 127.5).round().byte().numpy()) is None


@pytest.mark.parametrize("flags, message", [
    (["--pixel_size", "abc"], "--pixel_size"),
    (["--pixel_size", "100"], "larger than the image size"),
    (["--pixel_down", "cubic"], "--pixel_down"),
])
def test_bad_flags_are_one_line_errors(upstream, built, tmp_path, flags, message):
    proc = probe(upstream, tmp_path, 1, "test", "--dataroot", str(built / "B"), "--crop_size", "64", *flags,
                 check=False)
    assert proc.returncode != 0 and message in proc.stderr.strip().splitlines()[-1]


def test_missing_phase_and_bad_image(upstream, tmp_path):
    root = tmp_path / "r"
    (root / "test").mkdir(parents=True)
    (root / "test" / "broken.png").write_bytes(b"nope")
    missing = probe(upstream, tmp_path, 0, "test", "--dataroot", str(tmp_path / "none"), check=False)
    assert "no folder" in missing.stderr.strip().splitlines()[-1]
    bad = probe(upstream, tmp_path, 0, "test", "--dataroot", str(root), check=False)
    assert "broken.png: unreadable image" in bad.stderr.strip().splitlines()[-1]
    skipped = probe(upstream, tmp_path, 0, "test", "--dataroot", str(root), "--pixel_skip_bad", check=False)
    assert "skipped unreadable image" in skipped.stdout and "no images under" in skipped.stderr


def test_train_test_evaluate(upstream, photo_dir, tmp_path):
    common = tiny_run_flags(photo_dataroot(photo_dir, tmp_path / "root"), "px", "pix2pix", tmp_path / "ck", upstream)
    run_upstream(upstream, "train.py", *common, *one_epoch(upstream))
    assert (tmp_path / "ck" / "px" / "1_net_G.pth").exists()
    run_upstream(upstream, "test.py", *common, "--results_dir", str(tmp_path / "res"), "--epoch", "1",
                 "--eval", "--num_test", "4")
    images = tmp_path / "res" / "px" / "test_1" / "images"
    real_a = sorted(images.glob("*_real_A.png"))
    assert len(real_a) == 4
    for path in real_a:
        a = np.asarray(Image.open(path))
        b = np.asarray(Image.open(str(path).replace("_real_A", "_real_B")))
        assert pixelation.recover_pixel_size(a) == 32
        assert pixelation.recover_pixel_size(b) is None
        photo = np.asarray(Image.open(photo_dir / path.name.replace("_real_A", "")).resize((128, 128), Image.BICUBIC))
        assert np.abs(b.astype(int) - photo).max() <= 1  # upstream's tensor2im truncates
    # and the evaluation of what upstream's test.py wrote
    from plugins import evaluate
    assert evaluate.main(["--results_dir", str(tmp_path / "res"), "--quiet", "--workers", "1"]) == 0
    import json
    summary = json.loads((images.parent / "summary.json").read_text())
    assert summary["count"] == 4 and not summary["skipped"]
    assert summary["metrics"]["input"]["psnr"]["mean"] > 15
    assert summary["metrics"]["bicubic"]["psnr"]["n"] == 4  # pixel grid recovered on every real_A


MOSAIC = ["--pixel_block", "3:4.6", "--pixel_offset", "--pixel_jpeg", "80:90", "--pixel_down", "box,bilinear"]


@pytest.mark.parametrize("phase", ["train", "test"])
def test_mosaics_made_elsewhere_are_read_back_on_the_models_grid(upstream, photo_dir, tmp_path, phase):
    """--pixel_block/--pixel_offset/--pixel_jpeg: the model's input is whole 4 px blocks from the corner
    (the restore command's view of a mosaic made elsewhere), the target a photo, both 64 px."""
    root = photo_dataroot(photo_dir, tmp_path / "root")
    out = probe(upstream, tmp_path / "s", 4, phase, "--dataroot", str(root), "--load_size", "64", "--crop_size", "64",
                "--pixel_size", "16", *MOSAIC)
    assert "PixelatedDataset" in out.stdout
    for i in range(4):
        a, b = torch.load(tmp_path / "s" / f"{i}_A.pt"), torch.load(tmp_path / "s" / f"{i}_B.pt")
        assert a.shape == b.shape == (3, 64, 64)
        blocks = a.reshape(3, 16, 4, 16, 4)
        assert torch.equal(blocks, blocks[:, :, :1, :, :1].expand_as(blocks))  # constant 4x4 blocks from the corner
        assert (a - b).abs().mean() > 0.01 and b.reshape(3, 16, 4, 16, 4).std(dim=(2, 4)).mean() > 0.001


def test_mosaic_test_phase_is_the_same_for_every_run(upstream, photo_dir, tmp_path):
    root = photo_dataroot(photo_dir, tmp_path / "root")
    for run in ("one", "two"):
        probe(upstream, tmp_path / run, 3, "test", "--dataroot", str(root), "--crop_size", "64", "--pixel_size", "16",
              *MOSAIC)
    for i in range(3):
        assert torch.equal(torch.load(tmp_path / "one" / f"{i}_A.pt"), torch.load(tmp_path / "two" / f"{i}_A.pt"))


def same_samples(one, two, count):
    return all(torch.equal(torch.load(one / f"{i}_{k}.pt"), torch.load(two / f"{i}_{k}.pt"))
               for i in range(count) for k in "AB")


def test_the_training_seed_draws_the_same_mosaics(upstream, photo_dir, tmp_path):
    root = photo_dataroot(photo_dir, tmp_path / "root")
    for run in ("one", "two", "unseeded"):
        seed = ["--pixel_train_seed", "0"] if run != "unseeded" else []
        probe(upstream, tmp_path / run, 4, "train", "--dataroot", str(root), "--crop_size", "64",
              "--pixel_size", "16", *MOSAIC, *seed)
    assert same_samples(tmp_path / "one", tmp_path / "two", 4)
    assert not same_samples(tmp_path / "one", tmp_path / "unseeded", 4)


def test_the_photo_cache_changes_no_sample(upstream, photo_dir, tmp_path):
    root = photo_dataroot(photo_dir, tmp_path / "root")
    count = 2 * len(list((root / "test").iterdir()))  # every photo served twice: the second time from the cache
    for run, cache in (("decoded", "0"), ("cached", "64")):
        probe(upstream, tmp_path / run, count, "test", "--dataroot", str(root), "--crop_size", "64",
              "--pixel_size", "16", *MOSAIC, "--pixel_cache_mb", cache)
    assert same_samples(tmp_path / "decoded", tmp_path / "cached", count)


@pytest.mark.parametrize("flags, message", [
    (["--pixel_block", "0.5:4"], "--pixel_block"),
    (["--pixel_block", "4", "--pixel_jpeg", "0:101"], "--pixel_jpeg"),
    (["--pixel_block", "4", "--pixel_jpeg", "90", "--pixel_jpeg_share", "2"], "--pixel_jpeg_share"),
    (["--pixel_block", "4", "--pixel_size", "8:16"], "one --pixel_size"),
    (["--pixel_block", "4", "--pixel_cache_mb", "-1"], "--pixel_cache_mb"),
])
def test_impossible_mosaic_options_are_one_line_errors(upstream, photo_dir, tmp_path, flags, message):
    root = photo_dataroot(photo_dir, tmp_path / "root")
    proc = probe(upstream, tmp_path, 1, "test", "--dataroot", str(root), "--crop_size", "64", "--pixel_size", "16",
                 *flags, check=False)
    assert proc.returncode != 0 and message in proc.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize("net, speed", [("srnet_2blocks", []),
                                        ("srlite_2blocks", ["--bf16", "--pixel_cache_mb", "64"])],  # as the bundled
                         ids=["srnet_float32", "srlite_bf16_cached"])
def test_one_epoch_of_mosaics_through_train_py(upstream, photo_dir, tmp_path, net, speed):
    root = photo_dataroot(photo_dir, tmp_path / "root")
    common = tiny_run_flags(root, "mo", "restore", tmp_path / "ck", upstream)
    proc = run_upstream(upstream, "train.py", *common, *one_epoch(upstream), "--netG", net, "--ngf", "8",
                        "--residual", "--base", "bicubic", "--lambda_GAN", "0", "--pixel_block", "2:2.5",
                        "--pixel_offset", "--pixel_jpeg", "75:95", "--pixel_jpeg_share", "0.5", "--pixel_train_seed",
                        "0", "--val_dataroot", str(root / "test"), "--val_size", "3", *speed)
    assert (tmp_path / "ck" / "mo" / "1_net_G.pth").exists()
    # validation scores mosaics made as the training samples are
    assert f"validation: 3 mosaics of {len(list((root / 'test').iterdir()))} photos" in proc.stdout
    assert [row["epoch"] for row in validation.read_log(tmp_path / "ck" / "mo" / "val_log.csv")] == [1]
    assert "pixel_block: 2:2.5" in (tmp_path / "ck" / "mo" / "train_opt.txt").read_text()
    assert f"netG: {net}" in (tmp_path / "ck" / "mo" / "train_opt.txt").read_text()


def test_the_bundling_command_dry_run_names_its_train_py_command(upstream):
    import os
    import subprocess
    import sys
    env = dict(os.environ, PIX2PIX_UPSTREAM=str(upstream))
    proc = subprocess.run([sys.executable, "-m", "plugins.restore.bundle", "--dry_run"], capture_output=True,
                          text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    line = proc.stdout.strip().splitlines()[-1]
    assert str(upstream / "train.py") in line and "--pixel_block" in line and "--pixel_jpeg" in line
    assert ("--gpu_ids -1" in line) == (flavour_of(upstream) == "gpu_ids")
