"""plugins.sample_photos: seeded crops from scikit-image's bundled pictures."""
import numpy as np

from plugins import sample_photos


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
