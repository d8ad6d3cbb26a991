"""One sweep at a time per --sweep_dir: an exclusive lock on <sweep_dir>/.sweep.lock.

Two sweeps on one folder would train every run into the same checkpoint
folders, so one run's checkpoints could mix two trainings. The lock is the
operating system's (filelock: flock on POSIX), so the kernel drops it when
its process dies, however it dies: a lock file left by a killed sweep
blocks nothing. The holder's pid is written into the file for the refusal.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import filelock

from plugins.cli import UserError

LOCK_NAME = ".sweep.lock"


class FolderBusy(UserError):
    """Another live process holds the sweep folder."""


@contextmanager
def hold(sweep_dir: Path) -> Iterator[None]:
    """Hold the sweep folder's lock for the block; FolderBusy (one line) at once when another holds it."""
    path = Path(sweep_dir) / LOCK_NAME
    lock = filelock.FileLock(str(path), timeout=0)
    try:
        lock.acquire()
    except filelock.Timeout:
        try:
            holder = path.read_text().strip()
        except OSError:
            holder = ""
        raise FolderBusy(f"--sweep_dir {sweep_dir}: another sweep is running in it"
                         f"{f' (pid {holder})' if holder.isdigit() else ''}; wait for it to end or choose "
                         "another --sweep_dir") from None
    try:
        path.write_text(f"{os.getpid()}\n")
        yield
    finally:
        lock.release()
