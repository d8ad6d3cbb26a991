"""Table and summary files: CSV and strict JSON, written atomically.

The one way this project writes them (evaluate, sweep, the dataset builder):
CSV with a fixed column order and None as an empty cell; JSON with nan as
null, since JSON has no NaN and strict readers reject it. Readers, and a
rerun after a crash, see the old file or the whole new one.
"""
from __future__ import annotations

import csv
import io
import json
import math
import os

from plugins.data import atomic_write


def csv_text(rows: list[dict], columns: list[str]) -> str:
    """CSV of `rows` in `columns` (None as an empty cell, other keys ignored)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if row.get(k) is None else row.get(k) for k in columns})
    return out.getvalue()


def write_csv(path: str | os.PathLike, rows: list[dict], columns: list[str]) -> None:
    """`rows` as CSV in `columns`, atomically."""
    atomic_write.write_text(path, csv_text(rows, columns))


def json_safe(data):
    """`data` with every nan float as None, in dicts, lists and tuples at any depth."""
    if isinstance(data, dict):
        return {k: json_safe(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [json_safe(v) for v in data]
    return None if isinstance(data, float) and math.isnan(data) else data


def write_json(path: str | os.PathLike, data: dict | list) -> None:
    """Strict JSON (nan as null, other non-JSON values as str), indented, atomically."""
    atomic_write.write_text(path, json.dumps(json_safe(data), indent=2, default=str, allow_nan=False) + "\n")
