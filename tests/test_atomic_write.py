"""plugins.data.atomic_write: whole files or none, with ordinary permissions."""
import os
import stat

import pytest

from plugins.data import atomic_write


def test_write_text_replaces_whole_file_with_normal_mode(tmp_path):
    path = tmp_path / "sub" / "summary.json"
    atomic_write.write_text(path, "one")
    atomic_write.write_text(path, "two")
    assert path.read_text() == "two"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o666 & ~atomic_write_umask()
    assert os.listdir(path.parent) == ["summary.json"]


def test_failure_keeps_old_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "metrics.csv"
    path.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_write.atomic_path(path) as tmp:
            tmp.write_text("half")
            raise RuntimeError("killed")
    assert path.read_text() == "old" and os.listdir(tmp_path) == ["metrics.csv"]


def atomic_write_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
