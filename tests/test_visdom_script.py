"""scripts/visdom.sh stop signals only the visdom server it started, never whatever a stale pid file names."""
from __future__ import annotations

import subprocess
import sys

import pytest

from .conftest import REPO_ROOT
from .test_visdom_page import free_port

SCRIPT = str(REPO_ROOT / "scripts" / "visdom.sh")


def stop(state, port: str) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "VISDOM_PORT": port, "VISDOM_DIR": str(state)}
    return subprocess.run(["bash", SCRIPT, "stop"], env=env, capture_output=True, text=True, timeout=60)


def lookalike(port: str) -> subprocess.Popen:
    """A harmless process whose command line is the one visdom.sh gives its server."""
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)", "-m", "visdom.server",
                             "-port", port, "-env_path", "env"])


@pytest.mark.parametrize("make", [lambda port: subprocess.Popen(["sleep", "300"]),
                                  lambda port: lookalike(str(int(port) + 1))], ids=["unrelated", "other_port"])
def test_stale_pid_file_signals_nothing(tmp_path, make):
    port = str(free_port())
    victim = make(port)
    try:
        (tmp_path / f"server-{port}.pid").write_text(f"{victim.pid}\n")
        done = stop(tmp_path, port)
        assert done.returncode == 0 and "stale pid file" in done.stdout and "signalled nothing" in done.stdout
        assert victim.poll() is None  # still running
        assert not (tmp_path / f"server-{port}.pid").exists()
    finally:
        victim.kill()
        victim.wait()


def test_stops_its_own_server(tmp_path):
    port = str(free_port())
    server = lookalike(port)
    try:
        (tmp_path / f"server-{port}.pid").write_text(f"{server.pid}\n")
        done = stop(tmp_path, port)
        assert done.returncode == 0 and "stopped the visdom server" in done.stdout
        assert server.wait(timeout=30) != 0
        assert not (tmp_path / f"server-{port}.pid").exists()
    finally:
        server.kill()
        server.wait()
