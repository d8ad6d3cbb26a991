"""plugins.upstream.visdom_assets: install from tarballs, refuse bad ones, cover what visdom downloads."""
from __future__ import annotations

import hashlib
import inspect
import io
import re
import subprocess
import sys
import tarfile

import pytest

from plugins.upstream import visdom_assets
from plugins.upstream.visdom_assets import AssetError, Package


def make_tarball(folder, name, version, files: dict) -> str:
    """An npm-style tarball (package/...) with `files`; returns its sha256."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}-{version}.tgz"
    with tarfile.open(path, "w:gz") as tar:
        for member, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(member)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def tarballs(tmp_path):
    folder = tmp_path / "tarballs"
    a = make_tarball(folder, "liba", "1.0.0", {"package/dist/a.min.js": "var a;", "package/a.css": "a{}"})
    b = make_tarball(folder, "libb", "2.0.0", {"package/b.js": "var b;"})
    packages = (Package("liba", "1.0.0", a, {"package/dist/a.min.js": "js/a.min.js", "package/a.css": "css/a.css"}),
                Package("libb", "2.0.0", b, {"package/b.js": "js/mathjax/2.7.5/b.js"}))
    return folder, packages


def test_install_from_folder(tmp_path, tarballs):
    folder, packages = tarballs
    static = tmp_path / "static"
    assert not visdom_assets.is_built(static, "0.2.4", packages)
    written = visdom_assets.install(static, folder, packages, version="0.2.4")
    assert sorted(written) == ["css/a.css", "js/a.min.js", "js/mathjax/2.7.5/b.js"]
    assert (static / "js/a.min.js").read_text() == "var a;"
    assert (static / "version.built").read_text() == "0.2.4"
    assert visdom_assets.is_built(static, "0.2.4", packages)
    assert not visdom_assets.is_built(static, "0.2.5", packages)


def test_bad_checksum_leaves_static_as_it_was(tmp_path, tarballs):
    folder, packages = tarballs
    make_tarball(folder, "libb", "2.0.0", {"package/b.js": "var evil;"})  # replaced after pinning
    static = tmp_path / "static"
    (static / "js").mkdir(parents=True)
    (static / "js" / "a.min.js").write_text("old")
    with pytest.raises(AssetError, match="checksum mismatch for libb-2.0.0.tgz"):
        visdom_assets.install(static, folder, packages, version="0.2.4")
    assert (static / "js" / "a.min.js").read_text() == "old"
    assert not (static / "version.built").exists()


def test_missing_tarball_and_member(tmp_path, tarballs):
    folder, packages = tarballs
    (folder / "libb-2.0.0.tgz").unlink()
    with pytest.raises(AssetError, match="missing libb-2.0.0.tgz"):
        visdom_assets.install(tmp_path / "s", folder, packages, version="0.2.4")
    wrong = (Package("liba", "1.0.0", packages[0].sha256, {"package/nope.js": "js/nope.js"}),)
    with pytest.raises(AssetError, match="has no file package/nope.js"):
        visdom_assets.install(tmp_path / "s", folder, wrong, version="0.2.4")


def test_npm_failure_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setattr(visdom_assets.shutil, "which", lambda name: None)
    with pytest.raises(AssetError, match="npm is not installed"):
        visdom_assets.install(tmp_path / "s", None, visdom_assets.PACKAGES[:1], version="0.2.4")


def test_cli_errors(tmp_path):
    run = lambda *a: subprocess.run([sys.executable, "-m", "plugins.upstream.visdom_assets",
                                     "--static", str(tmp_path / "s"), *a], capture_output=True, text=True)
    missing = run("--from", str(tmp_path / "none"))
    assert missing.returncode == 2 and "no such folder" in missing.stderr and missing.stderr.count("\n") == 1
    (tmp_path / "empty").mkdir()
    empty = run("--from", str(tmp_path / "empty"))
    assert empty.returncode == 2 and "missing jquery-3.1.1.tgz" in empty.stderr
    assert "nothing changed" in empty.stderr and not (tmp_path / "s").exists()
    assert run("--check").returncode == 1


def test_packages_cover_everything_visdom_downloads():
    """Every file visdom's build.py fetches from a CDN is one of ours, at the same place."""
    from visdom.server import build
    source = inspect.getsource(build.download_scripts)
    ext_block = source[source.index("ext_files = {"):source.index("}", source.index("ext_files = {"))]
    wanted = set()
    for name in re.findall(r':\s*"([^"]+)"', ext_block):
        sub = "js" if name.endswith((".js", ".js.map")) else "css" if name.endswith(".css") else "fonts"
        wanted.add(f"{sub}/{name}")
    math_block = source[source.index("mathjax_path = ["):source.index("]", source.index("mathjax_path = ["))]
    for path in re.findall(r'"([^"]+)"', math_block):
        wanted.add(visdom_assets.MATHJAX + path.split("?")[0])
    ours = {target for p in visdom_assets.PACKAGES for target in p.files.values()}
    assert len(wanted) == 29 and wanted == ours
