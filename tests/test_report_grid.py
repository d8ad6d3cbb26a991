"""plugins.report.comparison_grid: every model side by side on the same test images."""
from __future__ import annotations

import numpy as np
from PIL import Image

from plugins.evaluation import report
from plugins.testing.synthetic_results import write_triplets


def test_grid_has_a_row_per_image_and_a_column_per_model(tmp_path):
    first, second = tmp_path / "a" / "images", tmp_path / "b" / "images"
    write_triplets(first, 3)
    write_triplets(second, 3)
    out = tmp_path / "docs" / "grid.png"
    report.comparison_grid({"a": {"images_dir": str(first)}, "b": {"images_dir": str(second)}}, out, rows=2, width=32)
    grid = np.asarray(Image.open(out))
    assert grid.shape == (2 * 32, 5 * 32, 3)  # input | bicubic | a | b | real
    real_b = np.asarray(Image.open(sorted(first.glob("*_real_B.png"))[0]).resize((32, 32), Image.Resampling.NEAREST))
    assert np.array_equal(grid[:32, 4 * 32:], real_b)
