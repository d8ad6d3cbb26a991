"""The bundled model: restores with nothing else (no run, no upstream), beats bicubic on a photo it never saw,
and every way of naming a model refuses bad files in one line.

tests/fixtures/wine_crop.png is a 192 px crop of "Wine" by Jakub Mede (CC BY 4.0, Debian's
lomiri-wallpapers-16.04 at a 1280 px long side), one of the bundled model's test photos: another
source than its training photos (plugins/data/photo_sources.tsv).
"""
from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from plugins.data import mosaic
from plugins.metrics import quality
from plugins.restore import bundle
from plugins.restore import command as restore
from plugins.restore import generators
from plugins.restore import loading

from .conftest import REPO_ROOT

PHOTO = Path(__file__).parent / "fixtures" / "wine_crop.png"


def mosaic_of(photo: Image.Image, block: float, down: str = "box") -> tuple[Image.Image, np.ndarray]:
    """The photo pixelated as editors do, and the bicubic upscale of its true low-res image."""
    made, _ = mosaic.pixelate_like_editor(photo, block, down)
    return made, np.asarray(mosaic.shrink(photo, block, down).resize(photo.size, Image.Resampling.BICUBIC))


def restored_psnr(tmp_path: Path, made: Image.Image, photo: Image.Image, flags: list[str]) -> float:
    """PSNR against `photo` of `made` restored by the command with `flags` (each call its own folders)."""
    folder = tmp_path / "_".join(["run", *flags]).replace("-", "")
    folder.mkdir()
    made.save(folder / "wine.png")
    assert restore.main([str(folder / "wine.png"), "--out", str(folder / "out"), "--quiet", *flags]) == 0
    return quality.psnr(np.asarray(Image.open(folder / "out" / "wine_restored.png").convert("RGB")), np.asarray(photo))


def test_the_bundled_model_and_its_card_ship_in_the_package():
    card = json.loads(loading.BUNDLED_CARD.read_text())
    assert generators.is_own_generator(card["netG"]) and card["residual"] and card["base"] == "bicubic"  # no upstream
    assert card["block"] == 4 and card["photos"]["train"] >= 60
    assert loading.BUNDLED_WEIGHTS.stat().st_size < 8e6
    loaded = loading.bundled(torch.device("cpu"))
    assert loaded.block == 4 and not loaded.net.training
    assert card["netG"] == bundle.FLAGS["netG"]  # the network the bundling script trains
    assert card["parameters"] == sum(p.numel() for p in loaded.net.parameters())


def test_the_card_says_how_it_was_trained_without_this_machines_paths(tmp_path):
    """python -m plugins.restore.bundle writes the card itself: flags without the data and checkpoint
    folders, the epochs, and the best epoch of the run's val_log.csv with its gain over bicubic."""
    (tmp_path / "val_log.csv").write_text(
        "epoch,psnr_model,psnr_input,psnr_bicubic,cosine_model,cosine_input,cosine_bicubic,gain_bicubic,best\n"
        "1,24.4,22.4,23.7,0.99,0.98,0.99,0.76,1\n2,24.9,22.4,23.7,0.99,0.98,0.99,1.234,1\n"
        "3,24.8,22.4,23.7,0.99,0.98,0.99,1.1,0\n")
    flags = bundle.train_flags(tmp_path / "data", tmp_path / "checkpoints", 12)
    card = bundle.card_fields(tmp_path, flags, "gpu_ids", {"train": 123, "val": 5, "test": 22})
    assert str(tmp_path) not in json.dumps(card)
    assert "--n_epochs 10 --n_epochs_decay 2" in card["train_flags"] and "--pixel_jpeg 70:95" in card["train_flags"]
    assert (card["epochs"], card["best_epoch"], card["validation_gain_over_bicubic_db"]) == (12, 2, 1.23)
    shipped = json.loads(loading.BUNDLED_CARD.read_text())
    trained = bundle.card_fields(tmp_path, bundle.train_flags(tmp_path / "data", tmp_path / "checkpoints",
                                                              bundle.EPOCHS), "gpu_ids", shipped["photos"])
    assert shipped["train_flags"] == trained["train_flags"] and shipped["sources"] == trained["sources"]
    assert shipped["validation"] == trained["validation"] and "mosaics" in card["validation"]
    assert shipped["epochs"] == bundle.EPOCHS and shipped["sources"] == card["sources"]


@pytest.mark.parametrize("down, block", [("box", 4.0), ("bilinear", 4.0), ("box", 4.6)])
def test_restores_a_photo_it_never_saw_better_than_bicubic(tmp_path, down, block):
    photo = Image.open(PHOTO).convert("RGB")
    made, bicubic = mosaic_of(photo, block, down)
    restored = restored_psnr(tmp_path, made, photo, [])
    truth = np.asarray(photo)
    assert restored > quality.psnr(bicubic, truth) + 0.3
    assert restored > quality.psnr(np.asarray(made), truth) + 1


