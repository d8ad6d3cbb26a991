"""`scripts/demo.sh --quick` against a real upstream, end to end."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent.parent


def test_demo_quick(upstream, tmp_path):
    env = dict(os.environ, PIX2PIX_UPSTREAM=str(upstream))
    argv = ["bash", str(REPO_ROOT / "scripts" / "demo.sh"), "--quick", "--data", str(tmp_path / "data"),
            "--sweep_dir", str(tmp_path / "sw")]
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "mean PSNR over 8 test images" in proc.stdout and "report:" in proc.stdout
    rows = json.loads((tmp_path / "sw" / "sweep.json").read_text())
    assert rows[0]["status"] == "done" and rows[0]["psnr_bicubic"] > 0
    assert Path(rows[0]["report"]).exists()
    again = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=900)
    assert again.returncode == 0 and "train.py" not in again.stdout  # nothing retrained
