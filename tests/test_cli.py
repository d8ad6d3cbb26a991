"""plugins.cli: every command's mistakes are one line on stderr with one exit status."""
from __future__ import annotations

import pytest

from plugins import cli
from plugins.sweep.plan import PlanError
from plugins.upstream import driver
from plugins.upstream.link import LinkError
from plugins.upstream.parsers import UpstreamError
from plugins.upstream.visdom_assets import AssetError
from plugins.restore.command import CommandLineError
from plugins.demo import DemoError


def test_a_user_error_is_one_line_and_exit_status_2(capsys):
    @cli.command("tool")
    def main(argv=None):
        raise cli.UserError("--flag x: no such thing\nmore detail")
    assert main([]) == 2
    assert capsys.readouterr().err == "tool: error: --flag x: no such thing\n"


def test_a_failed_script_exits_1_and_other_statuses_pass_through(capsys):
    @cli.command("tool")
    def failing(argv=None):
        raise driver.ScriptFailed("train.py failed")

    @cli.command("tool")
    def skipping(argv=None):
        return cli.SKIPPED
    assert failing([]) == 1 and capsys.readouterr().err == "tool: error: train.py failed\n"
    assert skipping([]) == 1


def test_library_errors_count_only_where_named(capsys):
    @cli.command("tool", also=(ValueError,))
    def named(argv=None):
        raise ValueError("--size 0: must be positive")

    @cli.command("tool")
    def unnamed(argv=None):
        raise ValueError("a bug")
    assert named([]) == 2 and capsys.readouterr().err == "tool: error: --size 0: must be positive\n"
    with pytest.raises(ValueError):
        unnamed([])


@pytest.mark.parametrize("error", [PlanError, LinkError, UpstreamError, AssetError, CommandLineError, DemoError])
def test_the_commands_errors_are_user_errors(error):
    assert issubclass(error, cli.UserError) and error("x").status == 2
