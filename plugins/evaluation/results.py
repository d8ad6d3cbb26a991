"""Upstream test.py's results layout, known here only: where it writes and what it wrote.

Layout: <results_dir>/<name>/<phase>_<epoch>/images/<id>_{real_A,fake_B,real_B}.png.
epoch_dir and images_dir say where one epoch's output goes; find_images_dirs
and find_triplets read it back from a folder given at any level of it: the
images folder, an epoch folder, a run folder or the results root.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

SUFFIXES = ("real_A", "fake_B", "real_B")
IMAGES = "images"
PATTERN = "<id>_fake_B.png with <id>_real_A.png and <id>_real_B.png"
EPOCH_DIR = re.compile(r"^(?P<phase>[^_]+)_(?P<epoch>.+)$")


@dataclass(frozen=True)
class Triplet:
    """One test image: the pixelated input, the model's output and the real image."""
    id: str
    real_A: Path
    fake_B: Path
    real_B: Path


@dataclass(frozen=True)
class ImagesDir:
    """One images folder of test.py output, with the run and epoch it belongs to."""
    path: Path
    run: str
    epoch: str

    @property
    def epoch_dir(self) -> Path:
        return self.path.parent


def epoch_dir(results_dir: Path, name: str, epoch: str | int, phase: str = "test") -> Path:
    """Where test.py --results_dir --name --epoch --phase writes one epoch (and evaluate its summary)."""
    return Path(results_dir) / name / f"{phase}_{epoch}"


def images_dir(results_dir: Path, name: str, epoch: str | int, phase: str = "test") -> ImagesDir:
    """The images folder test.py fills for one epoch, with its run and epoch."""
    return ImagesDir(epoch_dir(results_dir, name, epoch, phase) / IMAGES, name, str(epoch))


def find_triplets(images: Path) -> tuple[list[Triplet], list[tuple[str, str]]]:
    """Triplets in an images folder, sorted by id, and (file, reason) for files left unpaired."""
    files = {p.name: p for p in images.iterdir() if p.is_file() and p.suffix.lower() == ".png"}
    triplets, problems, used = [], [], set()
    for name in sorted(files):
        if not name.endswith("_fake_B.png"):
            continue
        image_id = name[: -len("_fake_B.png")]
        parts = {s: f"{image_id}_{s}.png" for s in SUFFIXES}
        missing = [parts[s] for s in ("real_A", "real_B") if parts[s] not in files]
        used.update(p for p in parts.values() if p in files)
        if missing:
            problems.append((name, f"no {' or '.join(missing)} beside it"))
            continue
        triplets.append(Triplet(image_id, *(files[parts[s]] for s in SUFFIXES)))
    for name in sorted(set(files) - used):
        if name.endswith(("_real_A.png", "_real_B.png")):
            problems.append((name, "no matching _fake_B.png"))
    return triplets, problems


def _describe(images: Path) -> ImagesDir:
    """Run and epoch of an images folder from upstream's layout (best effort)."""
    match = EPOCH_DIR.match(images.parent.name)
    epoch = match.group("epoch") if match else images.parent.name
    return ImagesDir(images, images.parent.parent.name, epoch)


def _has_images(folder: Path) -> bool:
    return any(folder.glob("*_fake_B.png"))


def find_images_dirs(results_dir: Path, name: str | None = None, epoch: str | None = None) -> list[ImagesDir]:
    """Every images folder at or below `results_dir` (up to upstream's results root),
    filtered by run name and epoch like upstream's --name and --epoch."""
    if not results_dir.is_dir():
        raise FileNotFoundError(f"--results_dir {results_dir}: no such folder")
    if _has_images(results_dir):
        found = [results_dir]
    else:
        found = [d for pattern in (IMAGES, f"*/{IMAGES}", f"*/*/{IMAGES}")
                 for d in sorted(results_dir.glob(pattern)) if d.is_dir()]
    dirs = [_describe(d) for d in found]
    return [d for d in dirs if (name is None or d.run == name) and (epoch is None or d.epoch == epoch)]


def epoch_sort_key(epoch: str) -> tuple[int, float, str]:
    """Numbered epochs in order, then named ones (latest) after them."""
    return (0, float(epoch), "") if epoch.isdigit() else (1, 0.0, epoch)
