"""The bundled model's photos: fetched from Debian packages by name, split by source.

photo_sources.tsv (beside this file) lists every photo: its split, the
package and version it ships in, its file there, and its licence. Training,
validation and test photos come from different packages, so the test scores
speak of photos of another source. Packages are fetched with
`apt-get download` (no root, nothing installed) and unpacked with dpkg-deb;
some training photos sit inside Qt resource containers (.rcc), read here.
"""
from __future__ import annotations

import csv
import io
import struct
import subprocess
import zlib
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from plugins.data import atomic_write, image_io

SOURCES = Path(__file__).with_name("photo_sources.tsv")
SPLITS = ("train", "val", "test")
CONTAINER = "!"  # member paths inside a Qt resource file: <file>.rcc!<path inside it>


class PhotosUnavailable(Exception):
    """A Debian package or a photo in it could not be had, in one line."""


@dataclass(frozen=True)
class Photo:
    """One photo of photo_sources.tsv."""

    split: str
    package: str
    version: str
    member: str
    licence: str

    @property
    def stem(self) -> str:
        """A file name stem unique across the list: the package and the photo's own name."""
        inner = self.member.split(CONTAINER)[-1]
        parts = Path(inner).parts
        # plasma wallpapers are <name>/contents/images/<size>.jpg: the folder is the name
        name = parts[-4] if "contents" in parts else Path(inner).stem
        if CONTAINER in self.member:  # two containers may hold a photo of the same name (a horse, a giraffe)
            name = f"{Path(self.member.split(CONTAINER)[0]).stem}_{name}"
        return f"{self.package}_{name}"


def photos(split: str | None = None) -> list[Photo]:
    """The photos of one split (all of them without a split), in the file's order."""
    with SOURCES.open(newline="") as handle:
        rows = [line for line in handle if not line.startswith("#")]
    listed = [Photo(**row) for row in csv.DictReader(rows, delimiter="\t")]
    return [p for p in listed if split is None or p.split == split]


def unpack_package(package: str, dest: Path, download: tuple[str, ...] = ("apt-get", "download")) -> Path:
    """The files of a Debian package, unpacked under dest/<package> (reused when there)."""
    root = dest / package
    if (root / ".unpacked").exists():
        return root
    dest.mkdir(parents=True, exist_ok=True)
    try:
        subprocess.run([*download, package], cwd=dest, check=True, capture_output=True, text=True, timeout=1200)
        # apt names it <package>_<version>_<arch>.deb; the newest one of this very package
        debs = [*dest.glob(f"{package}_*.deb"), *dest.glob(f"{package}.deb")]
        deb = max(debs, key=lambda p: p.stat().st_mtime)
        subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True, capture_output=True)
    except (OSError, subprocess.SubprocessError, ValueError) as err:
        detail = getattr(err, "stderr", "") or str(err) or "no package file"
        raise PhotosUnavailable(f"could not fetch Debian package {package}: {detail.strip()[-200:]}") from None
    (root / ".unpacked").write_text("")
    return root


def rcc_files(data: bytes) -> dict[str, bytes]:
    """The files of a Qt binary resource container (.rcc, format 1-3), by path inside it."""
    if data[:4] != b"qres":
        raise ValueError("not a Qt resource file")
    version, tree, payload, names = struct.unpack(">IIII", data[4:20])
    entry = 14 if version == 1 else 22
    files: dict[str, bytes] = {}

    def name(offset: int) -> str:
        length, = struct.unpack(">H", data[names + offset:names + offset + 2])
        return data[names + offset + 6:names + offset + 6 + 2 * length].decode("utf-16-be")

    def walk(index: int, prefix: str) -> None:
        at = tree + index * entry
        name_offset, flags = struct.unpack(">IH", data[at:at + 6])
        path = f"{prefix}/{name(name_offset)}" if index else ""
        if flags & 2:  # a directory: count and first child
            count, first = struct.unpack(">II", data[at + 6:at + 14])
            for child in range(first, first + count):
                walk(child, path)
            return
        offset, = struct.unpack(">I", data[at + 10:at + 14])
        length, = struct.unpack(">I", data[payload + offset:payload + offset + 4])
        blob = data[payload + offset + 4:payload + offset + 4 + length]
        if flags & 4:
            raise ValueError(f"{path}: zstd-compressed resources are not supported")
        files[path] = zlib.decompress(blob[4:]) if flags & 1 else blob

    walk(0, "")
    return files


def open_member(root: Path, member: str) -> Image.Image:
    """A photo of an unpacked package as 8-bit RGB: a plain file, or a file inside a .rcc container."""
    if CONTAINER not in member:
        return image_io.load_rgb(root / member)
    container, inner = member.split(CONTAINER, 1)
    files = rcc_files((root / container).read_bytes())
    if inner not in files:
        raise PhotosUnavailable(f"{container} in {root.name} lacks {inner}")
    return image_io.load_rgb(io.BytesIO(files[inner]))


def fetch(split: str, dest: Path, cache: Path, long_side: int | None = None) -> list[Path]:
    """The photos of `split` as PNGs in `dest` (long side at most `long_side`, LANCZOS), reusing
    those already there; packages are downloaded into `cache`. PhotosUnavailable in one line."""
    wanted = photos(split)
    paths = [dest / f"{photo.stem}.png" for photo in wanted]
    missing = [(photo, path) for photo, path in zip(wanted, paths) if not path.exists()]
    dest.mkdir(parents=True, exist_ok=True)
    for photo, path in missing:
        img = open_member(unpack_package(photo.package, cache), photo.member)
        if long_side and max(img.size) > long_side:
            scale = long_side / max(img.size)
            img = img.resize((round(img.width * scale), round(img.height * scale)), Image.Resampling.LANCZOS)
        with atomic_write.atomic_path(path) as partial:
            img.save(partial, format="PNG")
    return paths
