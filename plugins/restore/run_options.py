"""A trained run's options, read back from the train_opt.txt that upstream writes beside its checkpoints.

Pure: text in, argparse.Namespace out, plus what the restore CLI derives
from it: the block size the model trained on. (plugins.testing.train_opt
writes such a table for runs made without upstream.)
"""
from __future__ import annotations

import argparse
import re
from pathlib import Path

from plugins.data import pixelation

_NUMBER = re.compile(r"-?\d+(\.\d*)?([eE]-?\d+)?")


def _value(text: str):
    """A printed option value back as bool, None, int, float or str."""
    if text in ("True", "False"):
        return text == "True"
    if text == "None":
        return None
    if _NUMBER.fullmatch(text):
        return float(text) if any(c in text for c in ".eE") else int(text)
    return text


def parse_train_opt(text: str) -> argparse.Namespace:
    """The options of upstream's option table ('name: value<tab>[default: x]' between dashed lines)."""
    options = {}
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("---") or not (": " in line or line.endswith(":")):
            continue
        key, _, value = line.partition(":")
        options[key.strip()] = _value(value.split("\t[default:")[0].strip())
    return argparse.Namespace(**options)


def read_train_opt(run_dir: Path) -> argparse.Namespace:
    """The run's train_opt.txt as a Namespace; FileNotFoundError naming the file when it is missing."""
    path = Path(run_dir) / "train_opt.txt"
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found (upstream train.py writes it at the start of training)")
    return parse_train_opt(path.read_text())


def model_block(opt: argparse.Namespace) -> tuple[int, str]:
    """The block size (pixels) the model trained on, as an integer, and how it was found.

    crop_size / pixel_size; a range or list of pixel sizes gives a range of
    block sizes, of which the middle is used. ValueError when the run has no
    pixel_size (not the `pixelated` dataset mode).
    """
    if getattr(opt, "pixel_size", None) is None or getattr(opt, "crop_size", None) is None:
        raise ValueError("train_opt.txt has no pixel_size (not a --dataset_mode pixelated run): "
                         "give --model_block, the block size in pixels the model was trained on")
    sizes = pixelation.parse_pixel_size(opt.pixel_size)
    pixelation.check_pixel_sizes(sizes, opt.crop_size, str(opt.pixel_size))
    blocks = [opt.crop_size / size for size in sizes]
    source = f"pixel_size {opt.pixel_size} on crop_size {opt.crop_size}"
    if len(sizes) == 1:
        block = max(1, round(blocks[0]))
        exact = "" if block == blocks[0] else f", rounded from {blocks[0]:.2f}"
        return block, f"{block} px blocks ({source}{exact})"
    middle = (min(blocks) + max(blocks)) / 2
    block = max(1, round(middle))
    return block, (f"{block} px blocks: the middle ({middle:.2f}) of the {min(blocks):.2f}..{max(blocks):.2f} px "
                   f"it trained on ({source})")

