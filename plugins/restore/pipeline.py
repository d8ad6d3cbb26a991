"""Restore one pixelated image array with any model: find its grid, match the model's scale, tile, map back.

Pure (numpy and PIL on arrays) around a tile model as plugins.restore.tiling takes
it, so tests run it with stand-in models. The image's blocks are read out as
a low-resolution image, blown up to the block size the model trained on (so
the model sees blocks like those it learned, on a grid starting at the
corner), restored in tiles, resized back onto the image's own grid and size,
and back-projected onto the mosaic's block means (plugins.restore.back_projection).
`restore_regions` does that inside rectangles only and
leaves every other pixel as it was; `restore_mosaics` does it for the
mosaics plugins.restore.mosaics finds, each on its own grid.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Optional, Sequence

import numpy as np

from plugins.restore import back_projection, blocks, mosaics, tiling
from plugins.restore import grid as pixel_grid

Region = tuple[int, int, int, int]  # x, y, width, height
CONTEXT_BLOCKS = 3  # blocks of photo around a found mosaic that the model sees (never written back)
MIN_BLOCKS = 6  # a whole image shows at least this many blocks along its longer side (else: a blob)
MAX_MODEL_PIXELS = 10 ** 8  # an image blown up to the model's blocks is refused above this (memory)


class NoGrid(ValueError):
    """The image shows no pixel grid (the message says what the strongest candidate was)."""


class NoRegion(NoGrid):
    """A sharp photo with no mosaic in it (--region auto)."""


@dataclass(frozen=True)
class Settings:
    """How to restore: the model's block size and side multiple, tiling, and grid overrides."""

    model_block: int
    multiple: int = 1
    tile: int = tiling.DEFAULT_TILE
    overlap: int = tiling.DEFAULT_OVERLAP
    block_size: Optional[float] = None  # the image's block size in pixels: skips size detection
    force: bool = False  # restore an image with no grid, at the model's own block size
    back_project: int = back_projection.ROUNDS  # rounds of matching the restored block means to the mosaic
    mosaic_filter: str = back_projection.DEFAULT_FILTER  # the shrink those rounds match (FILTERS)


@dataclass(frozen=True)
class Restored:
    """A restored image and what was done to it."""

    image: np.ndarray
    tiles: int
    note: str
    regions: tuple[Region, ...] = ()  # the rectangles restored; empty: the whole image


def check_block(block: float, width: int, height: int, min_blocks: int, source: str) -> None:
    """ValueError when a width x height image cannot hold blocks of `block` pixels: not one whole block
    across its shorter side, or fewer than `min_blocks` along its longer side."""
    if block > min(width, height) or block * min_blocks > max(width, height):
        need = f"at least {min_blocks} along its longer side and one across" if min_blocks > 1 else "one across"
        raise ValueError(f"{source} {block:g}: a {width}x{height} image holds too few such blocks ({need})")


def find_grid(arr: np.ndarray, settings: Settings, min_blocks: int = MIN_BLOCKS) -> tuple[pixel_grid.Grid, str]:
    """The grid to restore on and a note on it; NoGrid when there is none and nothing overrides that,
    ValueError for a given block size the image cannot hold (check_block)."""
    height, width = arr.shape[:2]

    def on_pixels(grid: pixel_grid.Grid) -> pixel_grid.Grid:  # whole sizes and offsets where the image has them
        return pixel_grid.whole_offsets(arr, pixel_grid.snap(grid, width, height))
    if settings.block_size is not None:
        check_block(settings.block_size, width, height, min_blocks, "--block_size")
        grid = on_pixels(pixel_grid.detect_grid(arr, settings.block_size))
        return grid, f"{grid.describe()} (--block_size)"
    grid = pixel_grid.detect_grid(arr)
    if grid.found:
        grid = on_pixels(grid)
        return grid, f"{grid.describe()}, grid strength {grid.strength:.2f}"
    if not (math.isfinite(grid.size_x) and math.isfinite(grid.size_y)):
        why = f"no pixel grid found ({width}x{height} is too small or too flat to show one)"
    else:
        why = (f"no pixel grid found (best guess {grid.describe()}, grid strength {grid.strength:.2f} < "
               f"{pixel_grid.JPEG_STRENGTH if grid.like_jpeg else pixel_grid.MIN_STRENGTH}"
               f"{', the 8x8 grid JPEG itself leaves' if grid.like_jpeg else ''})")
    if not settings.force:
        raise NoGrid(f"{why}; --force restores it anyway, --block_size N gives its block size")
    block = float(settings.model_block)
    check_block(block, width, height, min_blocks, "--force: the model's block size")
    return pixel_grid.Grid(block, 0.0, block, 0.0, grid.strength), f"{why}; --force: taken as {block:g} px blocks"


def restore_array(arr: np.ndarray, model: tiling.Model, settings: Settings,
                  on_tile: Optional[Callable[[int, int], None]] = None, min_blocks: int = MIN_BLOCKS) -> Restored:
    """Restore a whole HxWx3 uint8 image; raises NoGrid (see find_grid), ValueError for blocks the image
    cannot hold (check_block)."""
    grid, note = find_grid(arr, settings, min_blocks)
    return restore_on_grid(arr, grid, note, model, settings, on_tile)


