"""visdom.sh's server, offline, shows what a client pushed: checked in headless Chromium.

Needs Debian's chromium and the playwright package (.ci/run installs both) and
the real visdom assets (fetched with npm once per session).
"""
from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from plugins.upstream import visdom_assets

from .conftest import REPO_ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def assets():
    if not visdom_assets.is_built(visdom_assets.visdom_static_dir(), visdom_assets.visdom_version()):
        assert visdom_assets.main([]) == 0
    return visdom_assets.visdom_static_dir()


def offline(command: list[str]) -> list[str]:
    """The command inside a new network namespace with only loopback (when this machine allows it)."""
    if shutil.which("unshare") and subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0:
        return ["unshare", "-n", "bash", "-c", 'ip link set lo up && exec "$@"', "offline", *command]
    pytest.skip("cannot make a network namespace here (unshare -n)")


def test_offline_server_shows_line_and_image(assets, tmp_path):
    pytest.importorskip("playwright")
    if not (shutil.which("chromium") or Path("/usr/bin/chromium").exists()):
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    proc = subprocess.run(offline([sys.executable, str(REPO_ROOT / "tests/visdom_page_check.py"), str(tmp_path),
                                   str(free_port())]), capture_output=True, text=True, timeout=300)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    assert lines, proc.stdout[-2000:] + proc.stderr[-2000:]
    result = json.loads(lines[-1])
    assert result["start_rc"] == 0, result["start_out"]
    assert result["downloaded"] is False
    assert "PSNR: output vs pixelated input" in " ".join(result["titles"])
    assert result["line_traces"] >= 2
    assert result["images"] and result["images"][0].startswith("data:image/")
    assert (tmp_path / "visdom_page.png").stat().st_size > 10000
    assert "stopped" in result["stop_out"]


def test_port_held_by_something_else(tmp_path):
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
                              cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(50):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                import time
                time.sleep(0.1)
        proc = subprocess.run(["bash", str(REPO_ROOT / "scripts/visdom.sh"), "start"], capture_output=True, text=True,
                              env={"PATH": "/usr/bin:/bin", "VISDOM_PORT": str(port), "VISDOM_DIR": str(tmp_path)})
        assert proc.returncode == 2 and "not visdom" in proc.stderr
    finally:
        server.terminate()
        server.wait()
