"""The `pixelated` mode on awkward inputs: 16-bit PNGs, truncated JPEGs, images smaller than the crop."""
from __future__ import annotations

import shutil

import torch
from PIL import Image

from ..awkward_images import write_16bit_gray, write_truncated_jpeg
from .test_pixelated_dataset import probe

FLAGS = ("--load_size", "64", "--crop_size", "64", "--pixel_size", "8")


def folder(photo_dir, root, awkward: dict) -> list[str]:
    """root/test/ with photos named as `awkward` says: {name: None (a photo) or writer(path, photo)}."""
    (root / "test").mkdir(parents=True)
    sources = sorted(photo_dir.glob("*.png"))
    for source, (name, write) in zip(sources, sorted(awkward.items())):
        if write is None:
            shutil.copy(source, root / "test" / name)
        else:
            write(root / "test" / name, Image.open(source))
    return sorted(awkward)


def test_16bit_png_is_its_8bit_twin(upstream, photo_dir, tmp_path):
    root = tmp_path / "r"
    (root / "test").mkdir(parents=True)
    photo = Image.open(sorted(photo_dir.glob("*.png"))[0])
    write_16bit_gray(root / "test" / "a_deep.png", photo).save(root / "test" / "b_twin.png")
    probe(upstream, tmp_path / "s", 2, "test", "--dataroot", str(root), *FLAGS)
    deep, twin = torch.load(tmp_path / "s" / "0_B.pt"), torch.load(tmp_path / "s" / "1_B.pt")
    assert torch.equal(deep, twin) and deep.mean() < 0.6  # not washed out to white (1.0)


def test_truncated_jpeg_is_named_or_skipped_once(upstream, photo_dir, tmp_path):
    names = folder(photo_dir, tmp_path / "r", {"a.png": None, "b_cut.jpg": write_truncated_jpeg,
                                               "c_cut.jpg": write_truncated_jpeg, "d.png": None})
    stopped = probe(upstream, tmp_path / "s", 4, "test", "--dataroot", str(tmp_path / "r"), *FLAGS, check=False)
    assert stopped.returncode != 0 and "b_cut.jpg: unreadable image" in stopped.stderr
    skipped = probe(upstream, tmp_path / "k", 4, "test", "--dataroot", str(tmp_path / "r"), *FLAGS,
                    "--pixel_skip_bad")
    assert "length: 4" in skipped.stdout
    lines = [line for line in skipped.stdout.splitlines() if line.startswith("skipped")]
    assert [sum(name in line for line in lines) for name in names] == [0, 1, 1, 0]  # each listed once
    served = [torch.load(tmp_path / "k" / f"{i}_B.pt") for i in range(4)]
    assert torch.equal(served[1], served[3]) and torch.equal(served[2], served[3])  # d.png stood in


def test_image_smaller_than_the_crop_is_refused_at_start(upstream, photo_dir, tmp_path):
    names = folder(photo_dir, tmp_path / "r", {"a.png": None, "b_small.png": None, "c.png": None})
    Image.open(tmp_path / "r" / "test" / "b_small.png").resize((40, 30)).save(tmp_path / "r" / "test" / "b_small.png")
    crop = ("--preprocess", "crop", "--crop_size", "64", "--pixel_size", "8")
    refused = probe(upstream, tmp_path / "s", 0, "test", "--dataroot", str(tmp_path / "r"), *crop, check=False)
    last = refused.stderr.strip().splitlines()[-1]
    assert refused.returncode != 0 and "b_small.png" in last and "40x30" in last and "--crop_size 64" in last
    skipped = probe(upstream, tmp_path / "k", 2, "test", "--dataroot", str(tmp_path / "r"), *crop, "--pixel_skip_bad")
    assert "length: 2" in skipped.stdout and "skipped image smaller than --crop_size" in skipped.stdout
    assert names[1] in skipped.stdout
    assert torch.load(tmp_path / "k" / "1_B.pt").shape == (3, 64, 64)
