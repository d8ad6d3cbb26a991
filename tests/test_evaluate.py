"""Results discovery, scores, summaries and the evaluate CLI on synthetic results trees."""
from __future__ import annotations

import csv
import html
import json
import math
import re
import subprocess
import sys
import urllib.parse

import numpy as np
import pytest
from PIL import Image

from plugins import evaluate
from plugins.data import image_io
from plugins.metrics import quality as metrics
from plugins.evaluation import results
from plugins.evaluation import scores
from plugins.evaluation import tables
from plugins.testing.synthetic_results import write_results_root, write_triplets

from .awkward_images import write_16bit_gray, write_truncated_jpeg
from .conftest import REPO_ROOT


def read_csv(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def test_find_triplets_and_unpaired(tmp_path):
    write_triplets(tmp_path, 3)
    (tmp_path / "img001_real_B.png").unlink()
    (tmp_path / "lonely_real_A.png").write_bytes(b"")
    triplets, problems = results.find_triplets(tmp_path)
    assert [t.id for t in triplets] == ["img000", "img002"]
    assert ("img001_fake_B.png", "no img001_real_B.png beside it") in problems
    assert ("lonely_real_A.png", "no matching _fake_B.png") in problems


def test_find_images_dirs_at_every_level(tmp_path):
    root = write_results_root(tmp_path / "results", {"runA": ["5", "10", "latest"], "runB": ["5"]}, count=1)
    assert len(results.find_images_dirs(root)) == 4
    assert [d.epoch for d in results.find_images_dirs(root / "runA")] == ["10", "5", "latest"]
    one = results.find_images_dirs(root / "runA" / "test_5")
    assert [(d.run, d.epoch) for d in one] == [("runA", "5")]
    assert results.find_images_dirs(root / "runA" / "test_5" / "images")[0].run == "runA"
    assert [d.run for d in results.find_images_dirs(root, name="runB")] == ["runB"]
    assert [d.run for d in results.find_images_dirs(root, epoch="5")] == ["runA", "runB"]
    with pytest.raises(FileNotFoundError, match="no such folder"):
        results.find_images_dirs(tmp_path / "absent")
    assert sorted(["latest", "10", "5"], key=results.epoch_sort_key) == ["5", "10", "latest"]


def test_score_images_model_input_bicubic():
    from plugins.data import pixelation
    from plugins.data import sample_photos
    photo = sample_photos.photo_crops(sample_photos.TEST_SOURCES, 1, 64, 0)[0]
    real_b = np.asarray(photo)
    real_a = np.asarray(pixelation.pixelate(photo, 16))
    row = scores.score_images(real_b.copy(), real_a, real_b)
    assert row["psnr_model"] == math.inf and row["cosine_model"] == pytest.approx(1)
    assert row["pixel_size"] == 16 and row["psnr_bicubic"] > row["psnr_input"]
    flat = scores.score_images(real_b, real_b, real_b)  # real_A not pixelated
    assert flat["psnr_bicubic"] is None and "not recovered" in flat["note"]


def test_summary_caps_infinite_psnr_and_counts_wins():
    rows = [{"id": str(i), "psnr_model": p, "psnr_input": 30.0, "psnr_bicubic": 31.0, "cosine_model": 0.9,
             "cosine_input": 0.8, "cosine_bicubic": 0.85, "ssim_model": 0.5, "ssim_input": 0.4, "ssim_bicubic": 0.45}
            for i, p in enumerate([math.inf, 28.0, 32.0, 34.0])]
    rows = [scores.add_gains(r, 50.0) for r in rows]
    summary = scores.summarize(rows, cap=50.0, worst=2)
    assert summary["infinite_psnr"]["model"] == 1
    assert summary["metrics"]["model"]["psnr"]["mean"] == pytest.approx((50 + 28 + 32 + 34) / 4)
    assert summary["gain"]["input"]["win_rate"] == 0.75
    assert summary["gain"]["input"]["mean_psnr_db"] == pytest.approx((20 - 2 + 2 + 4) / 4)
    lo, hi = summary["gain"]["input"]["ci95_psnr_db"]
    assert lo <= summary["gain"]["input"]["mean_psnr_db"] <= hi
    assert [w["id"] for w in summary["worst"]] == ["1", "2"]
    json.dumps(summary, allow_nan=False)


def test_evaluate_epoch_folder_rows_and_means(tmp_path):
    write_triplets(tmp_path / "r" / "run" / "test_latest" / "images", 6)
    epoch = tmp_path / "r" / "run" / "test_latest"
    assert evaluate.main(["--results_dir", str(epoch), "--workers", "2", "--quiet"]) == 0
    rows = read_csv(epoch / "metrics.csv")
    summary = json.loads((epoch / "summary.json").read_text())
    assert len(rows) == 6 == summary["count"]
    for key, (method, metric) in {"psnr_model": ("model", "psnr"), "cosine_input": ("input", "cosine"),
                                  "ssim_bicubic": ("bicubic", "ssim")}.items():
        mean = np.mean([float(r[key]) for r in rows])
        assert summary["metrics"][method][metric]["mean"] == pytest.approx(mean)
    for name in ("index.html", "cosine_vs_psnr.png", "psnr_histogram.png"):
        assert (epoch / name).stat().st_size > 0
    html = (epoch / "index.html").read_text()
    assert "bicubic" in html and "img000_fake_B.png" in html
    assert not list(epoch.glob(".*"))  # no temporary files left


def test_workers_give_the_same_rows(tmp_path):
    images = tmp_path / "run" / "test_1" / "images"
    write_triplets(images, 5)
    outs = []
    for workers in ("1", "2"):
        evaluate.main(["--results_dir", str(images), "--workers", workers, "--quiet", "--out", str(tmp_path / workers)])
        outs.append((tmp_path / workers / "metrics.csv").read_text())
    assert outs[0] == outs[1]


def test_bad_files_are_listed_not_fatal(tmp_path):
    images = tmp_path / "run" / "test_1" / "images"
    write_triplets(images, 6)
    (images / "img000_fake_B.png").write_bytes((images / "img000_fake_B.png").read_bytes()[:200])  # truncated
    (images / "img001_real_B.png").unlink()  # unpaired
    Image.open(images / "img002_fake_B.png").convert("L").save(images / "img002_fake_B.png")  # gray vs RGB
    Image.open(images / "img003_fake_B.png").resize((32, 32)).save(images / "img003_fake_B.png")  # size
    assert evaluate.main(["--results_dir", str(images), "--quiet", "--workers", "1"]) == 0
    summary = json.loads((images.parent / "summary.json").read_text())
    assert summary["count"] == 2
    reasons = {s["file"]: s["reason"] for s in summary["skipped"]}
    assert "corrupt or truncated" in reasons["img000_fake_B.png"]
    assert "no img001_real_B.png" in reasons["img001_fake_B.png"]
    assert "grayscale vs RGB" in reasons["img002_fake_B.png"]
    assert "size mismatch" in reasons["img003_fake_B.png"] and "(32, 32, 3)" in reasons["img003_fake_B.png"]


def test_nothing_scorable_exits_non_zero(tmp_path):
    images = tmp_path / "run" / "test_1" / "images"
    write_triplets(images, 1)
    (images / "img000_real_A.png").write_bytes(b"junk")
    assert evaluate.main(["--results_dir", str(images), "--quiet", "--workers", "1"]) == 1
    assert json.loads((images.parent / "summary.json").read_text())["count"] == 0


def test_comparison_over_runs_and_epochs(tmp_path):
    root = write_results_root(tmp_path / "results", {"a": ["1", "4", "latest"], "b": ["1", "4"]}, count=3)
    assert evaluate.main(["--results_dir", str(root), "--quiet"]) == 0
    table = read_csv(root / "comparison.csv")
    assert [(r["run"], r["epoch"]) for r in table] == [("a", "1"), ("a", "4"), ("a", "latest"), ("b", "1"), ("b", "4")]
    a1, a4 = float(table[0]["psnr_model"]), float(table[1]["psnr_model"])
    assert a4 > a1  # less noise at the later epoch
    for name in ("comparison.json", "comparison.png", "comparison.html"):
        assert (root / name).exists()
    assert (root / "a" / "test_4" / "summary.json").exists()
    only = evaluate.main(["--results_dir", str(root), "--name", "b", "--epoch", "4", "--quiet",
                          "--out", str(tmp_path / "o")])
    assert only == 0 and (tmp_path / "o" / "summary.json").exists()


def test_cli_as_script_and_missing_folder(tmp_path):
    proc = subprocess.run([sys.executable, str(REPO_ROOT / "plugins/evaluate.py"), "--results_dir",
                           str(tmp_path / "none")], capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "no such folder" in proc.stderr
    empty = subprocess.run([sys.executable, "-m", "plugins.evaluate", "--results_dir", str(tmp_path)],
                           capture_output=True, text=True, cwd=REPO_ROOT)
    assert empty.returncode == 2 and "_fake_B.png" in empty.stderr


def test_metrics_subset(tmp_path):
    images = tmp_path / "run" / "test_1" / "images"
    write_triplets(images, 2)
    assert evaluate.main(["--results_dir", str(images), "--quiet", "--metrics", "psnr,cosine"]) == 0
    rows = read_csv(images.parent / "metrics.csv")
    assert rows[0]["ssim_model"] == "" and float(rows[0]["psnr_model"]) > 0
    with pytest.raises(SystemExit):
        evaluate.parse_args(["--results_dir", "x", "--metrics", "ssim,lpips"])


def test_json_is_strict_and_leaves_strings_alone(tmp_path):
    tables.write_json(tmp_path / "s.json", {"gain": math.nan, "skipped": [{"file": "NaN.png", "x": [math.nan]}]})
    text = (tmp_path / "s.json").read_text()
    assert json.loads(text) == {"gain": None, "skipped": [{"file": "NaN.png", "x": [None]}]}
    assert "NaN.png" in text


def test_16bit_and_truncated_jpeg_files(tmp_path):
    """A 16-bit real_B scores as its 8-bit twin; JPEG data cut short (under a .png name) is listed."""
    eight, deep = tmp_path / "eight" / "test_1" / "images", tmp_path / "deep" / "test_1" / "images"
    for images in (eight, deep):
        write_triplets(images, 3)
        for i in range(3):  # grayscale triplets, so a 16-bit grayscale PNG can stand for real_B
            for part in ("real_A", "fake_B", "real_B"):
                Image.open(images / f"img00{i}_{part}.png").convert("L").save(images / f"img00{i}_{part}.png")
    for i in range(3):
        write_16bit_gray(deep / f"img00{i}_real_B.png", Image.open(eight / f"img00{i}_real_B.png"))
    write_truncated_jpeg(deep / "img002_fake_B.png", Image.open(eight / "img002_fake_B.png"))
    for images in (eight, deep):
        assert evaluate.main(["--results_dir", str(images), "--quiet", "--workers", "1"]) == 0
    rows = {name: read_csv(tmp_path / name / "test_1" / "metrics.csv") for name in ("eight", "deep")}
    assert rows["deep"] == rows["eight"][:2]
    skipped = json.loads((deep.parent / "summary.json").read_text())["skipped"]
    assert skipped[0]["file"] == "img002_fake_B.png" and "truncated" in skipped[0]["reason"]


def test_report_links_survive_hash_and_question_marks(tmp_path):
    images = tmp_path / "run" / "test_1" / "images"
    write_triplets(images, 3)
    for old, new in (("img000", "a#1"), ("img001", "b?2"), ("img002", "c 3%")):
        for part in ("real_A", "fake_B", "real_B"):
            (images / f"{old}_{part}.png").rename(images / f"{new}_{part}.png")
    assert evaluate.main(["--results_dir", str(images), "--quiet", "--workers", "1"]) == 0
    page = images.parent / "index.html"
    sources = [html.unescape(s) for s in re.findall(r'<img[^>]* src="([^"]+)"', page.read_text())]
    triplet_links = [s for s in sources if "_B.png" in s or "_A.png" in s or "bicubic" in s]
    assert len(triplet_links) >= 12
    for src in triplet_links:
        parts = urllib.parse.urlsplit(src)
        assert not parts.query and not parts.fragment and not parts.scheme, src  # one relative path
        assert (page.parent / urllib.parse.unquote(parts.path)).is_file(), src


def test_layout_written_and_found_in_one_place(tmp_path):
    images = results.images_dir(tmp_path / "res", "BS1_N10_D0", 10)
    assert images.path == tmp_path / "res" / "BS1_N10_D0" / "test_10" / "images"
    assert images.epoch_dir == results.epoch_dir(tmp_path / "res", "BS1_N10_D0", 10)
    assert results.epoch_dir(tmp_path, "r", "latest", phase="val") == tmp_path / "r" / "val_latest"
    write_triplets(images.path, 1)
    assert results.find_images_dirs(tmp_path / "res") == [images]


def test_sr_conventions_are_options_and_labelled(tmp_path):
    images = tmp_path / "run" / "test_1" / "images"
    write_triplets(images, 2)
    assert evaluate.main(["--results_dir", str(images), "--quiet", "--workers", "1",
                          "--out", str(tmp_path / "rgb")]) == 0
    assert evaluate.main(["--results_dir", str(images), "--quiet", "--workers", "1", "--out", str(tmp_path / "y"),
                          "--y_channel", "--crop_border", "4"]) == 0
    plain, luma = (json.loads((tmp_path / d / "summary.json").read_text()) for d in ("rgb", "y"))
    assert plain["convention"] == {"y_channel": False, "crop_border": 0,
                                   "applies_to": ["psnr", "ssim", "gain", "win_rate"],
                                   "description": "RGB, whole image"}
    assert luma["convention"]["y_channel"] and luma["convention"]["crop_border"] == 4
    assert luma["convention"]["description"] == "Y (BT.601 luma), 4 px border cropped"
    rows = read_csv(tmp_path / "y" / "metrics.csv")
    assert {"psnr_y_crop4_model", "ssim_y_crop4_bicubic", "gain_y_crop4_input", "cosine_model"} <= set(rows[0])
    assert "psnr_model" not in rows[0] and "psnr_model" in read_csv(tmp_path / "rgb" / "metrics.csv")[0]
    fake, real_b = (np.asarray(image_io.load_8bit(images / f"img000_{s}.png")) for s in ("fake_B", "real_B"))
    assert float(rows[0]["psnr_y_crop4_model"]) == pytest.approx(metrics.psnr(fake, real_b, 4, True))
    assert float(rows[0]["ssim_y_crop4_model"]) == pytest.approx(metrics.ssim(fake, real_b, 4, True))
    assert float(rows[0]["cosine_model"]) == pytest.approx(metrics.cosine_similarity(fake, real_b))
    assert luma["metrics"]["model"]["psnr"]["mean"] != plain["metrics"]["model"]["psnr"]["mean"]
    html = (tmp_path / "y" / "index.html").read_text()
    assert "PSNR and SSIM on Y (BT.601 luma), 4 px border cropped" in html and "SSIM [Y (BT.601 luma)" in html
    assert "PSNR and SSIM on RGB, whole image" in (tmp_path / "rgb" / "index.html").read_text()


def test_comparison_headers_carry_the_convention(tmp_path):
    root = write_results_root(tmp_path / "results", {"a": ["1", "2"]}, count=2)
    assert evaluate.main(["--results_dir", str(root), "--quiet", "--workers", "1", "--y_channel"]) == 0
    table = read_csv(root / "comparison.csv")
    assert {"psnr_y_model", "ssim_y_bicubic", "gain_y_input", "win_rate_y_input", "cosine_model"} <= set(table[0])
    assert "psnr_model" not in table[0]
    assert "psnr_y_model" in json.loads((root / "comparison.json").read_text())[0]
    assert "psnr_y_model" in (root / "comparison.html").read_text()


def test_bad_crop_border(tmp_path):
    with pytest.raises(SystemExit):
        evaluate.parse_args(["--results_dir", "x", "--crop_border", "-1"])
    images = tmp_path / "run" / "test_1" / "images"
    write_triplets(images, 1)
    assert evaluate.main(["--results_dir", str(images), "--quiet", "--workers", "1", "--crop_border", "40"]) == 1
    summary = json.loads((images.parent / "summary.json").read_text())
    assert "crop_border 40" in summary["skipped"][0]["reason"]


def test_one_psnr_line_for_every_command():
    assert scores.psnr_line(23.156, 24.0, None) == "PSNR model 23.16 | input 24.00 | bicubic - dB"
    summary = {"metrics": {m: {"psnr": {"mean": v}} for m, v in zip(scores.METHODS, (1.0, 2.0, 3.0))}}
    assert scores.summary_psnr_line(summary, "PSNR (Y)") == "PSNR (Y) model 1.00 | input 2.00 | bicubic 3.00 dB"
