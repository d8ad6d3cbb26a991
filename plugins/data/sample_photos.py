"""Photos with no download: the pictures inside scikit-image, and photos of another source from Debian.

Used by the demo, the benchmarks and the tests. Crops are seeded (position
and scale), so the same call always writes the same files. Training and
test crops come from different pictures, so a score on the test crops says
something about photos the model has not seen; photos of another source
(OTHER_PACKAGE, community photographs under CC BY / CC BY-SA, fetched with
apt-get like any Debian package) say it for another camera and subject mix.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import skimage
from PIL import Image

from plugins.data import debian_photos, image_io

DATA_DIR = Path(skimage.__file__).resolve().parent / "data"
TRAIN_SOURCES = ("astronaut.png", "chelsea.png", "rocket.jpg", "motorcycle_left.png", "ihc.png", "retina.jpg")
TEST_SOURCES = ("coffee.png", "hubble_deep_field.jpg")
# every photograph scikit-image ships that holds a 128 px crop (colour and grey; not its drawings, masks,
# synthetic images or the 102 px microaneurysms.png)
ALL_PHOTOS = ("astronaut.png", "brick.png", "camera.png", "cell.png", "chelsea.png", "coffee.png", "coins.png",
              "grass.png", "gravel.png", "hubble_deep_field.jpg", "ihc.png", "moon.png",
              "motorcycle_left.png", "motorcycle_right.png", "page.png", "retina.jpg", "rocket.jpg", "text.png")
OTHER_PACKAGE = "lomiri-wallpapers-16.04"  # Debian: Ubuntu community photographs (CC BY / CC BY-SA)
OTHER_VAL = ("Bridge_by_Sander_Klootwijk", "Dragonfly_by_Bolly", "friends_by_Aitzol_Berasategi",
             "life_by_Aitzol_Berasategi")
OTHER_TEST = ("Picture_0B_by_freespace", "Picture_1A_by_freespace", "Wine_by_Jakkub_Mede",
              "aitzgorri_by_Aitzol_Berasategi", "free_by_Peter_Nerlich", "picosdeeuropa_by_Aitzol_Berasategi",
              "seeding_by_Clements_Engelhardt", "sunset_by_Aitzol_Berasategi")
OTHER_SHORT_SIDE = 1024  # other photos are kept at about a megapixel, like a photo on the web


def load_source(name: str | Path) -> Image.Image:
    """One of scikit-image's pictures (or any image path) as an RGB PIL image (image_io: high bit depths
    scaled, not clipped)."""
    return image_io.load_rgb(DATA_DIR / name)


def write_whole_photos(folder: Path, sources: tuple[str, ...] = ALL_PHOTOS) -> list[Path]:
    """Save scikit-image's pictures whole, as RGB PNGs (training draws fresh random crops from them)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in sources:
        paths.append(folder / (Path(name).stem + ".png"))
        image_io.save_png(paths[-1], load_source(name))
    return paths


PhotosUnavailable = debian_photos.PhotosUnavailable


def fetch_other_photos(dest: Path, stems: tuple[str, ...], package: str = OTHER_PACKAGE,
                       download: tuple[str, ...] = ("apt-get", "download")) -> list[Path]:
    """The photos `stems` of a Debian package as PNGs in `dest`, short side OTHER_SHORT_SIDE.

    Downloads the package file with `apt-get download` (no root, nothing
    installed) and unpacks it with dpkg-deb (debian_photos.unpack_package);
    photos already in `dest` are reused.
    """
    dest = dest.resolve()
    wanted = [dest / f"{stem}.png" for stem in stems]
    if all(p.exists() for p in wanted):
        return wanted
    with tempfile.TemporaryDirectory() as tmp:
        root = debian_photos.unpack_package(package, Path(tmp), download)
        found = {p.stem: p for p in root.rglob("*") if p.suffix.lower() in (".jpg", ".jpeg", ".png")}
        missing = [stem for stem in stems if stem not in found]
        if missing:
            raise PhotosUnavailable(f"Debian package {package} lacks {', '.join(missing)}")
        dest.mkdir(parents=True, exist_ok=True)
        for stem, path in zip(stems, wanted):
            photo = image_io.load_rgb(found[stem], upright=True)
            scale = OTHER_SHORT_SIDE / min(photo.size)
            photo = photo.resize((round(photo.width * scale), round(photo.height * scale)), Image.Resampling.LANCZOS)
            image_io.save_png(path, photo)
    return wanted


def photo_crops(sources: tuple[str, ...], count: int, size: int, seed: int) -> list[Image.Image]:
    """`count` square crops (random side between size/2 and the picture's short side,
    resized to size x size with bicubic), cycling through `sources`."""
    rng = np.random.default_rng(seed)
    pictures = [load_source(name) for name in sources]
    crops = []
    for i in range(count):
        picture = pictures[i % len(pictures)]
        short = min(picture.size)
        side = int(rng.integers(min(size // 2, short), short + 1))
        x = int(rng.integers(0, picture.width - side + 1))
        y = int(rng.integers(0, picture.height - side + 1))
        crop = picture.crop((x, y, x + side, y + side))
        crops.append(crop.resize((size, size), Image.Resampling.BICUBIC))
    return crops


def write_photo_crops(folder: Path, sources: tuple[str, ...], count: int, size: int, seed: int,
                      prefix: str = "photo") -> list[Path]:
    """Save photo_crops(...) as PNGs named {prefix}_0000.png... in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, crop in enumerate(photo_crops(sources, count, size, seed)):
        paths.append(folder / f"{prefix}_{i:04d}.png")
        image_io.save_png(paths[-1], crop)
    return paths