def test_a_bilinear_mosaic_restores_closer_when_told_its_filter(tmp_path):
    """--mosaic_filter bilinear makes back-projection match PIL's bilinear shrink, which is how this
    mosaic was made; the default matches block means (on the test photos +1.45 -> +1.98 dB over bicubic)."""
    photo = Image.open(PHOTO).convert("RGB")
    made, bicubic = mosaic_of(photo, 4.0, "bilinear")
    psnr = {down: restored_psnr(tmp_path, made, photo, ["--mosaic_filter", down]) for down in ("box", "bilinear")}
    assert psnr["bilinear"] > psnr["box"] > quality.psnr(bicubic, np.asarray(photo))


def test_self_ensemble_restores_closer_to_the_photo_than_one_pass(tmp_path):
    """--self_ensemble averages the eight rotations and flips: closer to the truth than the plain forward
    (on the validation photos about +0.05 dB per case)."""
    photo = Image.open(PHOTO).convert("RGB")
    made, bicubic = mosaic_of(photo, 4.0)
    psnr = {bool(flags): restored_psnr(tmp_path, made, photo, flags) for flags in ([], ["--self_ensemble"])}
    assert psnr[True] > psnr[False] > quality.psnr(bicubic, np.asarray(photo))


def test_restores_in_a_fresh_process_with_no_upstream(tmp_path):
    made, _ = mosaic_of(Image.open(PHOTO).convert("RGB"), 4.0)
    made.save(tmp_path / "wine.png")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIX2PIX_UPSTREAM")}
    env["PIX2PIX_UPSTREAM"] = str(tmp_path / "no-upstream-here")
    code = ("import sys; from plugins.restore.command import main; status = main(['wine.png', '--quiet']); "
            "assert 'models' not in sys.modules, 'upstream was imported'; sys.exit(status)")
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert f"the bundled model: netG {json.loads(loading.BUNDLED_CARD.read_text())['netG']}, 4 px blocks" in proc.stdout
    assert (tmp_path / "restored" / "wine_restored.png").exists()


def test_model_file_with_its_card(tmp_path):
    (tmp_path / "m.pth").write_bytes(loading.BUNDLED_WEIGHTS.read_bytes())
    (tmp_path / "m.json").write_text(loading.BUNDLED_CARD.read_text())
    made, _ = mosaic_of(Image.open(PHOTO).convert("RGB"), 4.0)
    made.save(tmp_path / "wine.png")
    assert restore.main([str(tmp_path / "wine.png"), "--model", str(tmp_path / "m.pth"), "--out",
                         str(tmp_path / "out"), "--quiet"]) == 0
    assert (tmp_path / "out" / "wine_restored.png").exists()


class Payload:
    """Unpickling this would create a file: a weights-only load must never do it."""

    def __init__(self, marker: str):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (Path(self.marker),))


@pytest.mark.parametrize("kind", ["missing", "text", "html", "pickle", "not tensors", "no card"])
def test_bad_model_files_are_one_line_and_exit_2(tmp_path, capsys, kind):
    path = tmp_path / "m.pth"
    (tmp_path / "m.json").write_text(loading.BUNDLED_CARD.read_text())
    if kind == "text":
        path.write_text("these are not weights\n")
    elif kind == "html":
        path.write_text("<!DOCTYPE html><html><body>404 Not Found</body></html>")
    elif kind == "pickle":
        path.write_bytes(pickle.dumps({"w": Payload(str(tmp_path / "ran"))}))
    elif kind == "not tensors":
        torch.save({"w": [1, 2, 3]}, path)
    elif kind == "no card":
        (tmp_path / "m.json").unlink()
        torch.save({}, path)
    assert restore.main(["a.png", "--model", str(path), "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("restore: error: --model ") and str(path) in err[0]
    assert "weights_only=False" not in err[0] and not (tmp_path / "ran").exists()


@pytest.mark.parametrize("damage", ["missing", "corrupt"])
def test_a_missing_or_corrupt_bundled_model_says_how_to_reinstall(tmp_path, monkeypatch, capsys, damage):
    weights = tmp_path / "mosaic_srnet.pth"
    if damage == "corrupt":
        weights.write_bytes(loading.BUNDLED_WEIGHTS.read_bytes()[:1000])
    monkeypatch.setattr(loading, "BUNDLED_WEIGHTS", weights)
    assert restore.main(["a.png", "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "bundled model" in err[0] and "reinstall" in err[0]


def test_the_repository_holds_the_bundled_model_as_package_data():
    setup = (REPO_ROOT / "setup.cfg").read_text()
    assert "bundled/*.pth" in setup and "bundled/*.json" in setup
