"""python -m plugins.restore without upstream: a stand-in generator behind the real command line.

The generator is a zero network of a --residual run (so the restore model's
output is its input): what is tested here is the shell around it, inputs,
outputs, skips, exit statuses. tests/integration/test_restore_cli.py runs a
trained upstream generator.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from plugins.data import pixelation
from plugins.restore import command as restore
from plugins.restore import loading

from .conftest import skimage_photos
from .run_folder import TINY_RUN, write_run
from .test_pixel_grid import BOX, pixelated_elsewhere


class ZeroNet(torch.nn.Module):
    """A generator that outputs zeros: with --residual the restored image is the input."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.zeros_like(x)


@pytest.fixture
def workdir(tmp_path, monkeypatch) -> Path:
    """A folder with a run `tiny` (train_opt.txt, latest and 1 checkpoints) and a stand-in generator."""
    monkeypatch.chdir(tmp_path)
    write_run(tmp_path / "checkpoints", "tiny", TINY_RUN, epochs=("latest", "1"))
    monkeypatch.setattr(loading, "build", lambda opt, what: ZeroNet())
    return tmp_path


def pixelated(width: int, height: int, block: float = 4.0, photo: int = 1) -> Image.Image:
    img = Image.fromarray(skimage_photos()[photo]).resize((width, height))
    return pixelated_elsewhere(img, block, BOX, 0, 0)[0]


def rgb(path: Path) -> np.ndarray:
    with Image.open(path) as img:
        return np.asarray(img.convert("RGB"))


def test_restores_files_and_folders_at_their_own_size(workdir, capsys):
    pixelated(300, 200).save(workdir / "a.jpg", quality=90)
    (workdir / "folder").mkdir()
    pixelated(640, 480, 5.0).save(workdir / "folder" / "b.png")
    (workdir / "folder" / "notes.txt").write_text("not an image")
    pixelated(64, 64).save(workdir / "folder" / "old_restored.png")  # an earlier output: not an input
    assert restore.main(["a.jpg", "folder", "--name", "tiny", "--tile", "256"]) == 0
    out = workdir / "restored"
    assert sorted(p.name for p in out.iterdir()) == ["a_restored.png", "b_restored.png"]
    assert Image.open(out / "a_restored.png").size == (300, 200)
    assert Image.open(out / "b_restored.png").size == (640, 480)
    # 5 px blocks went through the model at 4 px and back: the identity, up to resampling at block edges
    assert np.abs(rgb(out / "b_restored.png").astype(int) - rgb(workdir / "folder" / "b.png")).mean() < 3
    text = capsys.readouterr()
    assert "tiny (latest): netG unet_128, 4 px blocks (pixel_size 32 on crop_size 128), on cpu" in text.out
    assert "blocks 4.00x4.00 px" in text.out and "blocks 5.00x5.00 px" in text.out
    assert text.out.strip().splitlines()[-1] == "restored 2 of 2 images into ./restored"


def test_bad_inputs_are_skipped_and_the_others_restored(workdir, capsys):
    pixelated(300, 200).save(workdir / "good.png")
    Image.fromarray(skimage_photos()[0]).save(workdir / "sharp.png")
    pixelated(300, 200).save(workdir / "cut.jpg")
    (workdir / "cut.jpg").write_bytes((workdir / "cut.jpg").read_bytes()[:1500])
    (workdir / "text.png").write_text("not a png")
    status = restore.main(["missing.png", "good.png", "sharp.png", "cut.jpg", "text.png", "--name", "tiny",
                           "--out", "out", "--quiet"])
    assert status == 1
    assert [p.name for p in (workdir / "out").iterdir()] == ["good_restored.png"]
    text = capsys.readouterr()
    errors = text.err.strip().splitlines()
    assert "skipped missing.png: no such file or folder" in errors
    assert any(line.startswith("skipped sharp.png: no pixel grid found") and "--force" in line for line in errors)
    assert any(line.startswith("skipped cut.jpg: image file is truncated") for line in errors)
    assert any(line.startswith("skipped text.png: cannot identify image file") for line in errors)
    assert text.out.strip().splitlines()[-1] == \
        "restored 1 of 5 images into out; skipped 4: 1 missing, 1 no pixel grid, 2 unreadable"


