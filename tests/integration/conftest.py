"""Integration tier: temporary copies of the real upstreams with our plugins linked.

Every test that takes `upstream` runs once per upstream it is given:
- [pinned]: $PIX2PIX_UPSTREAM, else the submodule ./upstream (e19f22f: --gpu_ids, visdom);
- [latest]: $PIX2PIX_UPSTREAM_LATEST (2a7afba or newer: torchrun/DDP, wandb).
Each skips, saying how to get it, when it is not there. `upstream_flavour`
tells which flavour a checkout is, from its own parsers. Tests never write
into the user's checkouts: they work in the copies.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from plugins.upstream import link

from .upstream_runner import flavour_of

SOURCES = {
    "pinned": ("PIX2PIX_UPSTREAM", "upstream not checked out: git submodule update --init, or set "
                                   "PIX2PIX_UPSTREAM to a checkout of e19f22f (.ci/run uses ../shared/upstream/e19f22f "
                                   "when it exists)"),
    "latest": ("PIX2PIX_UPSTREAM_LATEST", "no newer upstream given: set PIX2PIX_UPSTREAM_LATEST to a checkout of "
                                          "2a7afba or later (.ci/run uses ../shared/upstream/2a7afba when it "
                                          "exists; README, Upstream)"),
}


def pytest_collection_modifyitems(items):
    for item in items:
        if "integration" in str(item.fspath):
            item.add_marker(pytest.mark.integration)


def source_of(which: str) -> Path:
    """The checkout behind one parameter, or a clean skip saying how to get it."""
    variable, reason = SOURCES[which]
    try:
        if which == "pinned":
            return link.find_upstream()  # $PIX2PIX_UPSTREAM, else ./upstream
        if not os.environ.get(variable):
            pytest.skip(reason)
        return link.find_upstream(os.environ[variable])
    except link.LinkError as err:
        pytest.skip(f"{reason} ({err})")


@pytest.fixture(scope="session", params=list(SOURCES))
def upstream(request, tmp_path_factory) -> Path:
    """A linked copy of one upstream checkout (session-wide, per parameter)."""
    source = source_of(request.param)
    copy = tmp_path_factory.mktemp(f"upstream-{request.param}") / "tree"
    shutil.copytree(source, copy, symlinks=True,
                    ignore=shutil.ignore_patterns(".git", "imgs", "checkpoints", "results", "datasets", "wandb"))
    link.link(copy)
    return copy


@pytest.fixture(scope="session")
def upstream_flavour(upstream) -> str:
    """GPU_IDS or TORCHRUN, read from the copy's own parsers."""
    return flavour_of(upstream)
