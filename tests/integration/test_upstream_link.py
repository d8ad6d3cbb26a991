"""The real upstream sees our plugins once linked; its flavour is told from its own parsers."""
from plugins.upstream.parsers import GPU_IDS, TORCHRUN

from .upstream_runner import cpu_flags, run_upstream


def test_train_help_lists_upstream_options(upstream, upstream_flavour):
    out = run_upstream(upstream, "train.py", "--help").stdout
    for flag in ("--dataroot", "--n_epochs", "--use_wandb"):
        assert flag in out
    if upstream_flavour == GPU_IDS:
        assert "--gpu_ids" in out and "--display_id" in out
    else:
        assert upstream_flavour == TORCHRUN
        assert "--gpu_ids" not in out and "--display_id" not in out


def test_pixelated_mode_options_reach_upstream(upstream, tmp_path):
    # Upstream answers --help before it adds model and dataset options,
    # so ours show in the option table every run prints (and in train_opt.txt).
    proc = run_upstream(upstream, "test.py", "--dataset_mode", "pixelated", "--model", "pix2pix",
                        *cpu_flags(upstream), "--dataroot", str(tmp_path / "none"),
                        "--checkpoints_dir", str(tmp_path), check=False)
    for flag in ("pixel_size", "pixel_down", "pixel_up", "pixel_seed", "pixel_source", "pixel_skip_bad"):
        assert f"{flag}:" in proc.stdout
    assert proc.returncode != 0 and "no folder" in proc.stderr
