"""plugins.evaluation.tables: CSV and strict JSON files, written atomically."""
from __future__ import annotations

import csv
import json
import math

from plugins.evaluation import tables


def test_csv_keeps_column_order_and_writes_none_as_empty(tmp_path):
    rows = [{"b": 1, "a": None, "extra": "x"}, {"a": 2.5, "b": math.inf}]
    tables.write_csv(tmp_path / "t.csv", rows, ["a", "b"])
    with open(tmp_path / "t.csv") as f:
        assert list(csv.reader(f)) == [["a", "b"], ["", "1"], ["2.5", "inf"]]
    assert [p.name for p in tmp_path.iterdir()] == ["t.csv"]  # no temporary file left


def test_json_is_strict_nan_as_null_at_any_depth(tmp_path):
    tables.write_json(tmp_path / "s.json", {"a": (1.0, math.nan), "b": [{"c": math.nan}], "p": tmp_path})
    data = json.loads((tmp_path / "s.json").read_text())
    assert data == {"a": [1.0, None], "b": [{"c": None}], "p": str(tmp_path)}
    assert (tmp_path / "s.json").read_text().endswith("}\n")
