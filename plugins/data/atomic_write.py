"""Atomic file writes: a temporary file in the same folder, then a rename.

Readers (and a rerun after a crash) see either the old file or the whole new
one, never half of it. A process killed mid-write leaves its hidden temporary
(`.<name>.<random><suffix>`); `leftovers` names them so a later run clears its own.
"""
from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


def _file_mode() -> int:
    """The mode a plain open() would give a new file (mkstemp's is 0600)."""
    try:
        with open("/proc/self/status") as status:
            umask = next(int(line.split()[1], 8) for line in status if line.startswith("Umask:"))
    except (OSError, StopIteration):
        umask = 0o022
    return 0o666 & ~umask


def _temporary_affixes(path: Path) -> tuple[str, str]:
    """The prefix and suffix of the temporary files atomic_path makes for `path`."""
    return f".{path.name}.", path.suffix or ".tmp"


def leftovers(path: str | os.PathLike) -> list[Path]:
    """Temporaries of `path` that a killed writer left beside it (hidden files, never inputs)."""
    path = Path(path)
    prefix, suffix = _temporary_affixes(path)
    if not path.parent.is_dir():
        return []
    return sorted(p for p in path.parent.iterdir() if p.name.startswith(prefix) and p.name.endswith(suffix)
                  and len(p.name) > len(prefix) + len(suffix))


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside `path`; rename it onto `path` if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    prefix, suffix = _temporary_affixes(path)
    fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, _file_mode())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_text(path: str | os.PathLike, text: str) -> None:
    """Write `text` to `path` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text)