def restore_on_grid(arr: np.ndarray, grid: pixel_grid.Grid, note: str, model: tiling.Model, settings: Settings,
                    on_tile: Optional[Callable[[int, int], None]] = None) -> Restored:
    """Restore a whole HxWx3 uint8 image on a grid given in its coordinates; `note` says what the grid is.
    ValueError for a model-space image over MAX_MODEL_PIXELS, before any allocation of that size."""
    height, width = arr.shape[:2]
    low = blocks.low_res(arr, grid)
    block = settings.model_block
    if low.shape[0] * low.shape[1] * block * block > MAX_MODEL_PIXELS:
        raise ValueError(f"{width}x{height} with {grid.describe()} is {low.shape[1] * block}x{low.shape[0] * block} "
                         f"pixels at the model's {block} px blocks (over {MAX_MODEL_PIXELS:.0e}): "
                         "a smaller --model_block or a larger --block_size")
    tiles = 1
    for length in (low.shape[0] * block, low.shape[1] * block):
        tiles *= len(tiling.plan_axis(length, block, settings.multiple, settings.tile, settings.overlap).origins)
    restored = tiling.restore_tiled(low, block, model, settings.multiple, settings.tile, settings.overlap, on_tile)
    scale = (block / grid.size_x + block / grid.size_y) / 2
    note += f"; x{scale:.2f} to the model's {block} px blocks; {tiles} tile{'s' * (tiles > 1)}"
    image = blocks.onto_image(restored, grid, width, height, block)
    image = back_projection.back_project(image, low, grid, settings.back_project, settings.mosaic_filter)
    return Restored(image, tiles, note)


def parse_region(text: str) -> Region:
    """'x,y,w,h' as four integers (w, h >= 1, x, y >= 0); ValueError naming the text otherwise."""
    try:
        x, y, w, h = (int(part) for part in text.split(","))
    except ValueError:
        raise ValueError(f"--region {text!r}: use x,y,w,h (pixels, top-left corner and size)") from None
    if x < 0 or y < 0 or w < 1 or h < 1:
        raise ValueError(f"--region {text!r}: x and y must be >= 0, w and h >= 1")
    return x, y, w, h


def check_region(region: Region, width: int, height: int) -> None:
    """ValueError when the region does not lie inside a width x height image."""
    x, y, w, h = region
    if x + w > width or y + h > height:
        raise ValueError(f"--region {x},{y},{w},{h} lies outside the {width}x{height} image")


def restore_regions(arr: np.ndarray, regions: Sequence[Region], model: tiling.Model, settings: Settings,
                    on_tile: Optional[Callable[[int, int], None]] = None) -> Restored:
    """Restore only the given rectangles; every pixel outside them keeps its value.

    Each region is restored on its own grid, from the original pixels.
    ValueError for a region outside the image (before any work), NoGrid as restore_array.
    """
    height, width = arr.shape[:2]
    for region in regions:
        check_region(region, width, height)
    out = arr.copy()
    notes, tiles = [], 0
    for x, y, w, h in regions:
        try:
            done = restore_array(arr[y:y + h, x:x + w], model, settings, on_tile, min_blocks=1)
        except NoGrid as err:
            raise NoGrid(f"region {x},{y},{w},{h}: {err}") from None
        out[y:y + h, x:x + w] = done.image
        notes.append(f"region {x},{y},{w},{h}: {done.note}")
        tiles += done.tiles
    return Restored(out, tiles, " | ".join(notes), tuple(regions))


def restore_mosaics(arr: np.ndarray, found: Sequence[mosaics.Mosaic], model: tiling.Model, settings: Settings,
                    on_tile: Optional[Callable[[int, int], None]] = None) -> Restored:
    """Restore each found mosaic on its own grid; every pixel outside them keeps its value.

    The model sees CONTEXT_BLOCKS blocks of the photo around each mosaic (read
    out on the mosaic's grid, as a mosaic of the surroundings), so that the
    restored edge continues the photo; only the mosaic's rectangle is pasted back.
    """
    height, width = arr.shape[:2]
    out = arr.copy()
    notes, tiles = [], 0
    for mosaic in found:
        margin = int(math.ceil(CONTEXT_BLOCKS * mosaic.block))
        x0, y0 = max(mosaic.x - margin, 0), max(mosaic.y - margin, 0)
        x1, y1 = min(mosaic.x + mosaic.w + margin, width), min(mosaic.y + mosaic.h + margin, height)
        grid = mosaic.grid
        local = pixel_grid.Grid(grid.size_x, (grid.offset_x - x0) % grid.size_x,
                                grid.size_y, (grid.offset_y - y0) % grid.size_y, grid.strength)
        done = restore_on_grid(arr[y0:y1, x0:x1], local, local.describe(), model, settings, on_tile)
        x, y = mosaic.x - x0, mosaic.y - y0
        out[mosaic.y:mosaic.y + mosaic.h, mosaic.x:mosaic.x + mosaic.w] = done.image[y:y + mosaic.h, x:x + mosaic.w]
        notes.append(f"{mosaic.describe()}: {done.note}")
        tiles += done.tiles
    return Restored(out, tiles, " | ".join(notes), tuple(mosaic.region for mosaic in found))


def restore_auto(arr: np.ndarray, model: tiling.Model, settings: Settings,
                 on_tile: Optional[Callable[[int, int], None]] = None) -> Restored:
    """Restore every mosaic found in the image (--region auto); an image that is a mosaic all over (one
    mosaic within a block of each edge, or none found but a grid over the whole) is restored whole.

    NoRegion when the image holds no mosaic.
    """
    height, width = arr.shape[:2]
    found = mosaics.find_mosaics(arr)
    whole = len(found) == 1 and found[0].covers(width, height)
    if whole or not found:
        try:
            return restore_array(arr, model, settings, on_tile)
        except NoGrid:
            if whole:
                raise
            raise NoRegion("no pixelated region") from None
    done = restore_mosaics(arr, found, model, settings, on_tile)
    listed = "; ".join(mosaic.describe() for mosaic in found)
    return Restored(done.image, done.tiles, f"{len(found)} pixelated region{'s' * (len(found) > 1)}: {listed}",
                    done.regions)
