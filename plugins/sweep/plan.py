"""Plan a sweep over upstream's train.py flags: pure functions on dicts and paths.

A sweep is base flags (anything train.py takes) plus grid axes over any
flag, plus the epochs to test. Each grid point (times --repeats) is a run
with a stable name in the study's style (BS64_N40_D0, LRx20, _r2). Runs
that differ only in n_epochs with n_epochs_decay 0 share one training (the
trunk) to the largest N. When train.py steps the learning rate at the end of
each epoch (newest upstream) the trunk's epoch N is the N-epoch run's epoch
N. When it steps it at the start (the pinned upstream) an N-epoch run trains
epoch N at lr 0, so the trunk serves its epochs before N and a one-epoch
branch from the trunk's epoch N-1 (at lr 0 too) serves epoch N. The plan
also says, from what is on disk, what is done and where an interrupted
training resumes.
"""
from __future__ import annotations

import itertools
import json
import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from plugins.upstream.parsers import MANAGED_FLAGS
from plugins.cli import UserError

# upstream's defaults for the flags that make up a name (train_options.py)
DEFAULT_LR = 0.0002
NAME_FLAGS = ("batch_size", "n_epochs", "n_epochs_decay", "lr")


class PlanError(UserError, ValueError):
    """A sweep that cannot run, in one line, found before anything starts."""


@dataclass
class Run:
    """One grid point (and repeat): a row group of the sweep table."""
    name: str
    flags: dict  # train.py flags of this run, without the managed ones
    axes: dict  # the grid values of this run
    repeat: int
    total_epochs: int
    test_epochs: list[int]
    training: str = ""  # name of the training that serves it


@dataclass
class Training:
    """One call of train.py (maybe serving several runs)."""
    name: str
    flags: dict
    total_epochs: int
    test_epochs: list[int]
    save_epoch_freq: int
    serves: list[str] = field(default_factory=list)
    trunk: str = ""  # a branch: the training whose checkpoint of epoch start_epoch it continues
    start_epoch: int = 0


def parse_values(text: str) -> list[str]:
    """'10,20,40' -> ['10', '20', '40']; 'START:STOP:STEP' -> the inclusive integer range."""
    items = [v.strip() for v in text.split(",") if v.strip()]
    if len(items) == 1 and re.fullmatch(r"-?\d+:-?\d+:\d+", items[0]):
        start, stop, step = (int(x) for x in items[0].split(":"))
        items = [str(v) for v in range(start, stop + 1, step)] if step > 0 else []
    return items


def parse_grid_arg(text: str) -> tuple[str, list[str]]:
    """'n_epochs=10,20,40' -> ('n_epochs', ['10', '20', '40']); a:b:c gives a range with step c."""
    if "=" not in text:
        raise PlanError(f"--grid {text!r}: use FLAG=V1,V2,... (or FLAG=START:STOP:STEP)")
    flag, values = text.split("=", 1)
    flag = flag.strip().lstrip("-")
    items = parse_values(values)
    if not flag or not items:
        raise PlanError(f"--grid {text!r}: the axis {flag or '?'} has no values")
    return flag, items


def load_grid_file(path: Path) -> tuple[dict, dict]:
    """(base flags, grid axes) from a JSON or YAML file with keys `base` and `grid`."""
    try:
        text = path.read_text()
    except OSError as err:
        raise PlanError(f"--grid_file {path}: {err.strerror}") from None
    if path.suffix in (".yaml", ".yml"):
        import yaml
        content = yaml.safe_load(text) or {}
    else:
        content = json.loads(text)
    grid = {}
    for flag, values in (content.get("grid") or {}).items():
        values = values if isinstance(values, list) else [values]
        if not values:
            raise PlanError(f"--grid_file {path}: the axis {flag} has no values")
        grid[flag] = [str(v) for v in values]
    base = {k: (v if isinstance(v, bool) else str(v)) for k, v in (content.get("base") or {}).items()}
    return base, grid


