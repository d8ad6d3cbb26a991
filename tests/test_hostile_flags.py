"""Hostile flags outside the restore command (issue 21): pixel size ranges, --psnr_cap, the sweep's
--suffix and epochs, two sweeps on one folder, and the torch bound in setup.cfg."""
from __future__ import annotations

import argparse
import configparser
import os
import signal
import subprocess
import sys
import textwrap

import pytest
from packaging.requirements import Requirement

from plugins import evaluate
from plugins.data import pixelation
from plugins.restore import run_options
from plugins.sweep import folder_lock

from .conftest import REPO_ROOT
from .test_sweep import fake, run_sweep  # noqa: F401 (the fixture)


# defect 6: a huge range was built in memory before it was checked
@pytest.mark.parametrize("spec", ["1:1000000000", "1000000000", "4,99999999"])
def test_a_huge_pixel_size_is_refused_before_it_is_built(spec):
    with pytest.raises(ValueError, match="above 65536"):
        pixelation.parse_pixel_size(spec)


def test_a_train_opt_with_a_huge_range_is_refused():
    opt = argparse.Namespace(pixel_size="1:1000000000", crop_size=256)
    with pytest.raises(ValueError, match="above 65536"):
        run_options.model_block(opt)
    with pytest.raises(ValueError, match="larger than the image size 256"):
        run_options.model_block(argparse.Namespace(pixel_size="16:512", crop_size=256))


# defect 7: --psnr_cap inf or nan broke summary.json; a negative cap made every PSNR -5
@pytest.mark.parametrize("cap", ["inf", "nan", "-5", "0"])
def test_psnr_cap_must_be_a_finite_positive_number(cap):
    with pytest.raises(SystemExit) as err:
        evaluate.parse_args(["--results_dir", "x", "--psnr_cap", cap])
    assert err.value.code == 2


# defect 8 and the epoch wart: refused up front, nothing made
@pytest.mark.parametrize("options, base, message", [
    ([], ("--suffix", "foo"), "--suffix is set by the sweep itself"),
    (["--grid", "n_epochs=1,0"], (), "n_epochs must be at least 1"),
])
def test_sweep_refuses_before_anything_runs(fake, capsys, options, base, message):
    assert run_sweep(fake, *options, base=("--n_epochs_decay", "0", *base)) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not (fake / "sw").exists()


# defect 9: one sweep per folder; a dead holder's lock blocks nothing
HOLDER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from plugins.sweep import folder_lock
    with folder_lock.hold(Path(sys.argv[1])):
        print("held", flush=True)
        time.sleep(600)
""")


def hold_in_another_process(folder):
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(folder)], cwd=REPO_ROOT, stdout=subprocess.PIPE,
                            text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_a_second_sweep_on_one_folder_refuses_in_one_line(fake, capsys):
    (fake / "sw").mkdir()
    holder = hold_in_another_process(fake / "sw")
    try:
        assert run_sweep(fake, "--grid", "n_epochs=1", "--test_epochs", "1") == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1
        assert f"another sweep is running in it (pid {holder.pid})" in err
        assert not (fake / "sw" / "checkpoints").exists()
    finally:
        holder.kill()
        holder.wait()


def test_the_lock_of_a_killed_sweep_is_taken_over(tmp_path):
    holder = hold_in_another_process(tmp_path)
    with pytest.raises(folder_lock.FolderBusy):
        with folder_lock.hold(tmp_path):
            pass
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    assert (tmp_path / folder_lock.LOCK_NAME).exists()  # left behind, and stale
    with folder_lock.hold(tmp_path):
        assert (tmp_path / folder_lock.LOCK_NAME).read_text().strip() == str(os.getpid())


# setup.cfg: the pinned upstream's own torch.load is safe only where it defaults to weights_only
def test_torch_is_at_least_the_weights_only_default():
    config = configparser.ConfigParser()
    config.read(REPO_ROOT / "setup.cfg")
    lines = [line.split("#")[0].strip() for line in config["options"]["install_requires"].splitlines()]
    torch = next(Requirement(line) for line in lines if line and Requirement(line).name == "torch")
    assert not torch.specifier.contains("2.5.1") and torch.specifier.contains("2.6.0")
