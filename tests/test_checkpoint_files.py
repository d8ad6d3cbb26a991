"""plugins.upstream.checkpoint_files: upstream's <epoch>_net_<net>.pth names, written and read back."""
from __future__ import annotations

from plugins.upstream import checkpoint_files


def test_saved_epochs_numbers_first_then_names(tmp_path):
    for epoch in ("10", "2", "latest", "best"):
        checkpoint_files.net_file(tmp_path, epoch).write_text("")
    checkpoint_files.net_file(tmp_path, 3, "D").write_text("")
    assert checkpoint_files.net_file(tmp_path, 3, "D").name == "3_net_D.pth"
    assert checkpoint_files.saved_epochs(tmp_path) == ["2", "10", "best", "latest"]
    assert checkpoint_files.saved_epochs(tmp_path, "D") == ["3"]
