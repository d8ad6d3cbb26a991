"""The restore command against hostile inputs and flags (issue 21): one line and exit 2 for a bad
command line or model, a per-image skip for a bad image, and nothing allocated past reason.

Same stand-in generator and run as tests/test_restore_cli.py.
"""
from __future__ import annotations

import os
import pickle

import numpy as np
import pytest
import torch
from PIL import Image

from plugins.restore import command as restore
from plugins.restore import pipeline

from .run_folder import TINY_RUN, write_run
from .test_restore_cli import pixelated, workdir  # noqa: F401 (the fixture)


def one_error_line(capsys) -> str:
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


# defect 1: a 1-px-wide image (or region) with a block size crashed the whole batch
@pytest.mark.parametrize("flags", [["thin.png", "good.png", "--block_size", "4"],
                                   ["good.png", "--region", "10,10,1,50", "--block_size", "4"],
                                   ["thin.png", "good.png", "--force"]])
def test_an_image_narrower_than_a_block_is_skipped_and_the_others_restored(workdir, capsys, flags):
    Image.fromarray(np.full((50, 1, 3), 90, np.uint8)).save(workdir / "thin.png")
    pixelated(120, 80).save(workdir / "good.png")
    status = restore.main([*flags, "--name", "tiny", "--quiet"])
    assert status == 1
    err = capsys.readouterr().err
    assert "holds too few such blocks" in err
    if "thin.png" in flags:
        assert (workdir / "restored" / "good_restored.png").is_file()


def test_a_block_larger_than_a_sixth_of_the_image_is_refused(workdir, capsys):
    pixelated(600, 400).save(workdir / "a.png")
    assert restore.main(["a.png", "--name", "tiny", "--block_size", "1000", "--quiet"]) == 1
    assert "--block_size 1000: a 600x400 image holds too few such blocks" in capsys.readouterr().err
    assert restore.main(["a.png", "--name", "tiny", "--block_size", "100", "--quiet"]) == 0  # a sixth: still ok


# defect 2: a checkpoint that is text, an HTML page or a pickle with code in it
class Payload:
    def __reduce__(self):
        return os.system, ("touch payload_ran",)


@pytest.mark.parametrize("content", [b"just some text\n", b"<!DOCTYPE html><html><body>404</body></html>",
                                     pickle.dumps(Payload()), "torch"])
def test_a_checkpoint_that_is_no_weights_is_one_line_and_status_2(workdir, capsys, content):
    path = workdir / "checkpoints" / "tiny" / "latest_net_G.pth"
    if content == "torch":
        torch.save({"net": Payload()}, path)
    else:
        path.write_bytes(content)
    assert restore.main(["a.png", "--name", "tiny"]) == 2
    line = one_error_line(capsys)
    assert line.startswith(f"restore: error: --name tiny: {path.relative_to(workdir)} is ")
    assert "weights_only=False" not in line
    assert not (workdir / "payload_ran").exists()
    shutil_copy = workdir / "model.pth"  # the same through --model FILE
    shutil_copy.write_bytes(path.read_bytes())
    (workdir / "train_opt.txt").write_text((workdir / "checkpoints" / "tiny" / "train_opt.txt").read_text())
    assert restore.main(["a.png", "--model", "model.pth"]) == 2
    assert "weights_only=False" not in one_error_line(capsys)
    assert not (workdir / "payload_ran").exists()


# defect 3: numeric flags without bounds
@pytest.mark.parametrize("flags", [["--block_size", "inf"], ["--block_size", "nan"], ["--pixel_size", "inf"],
                                   ["--tile", "1"], ["--tile", "63"]])
def test_numbers_out_of_bounds_are_usage_errors(workdir, flags):
    with pytest.raises(SystemExit) as err:
        restore.main(["a.png", *flags, "--name", "tiny"])
    assert err.value.code == 2


@pytest.mark.parametrize("flags", [["--block_size", "1e9"], ["--model_block", "1000"], ["--model_block", "200"]])
def test_huge_blocks_are_refused_before_allocating(workdir, capsys, flags):
    pixelated(600, 400).save(workdir / "a.png")
    assert restore.main(["a.png", "--name", "tiny", "--quiet", *flags]) == 1
    assert "skipped a.png:" in capsys.readouterr().err


def test_model_space_bound():
    arr = np.zeros((400, 600, 3), np.uint8)
    settings = pipeline.Settings(model_block=200, block_size=4)
    with pytest.raises(ValueError, match="smaller --model_block"):
        pipeline.restore_array(arr, lambda tile, grid: pytest.fail("the model ran"), settings)