def parse_flags(argv: list[str]) -> dict:
    """Upstream-style flags ['--dataroot', 'd', '--eval'] -> {'dataroot': 'd', 'eval': True}."""
    flags, i = {}, 0
    while i < len(argv):
        token = argv[i]
        if not token.startswith("--"):
            raise PlanError(f"unexpected argument {token!r}: upstream flags look like --flag [value]")
        if i + 1 < len(argv) and not argv[i + 1].startswith("--"):
            flags[token[2:]] = argv[i + 1]
            i += 2
        else:
            flags[token[2:]] = True
            i += 1
    return flags


def to_argv(flags: dict) -> list[str]:
    """{'dataroot': 'd', 'eval': True, 'no_flip': False} -> ['--dataroot', 'd', '--eval']."""
    argv = []
    for flag, value in flags.items():
        if value is True:
            argv.append(f"--{flag}")
        elif value is not False and value is not None:
            argv += [f"--{flag}", str(value)]
    return argv


def _number(text) -> str:
    """'10.0' -> '10', '0.1' -> '0.1' (names stay short and stable)."""
    value = float(text)
    return str(int(value)) if value == int(value) else f"{value:g}"


def run_name(flags: dict, axes: dict, repeat: int, defaults: dict) -> str:
    """The study's naming: BS{batch}_N{epochs}_D{decay}, LRx{lr / 0.0002} when lr differs,
    then each other grid axis whose value differs from upstream's default, then _r{k}."""
    get = lambda f: flags.get(f, defaults.get(f))  # noqa: E731
    name = f"BS{get('batch_size')}_N{get('n_epochs')}_D{get('n_epochs_decay')}"
    lr = float(get("lr"))
    if not math.isclose(lr, DEFAULT_LR):
        name += f"_LRx{_number(round(lr / DEFAULT_LR, 6))}"
    for flag, value in axes.items():
        if flag in NAME_FLAGS or str(value) == str(defaults.get(flag)):
            continue
        name += f"_{flag}" if value is True else f"_{flag}-{re.sub(r'[^A-Za-z0-9.]+', '-', str(value))}"
    return name + (f"_r{repeat}" if repeat > 1 else "")


def check_flags(flags: set[str], known: dict, origin: str) -> None:
    """PlanError naming the first flag train.py does not know or the sweep sets itself."""
    for flag in sorted(flags):
        if flag in MANAGED_FLAGS:
            raise PlanError(f"{origin}: --{flag} is set by the sweep itself")
        if flag not in known:
            raise PlanError(f"{origin}: --{flag} is not an option of upstream's train.py "
                            "(for this --model and --dataset_mode)")


def plan_runs(base: dict, grid: dict, repeats: int, test_epochs: list[int] | None, defaults: dict,
              test_every: int | None = None) -> list[Run]:
    """Every grid point times repeats, with its name and tested epochs.

    Tested epochs: `test_epochs` (those within each run), else every multiple
    of `test_every`, else of save_epoch_freq (the user's, else upstream's
    default) and the run's last epoch. The sweep saves every tested epoch
    (plan_trainings picks save_epoch_freq) unless the user fixed
    save_epoch_freq: then PlanError for a tested epoch it never saves, as for
    an empty axis or a run that tests nothing.
    """
    for flag, values in grid.items():
        if not values:
            raise PlanError(f"--grid {flag}: the axis has no values")
    runs, names = [], set()
    points = list(itertools.product(*grid.values())) if grid else [()]
    for point in points:
        axes = dict(zip(grid, point))
        flags = {**base, **axes}
        try:
            n_epochs, decay = int(flags.get("n_epochs", defaults["n_epochs"])), \
                int(flags.get("n_epochs_decay", defaults["n_epochs_decay"]))
            total = n_epochs + decay
            fixed = int(flags["save_epoch_freq"]) if "save_epoch_freq" in flags else None
            freq = fixed if fixed is not None else int(defaults.get("save_epoch_freq", 5))
        except ValueError:
            raise PlanError(f"n_epochs, n_epochs_decay and save_epoch_freq must be integers: {axes}") from None
        if freq < 1:
            raise PlanError(f"--save_epoch_freq {freq}: must be at least 1")
        if n_epochs < 1 or decay < 0:
            raise PlanError(f"n_epochs {n_epochs}, n_epochs_decay {decay}"
                            f"{f' (--grid {axes})' if axes else ''}: n_epochs must be at least 1, "
                            "n_epochs_decay at least 0")
        if test_epochs:
            epochs = [e for e in sorted(set(test_epochs)) if 1 <= e <= total]
        else:
            every = test_every or freq
            epochs = list(range(every, total + 1, every))
            if not (test_every or fixed):  # the sweep picks save_epoch_freq: the run's end is tested too
                epochs = sorted(set(epochs) | {total})
        if not epochs:
            origin = ("--test_epochs " + ",".join(map(str, test_epochs)) if test_epochs else
                      f"--test_every {test_every}" if test_every else f"save_epoch_freq {freq}")
            raise PlanError(f"the tested epochs are never saved by a run of {total} epochs ({origin})")
        unsaved = [e for e in epochs if fixed and e % fixed]
        if unsaved:
            raise PlanError(f"--save_epoch_freq {fixed} never saves tested epoch {unsaved[0]}: drop it (the sweep "
                            f"then saves every tested epoch) or test multiples of {fixed}")
        for repeat in range(1, repeats + 1):
            name = run_name(flags, axes, repeat, defaults)
            if name in names:
                raise PlanError(f"two runs would be named {name}: make their flags differ")
            names.add(name)
            runs.append(Run(name, flags, axes, repeat, total, epochs))
    longest = max(r.total_epochs for r in runs)
    never = [e for e in test_epochs or [] if e < 1 or e > longest]
    if never:
        raise PlanError(f"tested epoch {never[0]} is never saved: the longest run has {longest} epochs")
    return runs


