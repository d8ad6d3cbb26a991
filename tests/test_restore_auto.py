"""python -m plugins.restore --region auto with a stand-in generator (the identity, as in test_restore_cli):
what is found is listed, only it is written, the rest stays byte-identical, and bad combinations stop."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from plugins.restore import command as restore

from .test_mosaics import BILINEAR, BOX, censor, jpeg, photo
from .test_restore_cli import pixelated, rgb, workdir  # noqa: F401  (the fixture)

TRUTH = [(300, 250, 150, 180, 13, BOX, (0, 0)), (200, 30, 64, 60, 5, BILINEAR, (2, 1))]  # as test_mosaics


def censored_photo() -> np.ndarray:
    arr = photo("astronaut.png")
    for x, y, w, h, block, down, shift in TRUTH:
        censor(arr, x, y, w, h, block, down, shift)
    return jpeg(arr, 80)


def test_auto_lists_the_mosaics_and_leaves_the_rest_byte_identical(workdir, capsys):
    arr = censored_photo()
    Image.fromarray(arr).save(workdir / "c.png")
    assert restore.main(["c.png", "--name", "tiny", "--region", "auto", "--save_mask", "--quiet"]) == 0
    line = [text for text in capsys.readouterr().out.splitlines() if text.startswith("c.png")][0]
    assert "2 pixelated regions:" in line and "px blocks" in line
    out, mask = rgb(workdir / "restored" / "c_restored.png"), rgb(workdir / "restored" / "c_mask.png")[:, :, 0]
    assert set(np.unique(mask)) == {0, 255}
    assert np.array_equal(out[mask == 0], arr[mask == 0])  # outside: exactly as decoded
    # the mask is the listed rectangles, each within a block of a true mosaic
    listed = [tuple(int(v) for v in part.split(" (")[0].split(",")) for part in line.split(": ", 2)[2].split("; ")]
    drawn = np.zeros_like(mask)
    for x, y, w, h in listed:
        drawn[y:y + h, x:x + w] = 255
    assert np.array_equal(drawn, mask)
    for x, y, w, h, block, _, _ in TRUTH:
        assert any(abs(a - x) <= block and abs(b - y) <= block and abs(a + c - x - w) <= block
                   and abs(b + d - y - h) <= block for a, b, c, d in listed), listed


def test_a_sharp_photo_is_not_written(workdir, capsys):
    Image.fromarray(jpeg(photo("coffee.png"), 85)).save(workdir / "sharp.png")
    assert restore.main(["sharp.png", "--name", "tiny", "--region", "auto", "--quiet"]) == 1
    text = capsys.readouterr()
    assert "skipped sharp.png: no pixelated region" in text.err
    assert "1 no pixelated region" in text.out
    assert not (workdir / "restored" / "sharp_restored.png").exists()


def test_a_mosaic_all_over_is_restored_whole(workdir):
    pixelated(300, 200).save(workdir / "all.png")
    assert restore.main(["all.png", "--name", "tiny", "--region", "auto", "--save_mask", "--quiet"]) == 0
    assert (rgb(workdir / "restored" / "all_mask.png") == 255).all()


@pytest.mark.parametrize("flags", [["--region", "auto", "--region", "1,2,3,4"], ["--region", "auto", "--force"],
                                   ["--region", "auto", "--block_size", "8"]])
def test_auto_with_rectangles_or_force_is_one_line_and_status_2(workdir, capsys, flags):
    with pytest.raises(SystemExit) as err:
        restore.main(["a.png", "--name", "tiny", *flags])
    assert err.value.code == 2
    assert "--region auto" in capsys.readouterr().err.strip().splitlines()[-1]
