"""Register this project's plugin modules inside an upstream checkout.

Upstream finds `--dataset_mode X` as `data/X_dataset.py` and `--model X` as
`models/X_model.py` in its own tree, so each plugin module gets a symbolic
link there. Linking is idempotent and reversible, never overwrites a file
that is not our link, and lists the links in the checkout's git
info/exclude so a submodule stays clean.

    python -m plugins.link [--upstream DIR] [--unlink] [--check]

The linked modules are named in LINKED, and nothing else is linked: a
helper that happens to end in `_model.py` stays out of upstream's tree.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from plugins import cli

PLUGIN_DIR = Path(__file__).resolve().parent
PACKAGE_DIR = PLUGIN_DIR.parent
REPO_ROOT = PACKAGE_DIR.parent
# The modules upstream loads by file name, each with the upstream folder its link goes in.
LINKED = {"pixelated_dataset.py": "data", "restore_model.py": "models"}
# What a folder must hold to be an upstream checkout.
REQUIRED = ("train.py", "test.py", "data/base_dataset.py", "models")
GET_UPSTREAM = "git submodule update --init, or set PIX2PIX_UPSTREAM"


class LinkError(cli.UserError):
    """A problem with the upstream folder or a link's place, in one line."""


def find_upstream(explicit: str | os.PathLike | None = None) -> Path:
    """Return the upstream checkout: `explicit`, else $PIX2PIX_UPSTREAM, else ./upstream.

    Raises LinkError naming what is missing when the folder is not a checkout.
    """
    if explicit:
        path, origin = Path(explicit), "--upstream"
    elif os.environ.get("PIX2PIX_UPSTREAM"):
        path, origin = Path(os.environ["PIX2PIX_UPSTREAM"]), "PIX2PIX_UPSTREAM"
    else:
        path, origin = REPO_ROOT / "upstream", "the submodule"
    if not path.is_dir():
        raise LinkError(f"upstream folder {path} ({origin}) does not exist: {GET_UPSTREAM}")
    missing = [name for name in REQUIRED if not (path / name).exists()]
    if missing:
        raise LinkError(f"{path} ({origin}) is not an upstream checkout, it lacks "
                        f"{', '.join(missing)}: {GET_UPSTREAM}")
    return path.resolve()


def plugin_modules() -> list[Path]:
    """The plugin modules that upstream should find (LINKED)."""
    return [PLUGIN_DIR / name for name in sorted(LINKED)]


def link_place(upstream: Path, module: Path) -> Path:
    """Where the link to `module` goes inside `upstream`."""
    return upstream / LINKED[module.name] / module.name


def is_our_link(place: Path) -> bool:
    """True when `place` is a symbolic link to one of our modules: in this folder, or in the package's
    top folder where they lived before the subpackages (such an old link is replaced by link())."""
    return place.is_symlink() and Path(os.readlink(place)).parent.resolve() in (PLUGIN_DIR, PACKAGE_DIR)


def link_state(upstream: Path) -> list[tuple[Path, str]]:
    """Each link place with its state: linked, stale (our link to where the module no longer is),
    missing, or blocked (a foreign file)."""
    states = []
    for module in plugin_modules():
        place = link_place(upstream, module)
        if is_our_link(place):
            states.append((place, "linked" if place.resolve() == module else "stale"))
        elif place.exists() or place.is_symlink():
            states.append((place, "blocked"))
        else:
            states.append((place, "missing"))
    return states


def _exclude_file(upstream: Path) -> Path | None:
    """The git info/exclude file of the upstream checkout, or None outside git."""
    try:
        out = subprocess.run(["git", "-C", str(upstream), "rev-parse", "--git-path", "info/exclude"],
                             capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    # Only the checkout's own repository: never a parent repository's exclude.
    top = subprocess.run(["git", "-C", str(upstream), "rev-parse", "--show-toplevel"],
                         capture_output=True, text=True).stdout.strip()
    if not top or Path(top).resolve() != upstream.resolve():
        return None
    path = Path(out)
    return path if path.is_absolute() else upstream / path


def _set_excluded(upstream: Path, places: list[Path], excluded: bool) -> None:
    """Add or remove the link places in the checkout's info/exclude."""
    exclude = _exclude_file(upstream)
    if exclude is None:
        return
    patterns = {"/" + p.relative_to(upstream).as_posix() for p in places}
    lines = exclude.read_text().splitlines() if exclude.exists() else []
    kept = [line for line in lines if line not in patterns]
    new = kept + sorted(patterns) if excluded else kept
    if new != lines:
        exclude.parent.mkdir(parents=True, exist_ok=True)
        exclude.write_text("".join(line + "\n" for line in new))


def link(upstream: Path) -> list[Path]:
    """Link every plugin module into `upstream`; return the links made now.

    Raises LinkError, before touching anything, if a place holds a foreign file.
    """
    states = link_state(upstream)
    blocked = [place for place, state in states if state == "blocked"]
    if blocked:
        raise LinkError(f"{blocked[0]} exists and is not a link to {PLUGIN_DIR}: "
                        "move it away, then link again")
    made = []
    for module, (place, state) in zip(plugin_modules(), states):
        if state == "stale":
            place.unlink()
        if state in ("missing", "stale"):
            place.symlink_to(module)
            made.append(place)
    _set_excluded(upstream, [place for place, _ in states], True)
    return made


def unlink(upstream: Path) -> list[Path]:
    """Remove our links from `upstream` (stale ones too); return what was removed."""
    removed = []
    for folder in sorted(set(LINKED.values())):
        for place in sorted((upstream / folder).iterdir()):
            if is_our_link(place):
                place.unlink()
                removed.append(place)
    _set_excluded(upstream, removed + [p for p, _ in link_state(upstream)], False)
    return removed


@cli.command("plugins.link")
def main(argv: list[str] | None = None) -> int:
    """Link, unlink or check; 1 when --check finds a link missing, 2 for an upstream it cannot use."""
    parser = argparse.ArgumentParser(prog="python -m plugins.link", description=__doc__.split("\n")[0])
    parser.add_argument("--upstream", help="upstream checkout (default: $PIX2PIX_UPSTREAM, else ./upstream)")
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--unlink", action="store_true", help="remove the links this tool made")
    action.add_argument("--check", action="store_true", help="report the state of each link; exit 1 unless all are linked")
    args = parser.parse_args(argv)
    upstream = find_upstream(args.upstream)
    if args.check:
        states = link_state(upstream)
        for place, state in states:
            print(f"{state:8s} {place}")
        return 0 if all(state == "linked" for _, state in states) else 1
    if args.unlink:
        for place in unlink(upstream):
            print(f"unlinked {place}")
        return 0
    made = link(upstream)
    for place in made:
        print(f"linked   {place}")
    if not made:
        print(f"plugins already linked in {upstream}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
