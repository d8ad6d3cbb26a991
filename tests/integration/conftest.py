"""Integration tier: a temporary copy of the real upstream with our plugins linked.

Skips when no upstream checkout is found (./upstream or $PIX2PIX_UPSTREAM).
Tests never write into the user's checkout: they work in the copy.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from plugins import link

SKIP_REASON = "upstream not checked out: git submodule update --init, or set PIX2PIX_UPSTREAM"


def pytest_collection_modifyitems(items):
    for item in items:
        if "integration" in str(item.fspath):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def upstream(tmp_path_factory) -> Path:
    """A linked copy of the upstream checkout (session-wide)."""
    try:
        source = link.find_upstream()
    except link.LinkError:
        pytest.skip(SKIP_REASON)
    copy = tmp_path_factory.mktemp("upstream") / "tree"
    shutil.copytree(source, copy, symlinks=True,
                    ignore=shutil.ignore_patterns(".git", "imgs", "checkpoints", "results", "datasets"))
    link.link(copy)
    return copy
