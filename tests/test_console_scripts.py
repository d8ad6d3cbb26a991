"""The console scripts of setup.cfg: one prefix, and every target is a command's main that answers --help
(the targets are tested, not installed executables: a checkout need not be installed with them)."""
from __future__ import annotations

import configparser
import importlib

import pytest

from .conftest import REPO_ROOT

PREFIX = "pix2pix-"


def console_scripts() -> dict[str, str]:
    """{script name: 'module:function'} from setup.cfg's [options.entry_points]."""
    config = configparser.ConfigParser()
    config.read(REPO_ROOT / "setup.cfg")
    lines = config["options.entry_points"]["console_scripts"].strip().splitlines()
    return dict((part.strip() for part in line.split("=", 1)) for line in lines)


def test_every_command_has_a_script_with_the_prefix():
    scripts = console_scripts()
    assert all(name.startswith(PREFIX) for name in scripts)
    assert {"restore", "evaluate", "sweep", "recipes", "demo", "make-pixelated", "link"} \
        <= {name[len(PREFIX):] for name in scripts}


@pytest.mark.parametrize("name, target", sorted(console_scripts().items()))
def test_each_target_answers_help(name, target, capsys):
    module, function = target.split(":")
    main = getattr(importlib.import_module(module), function)
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    assert capsys.readouterr().out.startswith("usage: ")
