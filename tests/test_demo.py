"""The demo's data step and bad-input handling (its full run is in tests/integration)."""
from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from plugins import demo
from plugins.sweep import recipe_plan

from .conftest import REPO_ROOT

TINY = {"train": 3, "test": 2, "size": 32}


def test_builds_once_and_reuses(tmp_path):
    root = tmp_path / "demo"
    assert demo.build_photos(root, TINY) is True
    assert len(list((root / "train").glob("*.png"))) == 3 and len(list((root / "test").glob("*.png"))) == 2
    assert json.loads((root / demo.MARKER).read_text())["train"] == 3
    assert not (root / demo.BUILDING).exists()
    assert demo.build_photos(root, TINY) is False
    assert demo.build_photos(root, {**TINY, "train": 4}) is True  # other settings: rebuilt


def test_interrupted_build_is_redone_not_trusted(tmp_path):
    root = tmp_path / "demo"
    (root / "train").mkdir(parents=True)
    (root / demo.BUILDING).write_text("")
    (root / "train" / "half.png").write_bytes(b"")
    assert demo.build_photos(root, TINY) is True
    assert not (root / "train" / "half.png").exists()


def test_refuses_a_folder_it_did_not_make(tmp_path):
    root = tmp_path / "demo"
    root.mkdir()
    (root / "mine.txt").write_text("user data")
    with pytest.raises(demo.DemoError, match="was not made by the demo"):
        demo.build_photos(root, TINY)
    assert (root / "mine.txt").read_text() == "user data"


def test_demo_sh_without_upstream_says_how_to_get_it(tmp_path):
    scripts = tmp_path / "repo" / "scripts"
    scripts.mkdir(parents=True)
    shutil.copy(REPO_ROOT / "scripts" / "demo.sh", scripts)
    env = {"PATH": "/usr/bin:/bin"}
    proc = subprocess.run(["bash", str(scripts / "demo.sh")], capture_output=True, text=True, env=env)
    assert proc.returncode == 2 and "git submodule update --init" in proc.stderr
    assert proc.stderr.count("\n") == 1 and not (tmp_path / "repo" / ".venv").exists()
    proc = subprocess.run(["bash", str(scripts / "demo.sh")], capture_output=True, text=True,
                          env={**env, "PIX2PIX_UPSTREAM": str(tmp_path / "none")})
    assert proc.returncode == 2 and "PIX2PIX_UPSTREAM" in proc.stderr


def test_old_python_is_refused(tmp_path):
    fake = tmp_path / "python3.8"
    fake.write_text("#!/bin/sh\necho 'Python 3.8.18'\nexit 1\n")
    fake.chmod(0o755)
    proc = subprocess.run(["bash", "-c", f"source {REPO_ROOT}/scripts/venv.sh && PYTHON={fake} ensure_venv"],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "Python >= 3.10 is needed" in proc.stderr and "3.8" in proc.stderr


def test_the_demo_trains_the_best_recipe_on_box_and_bilinear_grids(tmp_path):
    args = demo.sweep_args(tmp_path / "data", tmp_path / "sweep", demo.SETTINGS["full"])
    flags = args[args.index("--") + 1:]
    assert flags[flags.index("--pixel_down") + 1] == "box,bilinear"
    assert flags[flags.index("--netG") + 1] == recipe_plan.BEST.flags["netG"] and "--pixel_rotate" in flags
    assert flags[flags.index("--val_dataroot") + 1] == str(tmp_path / "data" / "val")
