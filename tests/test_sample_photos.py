"""plugins.data.sample_photos: seeded crops from scikit-image's bundled pictures."""
import shutil
import subprocess

import numpy as np
import pytest
from PIL import Image

from plugins.data import sample_photos


def test_crops_are_seeded_sized_and_distinct(tmp_path):
    a = sample_photos.photo_crops(sample_photos.TEST_SOURCES, 4, 64, seed=3)
    b = sample_photos.photo_crops(sample_photos.TEST_SOURCES, 4, 64, seed=3)
    assert all(x.size == (64, 64) and x.mode == "RGB" for x in a)
    assert all(np.array_equal(np.asarray(x), np.asarray(y)) for x, y in zip(a, b))
    assert not np.array_equal(np.asarray(a[0]), np.asarray(a[2]))
    paths = sample_photos.write_photo_crops(tmp_path, sample_photos.TRAIN_SOURCES, 3, 32, 0, prefix="t")
    assert [p.name for p in paths] == ["t_0000.png", "t_0001.png", "t_0002.png"]


def test_train_and_test_sources_do_not_overlap():
    assert not set(sample_photos.TRAIN_SOURCES) & set(sample_photos.TEST_SOURCES)
    for name in sample_photos.TRAIN_SOURCES + sample_photos.TEST_SOURCES:
        assert sample_photos.load_source(name).mode == "RGB"


def test_all_photos_are_rgb_photos_and_saved_whole(tmp_path):
    paths = sample_photos.write_whole_photos(tmp_path, sample_photos.ALL_PHOTOS[:3])
    assert [p.name for p in paths] == ["astronaut.png", "brick.png", "camera.png"]
    assert Image.open(paths[2]).mode == "RGB" and Image.open(paths[0]).size == (512, 512)
    assert set(sample_photos.TRAIN_SOURCES + sample_photos.TEST_SOURCES) <= set(sample_photos.ALL_PHOTOS)
    assert not set(sample_photos.OTHER_VAL) & set(sample_photos.OTHER_TEST)


def fake_deb(tmp_path, stems):
    """A Debian package file holding a photo per stem, built with dpkg-deb (no download)."""
    root = tmp_path / "pkg"
    (root / "DEBIAN").mkdir(parents=True)
    (root / "DEBIAN" / "control").write_text("Package: photos\nVersion: 1\nArchitecture: all\n"
                                             "Maintainer: t <t@t>\nDescription: t\n")
    (root / "usr/share/backgrounds").mkdir(parents=True)
    for i, stem in enumerate(stems):
        Image.new("RGB", (300 + i, 200), (i * 40, 100, 50)).save(root / f"usr/share/backgrounds/{stem}.jpg")
    subprocess.run(["dpkg-deb", "--build", str(root), str(tmp_path / "photos.deb")], check=True, capture_output=True)
    return tmp_path / "photos.deb"


@pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="needs Debian's dpkg-deb")
def test_other_photos_come_from_the_package_resized_and_reused(tmp_path):
    deb = fake_deb(tmp_path, ["a_by_x", "b_by_y"])
    download = ("sh", "-c", f'cp {deb} "$0.deb"')
    paths = sample_photos.fetch_other_photos(tmp_path / "out", ("b_by_y",), "photos", download)
    assert [p.name for p in paths] == ["b_by_y.png"]
    assert min(Image.open(paths[0]).size) == sample_photos.OTHER_SHORT_SIDE
    assert sample_photos.fetch_other_photos(tmp_path / "out", ("b_by_y",), "photos", ("false",)) == paths  # reused
    with pytest.raises(sample_photos.PhotosUnavailable, match="lacks c_by_z"):
        sample_photos.fetch_other_photos(tmp_path / "o2", ("c_by_z",), "photos", download)
    with pytest.raises(sample_photos.PhotosUnavailable, match="could not fetch Debian package photos"):
        sample_photos.fetch_other_photos(tmp_path / "o3", ("a_by_x",), "photos", ("false",))
