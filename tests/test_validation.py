"""plugins.evaluation.validation: fixed validation pairs, scores equal to evaluate's, an atomic val_log.csv."""
from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from plugins.data import mosaic_samples
from plugins.data import pixelation
from plugins.data import sample_photos
from plugins.evaluation import scores
from plugins.evaluation import validation


def photo_paths():
    return [sample_photos.DATA_DIR / name for name in ("coffee.png", "chelsea.png")]


def test_pairs_are_a_pure_function_of_the_seed():
    one = validation.val_pairs(photo_paths(), 5, 64, pixelation.parse_pixel_size("8:16"), seed=3)
    two = validation.val_pairs(photo_paths(), 5, 64, pixelation.parse_pixel_size("8:16"), seed=3)
    assert [p.pixel_size for p in one] == [pixelation.fixed_size(range(8, 17), 3, i) for i in range(5)]
    for a, b in zip(one, two):
        assert np.array_equal(a.real_a, b.real_a) and np.array_equal(a.real_b, b.real_b)
        assert a.real_a.shape == (64, 64, 3)
        assert pixelation.recover_pixel_size(a.real_a) == a.pixel_size


def test_pairs_draw_each_crops_filter_from_a_list():
    sizes = pixelation.parse_pixel_size("16")
    mixed = validation.val_pairs(photo_paths(), 8, 64, sizes, seed=3, down="box,bilinear")
    for name in ("box", "bilinear"):
        alone = validation.val_pairs(photo_paths(), 8, 64, sizes, seed=3, down=name)
        same = [np.array_equal(m.real_a, a.real_a) for m, a in zip(mixed, alone)]
        assert same == [pixelation.fixed_filter(("box", "bilinear"), 3, i) == name for i in range(8)]


def test_pairs_of_relative_paths_are_read_from_the_working_folder(tmp_path, monkeypatch):
    for i, path in enumerate(photo_paths()):
        (tmp_path / f"mine_{i}.png").write_bytes(path.read_bytes())
    monkeypatch.chdir(tmp_path)
    relative = validation.val_pairs([Path(f"mine_{i}.png") for i in range(2)], 3, 64, (16,))
    assert [p.real_b.tolist() for p in relative] == [p.real_b.tolist() for p in
                                                      validation.val_pairs(photo_paths(), 3, 64, (16,))]


def test_score_equals_evaluate_rows():
    pairs = validation.val_pairs(photo_paths(), 4, 64, (16,))
    bicubics = [scores.bicubic_baseline(p.real_a) for p in pairs]
    means = validation.score(bicubics, [p.real_a for p in pairs], pairs)
    rows = [scores.score_images(b, p.real_a, p.real_b, which=("psnr", "cosine")) for b, p in zip(bicubics, pairs)]
    assert means["psnr_model"] == pytest.approx(np.mean([r["psnr_model"] for r in rows]))
    assert means["psnr_model"] == pytest.approx(means["psnr_bicubic"])  # the model output is the bicubic image
    assert means["gain_bicubic"] == pytest.approx(0.0)
    assert means["cosine_input"] == pytest.approx(np.mean([r["cosine_input"] for r in rows]))


MOSAICS = mosaic_samples.MosaicSpec((3.6, 9.0), ("box", "bilinear"), 16, 64, True, (70.0, 95.0), 0.5)


def test_mosaic_pairs_are_the_training_samples_of_seeded_draws():
    """Under --pixel_block validation scores mosaics made as training makes them (block size, filter, grid
    offset, JPEG), drawn from (seed, index): the same every epoch and run, cycling through the photos."""
    pairs = validation.mosaic_pairs(photo_paths(), 5, MOSAICS, seed=3)
    again = validation.mosaic_pairs(photo_paths(), 5, MOSAICS, seed=3)
    other = validation.mosaic_pairs(photo_paths(), 5, MOSAICS, seed=4)
    pictures = [sample_photos.load_source(p) for p in photo_paths()]
    for index, (pair, same, differs) in enumerate(zip(pairs, again, other)):
        model_in, truth = MOSAICS.sample(pictures[index % 2], random.Random(f"3:{index}:val mosaic"))
        assert pair.pixel_size == 16 and pair.real_a.dtype == pair.real_b.dtype == np.uint8
        assert np.array_equal(pair.real_a, np.rint(model_in)) and np.array_equal(pair.real_b, truth)
        assert np.array_equal(pair.real_a, same.real_a) and np.array_equal(pair.real_b, same.real_b)
        assert not np.array_equal(pair.real_b, differs.real_b)


def test_mosaic_pairs_score_against_the_bicubic_of_their_blocks():
    pairs = validation.mosaic_pairs(photo_paths(), 4, MOSAICS)
    means = validation.score([scores.bicubic_baseline(p.real_a) for p in pairs], [p.real_a for p in pairs], pairs)
    assert means["gain_bicubic"] == pytest.approx(0.0) and means["psnr_input"] < means["psnr_bicubic"]


def test_log_marks_the_best_epoch_and_drops_stale_rows(tmp_path):
    log = tmp_path / "val_log.csv"
    means = {f"{m}_{k}": 0.5 for m in ("psnr", "cosine") for k in scores.METHODS} | {"gain_bicubic": 0.0}
    assert validation.append_epoch(log, 1, means | {"psnr_model": 30.0})["best"] == 1
    assert validation.append_epoch(log, 2, means | {"psnr_model": 29.0})["best"] == 0
    assert validation.append_epoch(log, 3, means | {"psnr_model": 31.0})["best"] == 1
    # a resumed run from epoch 3 replaces what came after epoch 2
    assert validation.append_epoch(log, 3, means | {"psnr_model": 29.5})["best"] == 0
    rows = validation.read_log(log)
    assert [r["epoch"] for r in rows] == [1, 2, 3]
    assert validation.best_row(rows)["epoch"] == 1
    assert log.read_text().splitlines()[0].split(",") == list(validation.COLUMNS)
    assert not list(tmp_path.glob(".*"))  # no temporary file left behind


def test_best_columns_only_look_up_to_the_runs_last_epoch(tmp_path):
    log = tmp_path / "val_log.csv"
    means = {f"{m}_{k}": 0.5 for m in ("psnr", "cosine") for k in scores.METHODS} | {"gain_bicubic": 0.25}
    for epoch, psnr in ((1, 30.0), (2, 31.0), (3, 32.0)):
        validation.append_epoch(log, epoch, means | {"psnr_model": psnr})
    assert validation.best_columns(log, 2) == {"best_epoch": 2, "val_psnr_best": 31.0, "val_gain_bicubic_best": 0.25}
    assert validation.best_columns(log, 3)["best_epoch"] == 3
    assert validation.best_columns(tmp_path / "none.csv", 3) == {}
