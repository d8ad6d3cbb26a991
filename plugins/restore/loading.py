"""The generator to restore with: the bundled model, a trained run, or a checkpoint file.

- the bundled model (bundled/mosaic_srnet.pth and its model card), when no run is named;
- a run, as upstream names it: --checkpoints_dir/--name/<epoch>_net_G.pth with its train_opt.txt;
- a checkpoint file (--model FILE.pth) with train_opt.txt or a model card (FILE.json) beside it.
This project's own generators (srnet, srlite) are built here, without any upstream
checkout; upstream's (unet, resnet) come from upstream's define_G, as
test.py builds them. Checkpoints are read with weights_only, and anything
that is not a generator's tensors is refused in one line.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import pickle
import warnings
from dataclasses import dataclass
from pathlib import Path

import torch

from plugins.restore import generators as restoration
from plugins.restore import run_options
from plugins.upstream import checkpoint_files, link
from plugins.upstream import path as upstream_path

BUNDLED_DIR = Path(__file__).resolve().parent / "bundled"
BUNDLED_WEIGHTS = BUNDLED_DIR / "mosaic_srnet.pth"
BUNDLED_CARD = BUNDLED_DIR / "mosaic_srnet.json"
REINSTALL = "reinstall the package (pip install -e . from the repository, or pip install --force-reinstall)"


class ModelError(ValueError):
    """The model cannot be had: the message names the flag or file and says why, in one line."""


@dataclass(frozen=True)
class Loaded:
    """A generator ready to run, the options its forward pass needs, its block size and how it was named."""

    net: torch.nn.Module
    opt: argparse.Namespace
    block: int
    block_note: str
    label: str


def card_options(card: dict) -> argparse.Namespace:
    """The options of a model card as train_opt.txt would give them (what restoring needs)."""
    try:
        return argparse.Namespace(netG=str(card["netG"]), ngf=int(card["ngf"]), input_nc=int(card["input_nc"]),
                                  output_nc=int(card["output_nc"]), residual=bool(card["residual"]),
                                  base=str(card.get("base", "input")), norm=str(card.get("norm", "none")),
                                  crop_size=int(card["block"]), pixel_size="1")
    except (KeyError, TypeError, ValueError) as err:
        raise ValueError(f"model card lacks or garbles {err}") from None


def read_state(path: Path, what: str) -> dict:
    """A checkpoint's tensors by name, loaded weights-only; ModelError naming `what` for anything else
    (a text or HTML file, a pickle with code in it, a truncated download, a dict of non-tensors)."""
    try:
        with warnings.catch_warnings():  # e.g. "Detected pickle protocol 4": the one line below says it all
            warnings.simplefilter("ignore")
            state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # noqa: BLE001 - garbage makes the weights-only unpickler raise anything (KeyError...)
        kind = "not a weights-only PyTorch checkpoint" if isinstance(err, pickle.UnpicklingError) else "unreadable"
        # torch's own hint (load with weights_only=False) would run code from the file: not repeated here
        raise ModelError(f"{what}: {path} is {kind} ({type(err).__name__})") from None
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ModelError(f"{what}: {path} holds no generator weights (a checkpoint is a dict of tensors)")
    return state


def build(opt: argparse.Namespace, what: str) -> torch.nn.Module:
    """The generator `opt` describes: ours without upstream, upstream's through its define_G."""
    own = restoration.own_generator(opt)
    if own is not None:
        return own
    try:
        upstream_path.add(link.find_upstream())
    except link.LinkError as err:
        raise ModelError(f"{what}: netG {opt.netG} is upstream's and needs its code: {err}") from None
    from models import networks  # upstream's

    try:
        with contextlib.redirect_stdout(io.StringIO()):  # upstream prints its weight initialisation
            return restoration.define_generator(opt, networks)
    except (NotImplementedError, AttributeError, ValueError) as err:
        raise ModelError(f"{what}: its options describe no generator we can build: {err}") from None


