"""plugins.link: finding upstream, linking, unlinking, refusing foreign files."""
from __future__ import annotations

import subprocess
import sys

import pytest

from plugins.upstream import link


def test_links_every_plugin_module(fake_upstream):
    made = link.link(fake_upstream)
    modules = link.plugin_modules()
    assert modules and len(made) == len(modules)
    for module in modules:
        place = link.link_place(fake_upstream, module)
        folder = "data" if module.name.endswith("_dataset.py") else "models"
        assert place.parent.name == folder and place.resolve() == module
    assert all(state == "linked" for _, state in link.link_state(fake_upstream))


def test_link_is_idempotent_and_unlink_removes_only_ours(fake_upstream):
    link.link(fake_upstream)
    assert link.link(fake_upstream) == []
    user_file = fake_upstream / "data" / "mine_dataset.py"
    user_file.write_text("# user's own mode\n")
    removed = link.unlink(fake_upstream)
    assert len(removed) == len(link.plugin_modules())
    assert user_file.exists()
    assert all(state == "missing" for _, state in link.link_state(fake_upstream))


def test_refuses_a_foreign_file_and_changes_nothing(fake_upstream):
    module = link.plugin_modules()[0]
    place = link.link_place(fake_upstream, module)
    place.write_text("user code")
    with pytest.raises(link.LinkError, match="not a link"):
        link.link(fake_upstream)
    assert place.read_text() == "user code"
    others = [p for p, _ in link.link_state(fake_upstream) if p != place]
    assert not any(p.is_symlink() for p in others)


def test_find_upstream_order(fake_upstream, tmp_path, monkeypatch):
    monkeypatch.setenv("PIX2PIX_UPSTREAM", str(fake_upstream))
    assert link.find_upstream() == fake_upstream.resolve()
    other = tmp_path / "nothing"
    with pytest.raises(link.LinkError, match="does not exist"):
        link.find_upstream(other)


def test_non_upstream_folder_names_what_is_missing(tmp_path):
    with pytest.raises(link.LinkError) as err:
        link.find_upstream(tmp_path)
    message = str(err.value)
    assert "train.py" in message and "git submodule update --init" in message
    assert "\n" not in message


def test_git_exclude_keeps_checkout_clean(fake_upstream):
    subprocess.run(["git", "init", "-q", str(fake_upstream)], check=True)
    link.link(fake_upstream)
    status = subprocess.run(["git", "-C", str(fake_upstream), "status", "--porcelain"],
                            capture_output=True, text=True, check=True).stdout
    assert "_dataset.py" not in status and "_model.py" not in status
    link.unlink(fake_upstream)
    exclude = (fake_upstream / ".git" / "info" / "exclude").read_text()
    assert "_dataset.py" not in exclude


@pytest.mark.parametrize("case", ["missing", "not_upstream", "foreign_file"])
def test_cli_errors_are_one_line_exit_2(case, fake_upstream, tmp_path):
    target = {"missing": tmp_path / "absent", "not_upstream": tmp_path}.get(case, fake_upstream)
    if case == "foreign_file":
        link.link_place(fake_upstream, link.plugin_modules()[0]).write_text("x")
    proc = subprocess.run([sys.executable, "-m", "plugins.link", "--upstream", str(target)],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("plugins.link: error:")


def test_cli_check_reports_state(fake_upstream):
    run = lambda *a: subprocess.run([sys.executable, "-m", "plugins.link", "--upstream",
                                     str(fake_upstream), *a], capture_output=True, text=True)
    assert run("--check").returncode == 1
    assert run().returncode == 0
    checked = run("--check")
    assert checked.returncode == 0 and "linked" in checked.stdout
