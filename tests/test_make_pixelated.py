"""plugins/data/make_pixelated.py (run as datasets/make_pixelated.py): splits, manifest, A/B/AB layout, errors."""
from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from plugins.data import image_io
from plugins.data import make_pixelated
from plugins.data import pixelation
from plugins.data.make_pixelated import MANIFEST

from .awkward_images import write_16bit_gray, write_truncated_jpeg
from .conftest import REPO_ROOT


@pytest.fixture(scope="module")
def built(photo_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("built") / "ds"
    rows = make_pixelated.build(photo_dir, out, "16:32", size=64, test=3, split_seed=1, progress=False)
    return out, rows


def test_split_counts_by_count_and_ratio():
    assert make_pixelated.split_counts(10, 3) == (7, 3)
    assert make_pixelated.split_counts(10, 0.25) == (8, 2)
    with pytest.raises(ValueError, match="--test 12"):
        make_pixelated.split_counts(10, 12)


def test_split_is_seeded_and_disjoint():
    names = [f"{i}.png" for i in range(50)]
    a = make_pixelated.assign_splits(names, 0.2, 5)
    assert a == make_pixelated.assign_splits(names, 0.2, 5)
    assert a != make_pixelated.assign_splits(names, 0.2, 6)
    assert len(a["test"]) == 10 and not set(a["train"]) & set(a["test"])
    assert sorted(a["train"] + a["test"]) == sorted(names)
    subset = make_pixelated.assign_splits(names, 10, 5, max_images=30)
    assert len(subset["train"]) == 20 and len(subset["test"]) == 10


def test_layout_counts_and_manifest(built):
    out, rows = built
    for split, count in (("train", 5), ("test", 3)):
        for folder in "A", "B", "AB":
            assert len(list((out / folder / split).glob("*.png"))) == count
    with open(out / "manifest.csv") as f:
        manifest = list(csv.DictReader(f))
    assert len(manifest) == 8 and {r["split"] for r in manifest} == {"train", "test"}
    for row in manifest:
        assert 16 <= int(row["pixel_size"]) <= 32 and row["down"] == "bilinear" and row["up"] == "nearest"
        a = np.asarray(Image.open(out / "A" / row["split"] / row["file"]))
        assert pixelation.recover_pixel_size(a) == int(row["pixel_size"])


def test_ab_is_a_beside_b(built):
    out, rows = built
    for row in rows:
        a, b, ab = (np.asarray(Image.open(out / f / row["split"] / row["file"])) for f in ("A", "B", "AB"))
        assert a.shape == b.shape == (64, 64, 3)
        assert np.array_equal(ab, np.concatenate([a, b], axis=1))


def test_test_split_sizes_are_the_dataset_modes(built):
    _, rows = built
    sizes = pixelation.parse_pixel_size("16:32")
    for row in rows:
        assert row["pixel_size"] == pixelation.fixed_size(sizes, 0, row["index"])
    test_rows = [r for r in rows if r["split"] == "test"]
    assert [r["file"] for r in test_rows] == sorted(r["file"] for r in test_rows)


@pytest.mark.parametrize("args, message", [
    (["--pixel_size", "x"], "does not parse"),
    (["--pixel_size", "300"], "larger than the image size"),
    (["--test", "100"], "--test 100"),
])
def test_cli_errors(photo_dir, tmp_path, args, message):
    proc = subprocess.run([sys.executable, str(REPO_ROOT / "datasets/make_pixelated.py"), "--photos",
                           str(photo_dir), "--out", str(tmp_path / "o"), *args], capture_output=True, text=True)
    assert proc.returncode == 2 and message in proc.stderr and proc.stderr.count("\n") == 1
    assert not (tmp_path / "o" / "manifest.csv").exists()


def test_cli_missing_folder_and_preset(tmp_path, photo_dir):
    run = lambda *a: subprocess.run([sys.executable, str(REPO_ROOT / "datasets/make_pixelated.py"), *a],
                                    capture_output=True, text=True)
    missing = run("--photos", str(tmp_path / "none"), "--out", str(tmp_path / "o"))
    assert missing.returncode == 2 and "no such folder" in missing.stderr
    ok = run("--photos", str(photo_dir), "--out", str(tmp_path / "v"), "--preset", "study-variational",
             "--size", "128", "--test", "2")
    assert ok.returncode == 0, ok.stderr
    assert "48:128" in ok.stdout


def test_unreadable_photo_is_named(tmp_path):
    photos = tmp_path / "p"
    photos.mkdir()
    (photos / "broken.png").write_bytes(b"not a png")
    with pytest.raises(ValueError, match="broken.png: unreadable"):
        make_pixelated.build(photos, tmp_path / "o", size=32, pixel_size="8", test=0, progress=False)


def photos_with(tmp_path, photo_dir, awkward: dict) -> Path:
    """A copy of four photos plus awkward files: {name: writer(path, photo)}."""
    photos = tmp_path / "photos"
    photos.mkdir()
    sources = sorted(photo_dir.glob("*.png"))[:4]
    for source in sources:
        shutil.copy(source, photos / source.name)
    for name, write in awkward.items():
        write(photos / name, Image.open(sources[0]))
    return photos


def test_16bit_photo_is_built_like_its_8bit_twin(tmp_path, photo_dir):
    twins = {}
    photos = photos_with(tmp_path, photo_dir, {"deep.png": lambda p, img: twins.setdefault(
        "deep", write_16bit_gray(p, img))})
    twins["deep"].save(photos / "twin.png")
    out = tmp_path / "ds"
    make_pixelated.build(photos, out, "8", size=64, test=0, progress=False)
    deep, twin = (np.asarray(Image.open(out / "B" / "train" / n)) for n in ("deep.png", "twin.png"))
    assert np.array_equal(deep, twin) and deep.mean() < 200


def test_truncated_jpeg_stops_the_build_and_leaves_nothing(tmp_path, photo_dir):
    photos = photos_with(tmp_path, photo_dir, {"cut.jpg": write_truncated_jpeg})
    with pytest.raises(ValueError, match=r"cut\.jpg: unreadable image .*--skip_bad"):
        make_pixelated.build(photos, tmp_path / "ds", "8", size=64, test=0, progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["photos"]  # no dataset, no partial folder


def test_skip_bad_lists_the_file_and_counts_only_written_images(tmp_path, photo_dir, capsys):
    photos = photos_with(tmp_path, photo_dir, {"cut.jpg": write_truncated_jpeg, "junk.png": lambda p, img:
                                               p.write_bytes(b"not a png")})
    proc = subprocess.run([sys.executable, str(REPO_ROOT / "datasets/make_pixelated.py"), "--photos", str(photos),
                           "--out", str(tmp_path / "ds"), "--size", "64", "--pixel_size", "8:16", "--test", "2",
                           "--skip_bad"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "skipped unreadable image" in proc.stderr and "cut.jpg" in proc.stderr and "junk.png" in proc.stderr
    with open(tmp_path / "ds" / "manifest.csv") as f:
        manifest = list(csv.DictReader(f))
    assert len(manifest) == 4 and not {"cut.png", "junk.png"} & {r["file"] for r in manifest}
    for split in ("train", "test"):
        indexes = [int(r["index"]) for r in manifest if r["split"] == split]
        assert indexes == list(range(len(indexes)))  # as the dataset mode counts the files it finds


def test_a_build_is_renamed_into_place_at_the_end(tmp_path, photo_dir, monkeypatch):
    out = tmp_path / "ds"
    make_pixelated.build(photo_dir, out, "8", size=32, test=2, progress=False)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    seen = []
    real_save = image_io.save_png

    def save_and_look(path, img):
        seen.append((out / "A" / "train").exists() and len(list((out / "A" / "train").iterdir())))
        if len(seen) == 7:
            raise KeyboardInterrupt  # a kill in the middle of a rebuild
        real_save(path, img)

    monkeypatch.setattr(image_io, "save_png", save_and_look)
    with pytest.raises(KeyboardInterrupt):
        make_pixelated.build(photo_dir, out, "16", size=32, test=2, progress=False)
    assert set(seen) == {6}  # the old dataset stayed in place throughout
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before  # and is untouched, not half new
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ds"]
    monkeypatch.setattr(image_io, "save_png", real_save)
    make_pixelated.build(photo_dir, out, "16", size=32, test=2, progress=False)
    assert (out / MANIFEST).read_text() != before[out / MANIFEST].decode()
    assert len(list((out / "A" / "train").iterdir())) == 6


def test_a_foreign_folder_is_not_replaced(tmp_path, photo_dir):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    with pytest.raises(ValueError, match="not a dataset built by make_pixelated.py"):
        make_pixelated.build(photo_dir, tmp_path / "mine", "8", size=32, test=2, progress=False)
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep me"
