"""The real upstream sees our plugins once linked."""
from .upstream_runner import run_upstream


def test_train_help_lists_upstream_options(upstream):
    out = run_upstream(upstream, "train.py", "--help").stdout
    for flag in ("--dataroot", "--n_epochs", "--gpu_ids", "--display_id"):
        assert flag in out


def test_pixelated_mode_options_reach_upstream(upstream, tmp_path):
    # The pinned upstream answers --help before it adds model and dataset options,
    # so ours show in the option table every run prints (and in train_opt.txt).
    proc = run_upstream(upstream, "test.py", "--dataset_mode", "pixelated", "--model", "pix2pix",
                        "--gpu_ids", "-1", "--dataroot", str(tmp_path / "none"),
                        "--checkpoints_dir", str(tmp_path), check=False)
    for flag in ("pixel_size", "pixel_down", "pixel_up", "pixel_seed", "pixel_source", "pixel_skip_bad"):
        assert f"{flag}:" in proc.stdout
    assert proc.returncode != 0 and "no folder" in proc.stderr