def _shareable(run: Run, defaults: dict) -> tuple | None:
    """The key under which runs can share a training (None: cannot share)."""
    if str(run.flags.get("n_epochs_decay", defaults["n_epochs_decay"])) != "0":
        return None
    rest = {k: v for k, v in run.flags.items() if k != "n_epochs"}
    return tuple(sorted((k, str(v)) for k, v in rest.items())) + (("repeat", run.repeat),)


def plan_trainings(runs: list[Run], defaults: dict, share: bool = True) -> list[Training]:
    """Group runs into trainings; set each run's `training`. Runs to a smaller N with
    n_epochs_decay 0 are served by the longest run with otherwise equal flags."""
    groups: dict = {}
    for run in runs:
        key = _shareable(run, defaults) if share else None
        groups.setdefault(key if key is not None else ("alone", run.name), []).append(run)
    trainings = []
    for members in groups.values():
        longest = max(members, key=lambda r: r.total_epochs)
        epochs = sorted({e for r in members for e in r.test_epochs} | {r.total_epochs for r in members})
        fixed = longest.flags.get("save_epoch_freq")  # the user's, checked by plan_runs; else what saves them all
        freq = int(fixed) if fixed is not None else math.gcd(*epochs)
        for run in members:
            run.training = longest.name
        trainings.append(Training(longest.name, longest.flags, longest.total_epochs,
                                  sorted({e for r in members for e in r.test_epochs}), freq,
                                  [r.name for r in members]))
    return trainings


def lr_steps_at_epoch_start(train_py: str) -> bool | None:
    """Whether upstream's train.py calls update_learning_rate() before an epoch's batches (the pinned
    commit: epoch e of a run with epoch_count 1 trains at factor 1 - max(0, e + 1 - n_epochs) /
    (n_epochs_decay + 1)) or after them (newest upstream: e instead of e + 1); None when it cannot tell."""
    loop = train_py.find("for epoch in range(")
    step = train_py.find("update_learning_rate(", loop)
    batches = train_py.find("enumerate(dataset)", loop)
    if min(loop, step, batches) < 0:
        return None
    return step < batches