def test_an_empty_folder_is_reported(workdir, capsys):
    (workdir / "empty").mkdir()
    pixelated(200, 120).save(workdir / "one.png")
    assert restore.main(["empty", "one.png", "--name", "tiny", "--quiet"]) == 1
    text = capsys.readouterr()
    assert "skipped empty: no images in this folder" in text.err
    assert text.out.strip().splitlines()[-1] == "restored 1 of 2 images into ./restored; skipped 1: 1 empty folder"


def test_force_restores_an_image_without_grid(workdir):
    Image.fromarray(skimage_photos()[0]).save(workdir / "sharp.png")
    assert restore.main(["sharp.png", "--name", "tiny", "--force", "--quiet"]) == 0
    assert Image.open(workdir / "restored" / "sharp_restored.png").size == (512, 512)


def test_never_overwrites_an_input_nor_one_output_with_another(workdir, capsys):
    pixelated(200, 120).save(workdir / "p.png")
    pixelated(200, 120, photo=0).save(workdir / "p_restored.png")
    pixelated(200, 120, photo=2).save(workdir / "p.jpg")
    before = (workdir / "p_restored.png").read_bytes()
    assert restore.main(["p.png", "p_restored.png", "p.jpg", "--name", "tiny", "--out", ".", "--quiet"]) == 1
    assert (workdir / "p_restored.png").read_bytes() == before
    err = capsys.readouterr().err
    assert "skipped p.png: its output p_restored.png is an input file: choose another --out" in err
    assert (workdir / "p_restored_restored.png").exists()
    # p.jpg would write p_restored.png too: refused for the same reason, the input stays
    assert "skipped p.jpg: its output p_restored.png is an input file" in err


def test_compare_never_overwrites_an_input(workdir, capsys):
    pixelated(200, 120).save(workdir / "c.png")
    pixelated(200, 120, photo=0).save(workdir / "c_compare.png")
    before = (workdir / "c_compare.png").read_bytes()
    assert restore.main(["c.png", "c_compare.png", "--name", "tiny", "--out", ".", "--compare", "--quiet"]) == 1
    assert (workdir / "c_compare.png").read_bytes() == before
    assert "skipped c.png: its output c_compare.png is an input file" in capsys.readouterr().err


def test_two_inputs_with_one_output_name(workdir, capsys):
    pixelated(200, 120).save(workdir / "q.png")
    pixelated(200, 120, photo=0).save(workdir / "q.jpg", quality=95)
    assert restore.main(["q.png", "q.jpg", "--name", "tiny", "--quiet"]) == 1
    assert "skipped q.jpg: its output restored/q_restored.png is already q.png's" in capsys.readouterr().err


def test_region_leaves_every_other_pixel_byte_identical(workdir, capsys):
    photo = skimage_photos()[1].copy()  # 600x400
    photo[100:220, 250:400] = np.asarray(pixelated(150, 120, 7.0))
    Image.fromarray(photo).save(workdir / "censored.png")
    assert restore.main(["censored.png", "--name", "tiny", "--region", "250,100,150,120", "--quiet",
                         "--compare"]) == 0
    out = rgb(workdir / "restored" / "censored_restored.png")
    outside = np.ones(photo.shape[:2], bool)
    outside[100:220, 250:400] = False
    np.testing.assert_array_equal(out[outside], photo[outside])
    assert np.abs(out[~outside].astype(int) - photo[~outside]).mean() < 4  # the zero net gives the input back
    compare = rgb(workdir / "restored" / "censored_compare.png")
    assert compare.shape == (400, 600 + 8 + 600, 3)
    assert "censored.png: region 250,100,150,120: blocks 7." in capsys.readouterr().out
    assert restore.main(["censored.png", "--name", "tiny", "--region", "500,300,150,120", "--quiet"]) == 1
    assert "skipped censored.png: --region 500,300,150,120 lies outside the 600x400 image" in capsys.readouterr().err


