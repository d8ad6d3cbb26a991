"""The loader's cache of decoded photos: each photo decoded once while the budget holds it, never over it."""
from __future__ import annotations

from PIL import Image

from plugins.data import photo_cache


def counting_loader(sides: dict[str, int]):
    loads = []

    def load(path: str) -> Image.Image:
        loads.append(path)
        return Image.new("RGB", (sides[path], sides[path]))
    return load, loads


def test_a_photo_is_decoded_once_while_it_fits():
    load, loads = counting_loader({"a": 10, "b": 10})
    cache = photo_cache.PhotoCache(2 * 10 * 10 * 3)
    first = cache.get("a", load)
    for path in ("b", "a", "b", "a"):
        cache.get(path, load)
    assert loads == ["a", "b"] and cache.get("a", load) is first and cache.used == cache.budget


def test_photos_past_the_budget_are_decoded_each_time_and_the_first_ones_stay():
    """Epochs visit photos in a cycle: keeping the first that fit beats evicting the oldest, which would
    evict each photo just before its next visit."""
    load, loads = counting_loader({"a": 10, "big": 20, "b": 10})
    cache = photo_cache.PhotoCache(2 * 10 * 10 * 3)
    for _ in range(3):
        for path in ("a", "big", "b"):
            cache.get(path, load)
    assert loads == ["a", "big", "b", "big", "big"] and set(cache.images) == {"a", "b"}


def test_a_zero_budget_keeps_nothing():
    load, loads = counting_loader({"a": 1})
    cache = photo_cache.PhotoCache(0)
    cache.get("a", load)
    cache.get("a", load)
    assert loads == ["a", "a"] and not cache.images
