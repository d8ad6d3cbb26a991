"""plugins.data.debian_photos: the bundled model's photo list, split by source."""
from __future__ import annotations

from plugins.data import debian_photos


def test_each_split_comes_from_its_own_packages():
    packages = {split: {p.package for p in debian_photos.photos(split)} for split in debian_photos.SPLITS}
    assert len(debian_photos.photos("train")) >= 60
    assert not packages["train"] & packages["val"] and not packages["train"] & packages["test"]
    assert not packages["val"] & packages["test"]
    assert all(p.licence and p.version for p in debian_photos.photos())


def test_stems_are_unique_and_the_reserved_package_is_absent():
    listed = debian_photos.photos()
    assert len({p.stem for p in listed}) == len(listed)
    assert "mate" + "-backgrounds" not in {p.package for p in listed}