@pytest.mark.parametrize("flags, message", [
    (["--name", "nope"], "--name nope: no run folder checkpoints/nope (see --checkpoints_dir)"),
    (["--name", "tiny", "--epoch", "7"],
     "--epoch 7: no checkpoint checkpoints/tiny/7_net_G.pth (this run has: 1, latest)"),
    (["--name", "tiny", "--checkpoints_dir", "elsewhere"],
     "--name tiny: no run folder elsewhere/tiny (see --checkpoints_dir)"),
    (["--name", "tiny", "--gpu_ids", "x"], "--gpu_ids x: use e.g. 0 or 0,1, or -1 for CPU"),
])
def test_bad_run_or_flag_is_one_line_and_status_2(workdir, capsys, flags, message):
    pixelated(100, 100).save(workdir / "a.png")
    assert restore.main(["a.png", *flags]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"restore: error: {message}"]
    assert not (workdir / "restored").exists()


def test_a_run_without_train_opt_or_pixel_size(workdir, capsys):
    pixelated(100, 100).save(workdir / "a.png")
    (workdir / "checkpoints" / "tiny" / "train_opt.txt").unlink()
    assert restore.main(["a.png", "--name", "tiny"]) == 2
    assert "train_opt.txt not found" in capsys.readouterr().err
    write_run(workdir / "checkpoints", "aligned", {k: v for k, v in TINY_RUN.items() if k != "pixel_size"})
    assert restore.main(["a.png", "--name", "aligned", "--quiet"]) == 2
    assert "give --model_block" in capsys.readouterr().err
    assert restore.main(["a.png", "--name", "aligned", "--model_block", "4", "--quiet"]) == 0


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_gpu_ids_without_a_gpu(workdir, capsys):
    assert restore.main(["a.png", "--name", "tiny", "--gpu_ids", "0"]) == 2
    assert "--gpu_ids 0: no such CUDA device here (use -1 for CPU)" in capsys.readouterr().err


# no --name was a usage error until a model shipped inside the package (issue 19): it now means the
# bundled model (tests/test_bundled_model.py); naming two models is the usage error instead
@pytest.mark.parametrize("flags", [["--region", "1,2,3"], ["--tile", "0"], ["--block_size", "0.5"],
                                   ["--pixel_size", "0.5"], ["--pixel_size", "4", "--block_size", "4"],
                                   ["--model", "x.pth"], ["--back_project", "-1"]])
def test_bad_command_line_exits_2(workdir, flags):
    with pytest.raises(SystemExit) as err:
        restore.main(["a.png", *flags, "--name", "tiny"])
    assert err.value.code == 2


def test_pixel_size_is_the_old_name_of_block_size(capsys):
    args = restore.parse_args(["a.png", "--name", "tiny", "--pixel_size", "6"])
    assert args.block_size == 6.0
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "--pixel_size was renamed to --block_size" in err[0]
    assert restore.parse_args(["a.png", "--name", "tiny", "--block_size", "6"]).block_size == 6.0
    assert capsys.readouterr().err == ""


def test_summary_line():
    assert restore.summary_line(1, 1, "out", []) == "restored 1 of 1 image into out"
    skipped = [("a", "no pixel grid", "x"), ("b", "unreadable", "y"), ("c", "no pixel grid", "z")]
    assert restore.summary_line(2, 5, "o", skipped) == "restored 2 of 5 images into o; skipped 3: " \
                                                       "2 no pixel grid, 1 unreadable"


def test_pixelated_by_this_project_restores_exactly(workdir):
    img = pixelation.pixelate(Image.fromarray(skimage_photos()[2]).resize((256, 256)), 64)
    img.save(workdir / "cat.png")
    assert restore.main(["cat.png", "--name", "tiny", "--quiet"]) == 0
    np.testing.assert_array_equal(rgb(workdir / "restored" / "cat_restored.png"), np.asarray(img))