# defect 4: a run of one-channel images
def test_a_one_channel_run_is_refused_up_front(workdir, capsys):
    write_run(workdir / "checkpoints", "gray", {**TINY_RUN, "input_nc": 1, "output_nc": 1})
    pixelated(100, 100).save(workdir / "a.png")
    assert restore.main(["a.png", "--name", "gray"]) == 2
    assert "restoring needs a colour model (--input_nc 3 --output_nc 3" in one_error_line(capsys)
    assert not (workdir / "restored").exists()


# defect 5: --out that cannot be written is found before any image is restored
@pytest.mark.parametrize("out", ["a_file", "/proc/restored", "a_file/sub"])
def test_an_unwritable_out_stops_before_restoring(workdir, capsys, monkeypatch, out):
    (workdir / "a_file").write_text("x")
    pixelated(100, 100).save(workdir / "a.png")
    monkeypatch.setattr(restore, "restore_file", lambda *a: pytest.fail("restored before checking --out"))
    assert restore.main(["a.png", "--name", "tiny", "--out", out]) == 2
    assert one_error_line(capsys).startswith(f"restore: error: --out {out}: not a folder this user can write")


# defect 10: alpha and grayscale
def test_alpha_is_carried_through_unchanged(workdir):
    rgb = np.asarray(pixelated(120, 80))
    alpha = np.tile(np.linspace(0, 255, 120).astype(np.uint8), (80, 1))
    Image.fromarray(np.dstack([rgb, alpha]), "RGBA").save(workdir / "a.png")
    assert restore.main(["a.png", "--name", "tiny", "--quiet"]) == 0
    with Image.open(workdir / "restored" / "a_restored.png") as out:
        assert out.mode == "RGBA"
        assert np.array_equal(np.asarray(out)[..., 3], alpha)
        assert np.abs(np.asarray(out)[..., :3].astype(int) - rgb).mean() < 3  # the colours as restored


def test_a_transparent_palette_keeps_its_transparency(workdir):
    img = pixelated(120, 80).quantize(16)
    img.info["transparency"] = 0
    img.save(workdir / "p.png", transparency=0)
    with Image.open(workdir / "p.png") as saved:
        hidden = np.asarray(saved.convert("RGBA"))[..., 3] == 0
    assert hidden.any()
    assert restore.main(["p.png", "--name", "tiny", "--quiet"]) == 0
    with Image.open(workdir / "restored" / "p_restored.png") as out:
        assert out.mode == "RGBA" and np.array_equal(np.asarray(out)[..., 3] == 0, hidden)


@pytest.mark.parametrize("mode", ["L", "LA"])
def test_grayscale_comes_back_grayscale(workdir, mode):
    gray = pixelated(120, 80).convert("L")
    (gray if mode == "L" else Image.merge("LA", [gray, gray])).save(workdir / "g.png")
    assert restore.main(["g.png", "--name", "tiny", "--quiet"]) == 0
    with Image.open(workdir / "restored" / "g_restored.png") as out:
        assert out.mode == mode
        assert np.abs(np.asarray(out.getchannel("L")).astype(int) - np.asarray(gray)).mean() < 3


# warts
def test_a_killed_writes_temporary_is_no_input_and_is_cleared(workdir, capsys):
    (workdir / "in").mkdir()
    pixelated(120, 80).save(workdir / "in" / "a.png")
    leftover = workdir / "in" / ".a_restored.png.x8k2j1.png"
    leftover.write_bytes(b"\x89PNG half")
    assert restore.main(["in", "--name", "tiny", "--out", "in", "--quiet"]) == 0
    assert not leftover.exists()
    assert sorted(p.name for p in (workdir / "in").iterdir()) == ["a.png", "a_restored.png"]


def test_one_file_named_three_times_is_restored_once(workdir, capsys):
    pixelated(120, 80).save(workdir / "a.png")
    assert restore.main(["a.png", "a.png", "./a.png", ".", "--name", "tiny", "--quiet"]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == "restored 1 of 1 image into ./restored"


@pytest.mark.parametrize("name", ["../x", "..", "/etc"])
def test_a_run_name_outside_checkpoints_dir_is_refused(workdir, capsys, name):
    write_run(workdir, "x", TINY_RUN)
    assert restore.main(["a.png", "--name", name]) == 2
    assert "a run's name is a folder inside --checkpoints_dir" in one_error_line(capsys)


def test_an_animated_gif_says_only_its_first_frame_is_restored(workdir, capsys):
    frames = [pixelated(120, 80), pixelated(120, 80, photo=2)]
    frames[0].save(workdir / "a.gif", save_all=True, append_images=frames[1:])
    assert restore.main(["a.gif", "--name", "tiny", "--quiet"]) == 0
    assert "the first of its 2 frames only" in capsys.readouterr().out
