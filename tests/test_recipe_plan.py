"""plugins.sweep.recipe_plan: the ablation's flags, equal-time epochs, the table."""
from __future__ import annotations

import pytest

from plugins.sweep import recipe_plan
from plugins.evaluation import scores


def test_each_recipe_adds_one_lever_and_the_best_is_last():
    names = [r.name for r in recipe_plan.RECIPES]
    assert len(set(names)) == len(names) and recipe_plan.BEST is recipe_plan.RECIPES[-1]
    for before, after in zip(recipe_plan.RECIPES[1:], recipe_plan.RECIPES[2:]):
        added = {k: v for k, v in after.flags.items() if before.flags.get(k) != v}
        assert added, f"{after.name} changes nothing"
    best = recipe_plan.recipe_flags(recipe_plan.BEST, 12, 16)
    assert best["netG"].startswith("srnet_") and best["lambda_GAN"] == "0" and best["base"] == "bicubic"
    assert (best["n_epochs"], best["n_epochs_decay"], best["pixel_repeat"]) == ("8", "4", "16")
    assert recipe_plan.recipe_flags(recipe_plan.BEST, 1, 1)["n_epochs_decay"] == "0"


def test_equal_time_epochs():
    rate = recipe_plan.seconds_per_sample((8, 10.0), (40, 26.0))  # start-up cancels out
    assert rate == pytest.approx(0.5)
    with pytest.raises(ValueError, match="two sample counts"):
        recipe_plan.seconds_per_sample((8, 1.0), (8, 2.0))
    # 19 photos x 13 repeats = 247 samples -> 248 with whole batches of 4; 480 s at 0.1 s per sample
    assert recipe_plan.epochs_for_budget(480, 0.1, 19, 4) == (19, 13)
    assert recipe_plan.epochs_for_budget(1, 10.0, 19, 4)[0] == 2  # never fewer than two epochs


def summary(psnr_model: float) -> dict:
    metrics = {m: {k: {"mean": v} for k, v in (("psnr", p), ("cosine", 0.9), ("ssim", 0.8))}
               for m, p in (("model", psnr_model), ("input", 28.0), ("bicubic", 30.0))}
    gain = {b: {"mean_psnr_db": psnr_model - p, "win_rate": 1.0} for b, p in (("input", 28.0), ("bicubic", 30.0))}
    return {"count": 3, "metrics": metrics, "gain": gain}


def test_table_rows_and_markdown():
    row = recipe_plan.table_row(recipe_plan.BEST, "256/64", summary(32.5), 480.4)
    cpu = row["train_cpu_seconds"]
    assert row["gain_bicubic"] == pytest.approx(2.5) and row["test"] == "256/64" and cpu == 480.4
    assert set(scores.HEADLINE_COLUMNS) <= set(row)
    text = recipe_plan.markdown([row])
    assert "| srnet_rot |" in text and "| +2.50 | 100% |" in text and text.count("\n") == 3


def test_epochs_of_fewer_samples():
    # 3 photos x 11 repeats = 33 samples -> 36 with whole batches of 4; 12 s at 0.1 s per sample
    assert recipe_plan.epochs_for_budget(12, 0.1, 3, 4, epoch_samples=32) == (3, 11)


def test_a_bad_epoch_samples_is_refused_before_anything_runs(tmp_path, capsys):
    from plugins.sweep import recipes
    assert recipes.main(["--dataroot", str(tmp_path), "--epoch_samples", "0"]) == 2
    assert "--epoch_samples 0: must be >= 1" in capsys.readouterr().err