def assemble(opt: argparse.Namespace, state: dict, block: tuple[int, str], label: str, what: str,
             device: torch.device, described_by: str = "its options") -> Loaded:
    """Build, load and place a generator (eval mode, like test.py --eval); ModelError for a model that
    does not map RGB to RGB (--input_nc/--output_nc other than 3: restoring takes and gives colour)."""
    channels = (getattr(opt, "input_nc", 3), getattr(opt, "output_nc", 3))
    if channels != (3, 3):
        raise ModelError(f"{what}: the model maps {channels[0]} channel(s) to {channels[1]}; restoring needs a "
                         "colour model (--input_nc 3 --output_nc 3, upstream's default)")
    net = build(opt, what)
    if hasattr(state, "_metadata"):
        del state._metadata
    try:
        net.load_state_dict(state)
    except RuntimeError as err:
        first = str(err).strip().splitlines()[0]
        raise ModelError(f"{what}: the checkpoint does not fit the generator {described_by} describes "
                         f"(netG {opt.netG}, ngf {opt.ngf}, norm {getattr(opt, 'norm', '?')}): {first}") from None
    return Loaded(net.to(device).eval(), opt, block[0], block[1], label)


def bundled(device: torch.device) -> Loaded:
    """The model that ships inside the package; ModelError saying how to reinstall when it is missing."""
    if not (BUNDLED_WEIGHTS.is_file() and BUNDLED_CARD.is_file()):
        raise ModelError(f"the bundled model is missing ({BUNDLED_WEIGHTS.name} or {BUNDLED_CARD.name} not in "
                         f"{BUNDLED_DIR}): {REINSTALL}, or name a run with --name")
    try:
        card = json.loads(BUNDLED_CARD.read_text())
        opt = card_options(card)
    except (OSError, ValueError) as err:
        raise ModelError(f"the bundled model card {BUNDLED_CARD} is unreadable ({err}): {REINSTALL}") from None
    try:
        state = read_state(BUNDLED_WEIGHTS, "the bundled model")
        return assemble(opt, state, (opt.crop_size, f"{opt.crop_size} px blocks (its model card)"),
                        "the bundled model", "the bundled model", device, "its model card")
    except ModelError as err:
        raise ModelError(f"{err}: {REINSTALL}") from None


def from_options(opt: argparse.Namespace, weights: Path, what: str, label: str, model_block: int | None,
                 device: torch.device, described_by: str = "train_opt.txt") -> Loaded:
    """A generator from options and a weights file; --model_block overrides the trained block size."""
    try:
        block = ((model_block, f"{model_block} px blocks (--model_block)") if model_block
                 else run_options.model_block(opt))
    except ValueError as err:
        raise ModelError(f"{what}: {err}") from None
    return assemble(opt, read_state(weights, what), block, label, what, device, described_by)


def from_run(checkpoints_dir: str, name: str, epoch: str, model_block: int | None, device: torch.device) -> Loaded:
    """A trained run's generator (--name, --checkpoints_dir, --epoch as upstream)."""
    run_dir = Path(checkpoints_dir) / name
    if Path(name).is_absolute() or ".." in Path(name).parts or not name.strip("./"):
        # upstream joins them as given and would read outside; a run is one of --checkpoints_dir's folders
        raise ModelError(f"--name {name}: a run's name is a folder inside --checkpoints_dir ({checkpoints_dir})")
    if not run_dir.is_dir():
        raise ModelError(f"--name {name}: no run folder {run_dir} (see --checkpoints_dir)")
    path = checkpoint_files.net_file(run_dir, epoch)
    if not path.is_file():
        found = checkpoint_files.saved_epochs(run_dir)
        raise ModelError(f"--epoch {epoch}: no checkpoint {path} (this run has: {', '.join(found) or 'none'})")
    try:
        opt = run_options.read_train_opt(run_dir)
    except FileNotFoundError as err:
        raise ModelError(f"--name {name}: {err}") from None
    return from_options(opt, path, f"--name {name}", f"{name} ({epoch})", model_block, device)


def from_file(path: Path, model_block: int | None, device: torch.device) -> Loaded:
    """A generator checkpoint file with train_opt.txt or a model card (same stem, .json) beside it."""
    what = f"--model {path}"
    if not path.is_file():
        raise ModelError(f"{what}: no such file")
    card, train_opt = path.with_suffix(".json"), path.parent / "train_opt.txt"
    if card.is_file():
        try:
            opt = card_options(json.loads(card.read_text()))
        except (OSError, ValueError) as err:
            raise ModelError(f"{what}: its model card {card} is unreadable ({err})") from None
        if model_block is None:
            model_block = opt.crop_size
    elif train_opt.is_file():
        opt = run_options.read_train_opt(path.parent)
    else:
        raise ModelError(f"{what}: neither a model card {card.name} nor a train_opt.txt beside it tells "
                         "which generator it holds")
    return from_options(opt, path, what, path.name, model_block, device,
                        "its model card" if card.is_file() else "train_opt.txt")