def branch_last_epochs(trainings: list[Training], runs: list[Run]) -> list[Training]:
    """The trainings under the pinned schedule (lr stepped at the start of each epoch), where an
    N-epoch run with n_epochs_decay 0 trains its epoch N at lr 0 and a longer shared training does not.

    A run shorter than its trunk that is tested at its last epoch N gets a branch: the trunk's epoch
    N-1 checkpoint plus one `--continue_train --epoch N-1 --epoch_count N` epoch, which runs at lr 0
    as the run would (Adam's state is irrelevant at lr 0; only batch-norm statistics move). Its other
    tested epochs stay the trunk's, which saves the branches' start epochs too (PlanError when the
    user fixed a save_epoch_freq that does not). Returns each trunk followed by its branches.
    """
    by_name = {r.name: r for r in runs}
    planned = []
    for trunk in trainings:
        members = [by_name[name] for name in trunk.serves]
        branches = [Training(r.name, r.flags, r.total_epochs, [r.total_epochs], 1, [r.name], trunk.name,
                             r.total_epochs - 1)
                    for r in members if r.total_epochs < trunk.total_epochs and r.total_epochs in r.test_epochs]
        branched = {b.name for b in branches}
        tested = sorted({e for r in members for e in r.test_epochs
                         if not (r.name in branched and e == r.total_epochs)})
        kept = tested + [trunk.total_epochs] + [b.start_epoch for b in branches if b.start_epoch]
        fixed = trunk.flags.get("save_epoch_freq")  # the user's: it must save the branches' start epochs
        unsaved = [b for b in branches if fixed is not None and b.start_epoch % int(fixed)]
        if unsaved:
            raise PlanError(f"--save_epoch_freq {fixed} never saves epoch {unsaved[0].start_epoch} of {trunk.name}, "
                            f"from which {unsaved[0].name} branches under the pinned upstream's lr schedule: drop it "
                            "(the sweep then saves what it needs) or pass --no_share")
        freq = int(fixed) if fixed is not None else math.gcd(*kept)
        planned += [replace(trunk, test_epochs=tested, save_epoch_freq=freq), *branches]
    return planned


def serving_training(run: Run, epoch: int, trainings: list[Training]) -> str:
    """The training whose checkpoint stands for `run` at `epoch`: its branch at its last epoch, else
    the training that serves it."""
    for t in trainings:
        if t.trunk and t.name == run.name and t.total_epochs == epoch:
            return t.name
    return run.training


def saved_epochs(checkpoints: Path) -> list[int]:
    """Numbered generator checkpoints (<epoch>_net_G.pth) of one training, ascending."""
    found = (re.fullmatch(r"(\d+)_net_G\.pth", p.name) for p in checkpoints.glob("*_net_G.pth"))
    return sorted(int(m.group(1)) for m in found if m)


def resume_point(training: Training, saved: list[int]) -> int | None:
    """The epoch to continue from (0: start fresh), or None when training is complete."""
    if training.total_epochs in saved:
        return None
    usable = [e for e in saved if e % training.save_epoch_freq == 0 and e < training.total_epochs]
    return max(usable, default=0)


def flags_for_train(training: Training, checkpoints_dir: Path, gpu_ids: str, resume_from: int) -> dict:
    """The train.py flags of a training, resuming after epoch `resume_from` when > 0."""
    flags = {**training.flags, "name": training.name, "checkpoints_dir": str(checkpoints_dir),
             "save_epoch_freq": str(training.save_epoch_freq), "gpu_ids": gpu_ids}
    if resume_from:  # upstream reloads <epoch>_net_*.pth and restarts the lr schedule at epoch_count
        flags.update({"continue_train": True, "epoch": str(resume_from), "epoch_count": str(resume_from + 1)})
    return flags


def flags_for_test(training: Training, epoch: int, checkpoints_dir: Path, results_dir: Path, gpu_ids: str,
               test_options: dict) -> dict:
    """The test.py flags for one epoch: the training's flags that test.py accepts, plus --eval."""
    kept = {k: v for k, v in training.flags.items() if k in test_options and k != "phase"}
    return {**kept, "name": training.name, "checkpoints_dir": str(checkpoints_dir),
            "results_dir": str(results_dir), "epoch": str(epoch), "gpu_ids": gpu_ids, "eval": True}


def parse_epoch_times(log_text: str) -> dict[int, float]:
    """Seconds per epoch from upstream's 'End of epoch E / T \t Time Taken: S sec' lines."""
    return {int(m.group(1)): float(m.group(2))
            for m in re.finditer(r"End of epoch (\d+) / \d+ \s*Time Taken: (\d+(?:\.\d+)?) sec", log_text)}


def epochs_trained(trainings: list[Training], runs: list[Run]) -> tuple[int, int]:
    """(epochs trained with sharing, without): what sharing saves (a branch trains one epoch)."""
    return sum(t.total_epochs - t.start_epoch for t in trainings), sum(r.total_epochs for r in runs)
