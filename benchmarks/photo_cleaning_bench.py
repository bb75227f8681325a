"""Cleaning photos of their metadata (issue 15 §4): ``python benchmarks/photo_cleaning_bench.py``.

Prints one line per photo size: the time to clean a phone-like JPEG (EXIF with GPS, XMP)
by copying its segments (what the portal does), next to decoding and encoding it again with
Pillow (what it did before), both in this process, and the whole `strip_metadata` call with
its sandboxed child; and the clean copy's size against the original's (goal: never larger).
It asserts nothing about time.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from collections.abc import Callable

from PIL import Image

from portal.metadata import strip_metadata
from portal.metadata_jpeg import clean_jpeg

MAX_PIXELS = 50_000_000


def phone_photo(width: int, height: int) -> bytes:
    """A photo-like picture (gradient and noise) with the EXIF a phone writes."""
    picture = Image.blend(Image.radial_gradient("L").resize((width, height)).convert("RGB"),
                          Image.effect_noise((width, height), 24).convert("RGB"), 0.25)
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Apple", "iPhone 14 Pro"
    exif[0x8825] = {1: "N", 2: (59.0, 54.0, 27.0), 3: "E", 4: (10.0, 43.0, 34.0)}
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=90, exif=exif, xmp=b"<x:xmpmeta/>")
    return out.getvalue()


def re_encoded(raw: bytes) -> bytes:
    """The former way: decode, build a fresh image from the pixels, encode at quality 95."""
    with Image.open(io.BytesIO(raw)) as image:
        image.load()
        clean = Image.frombytes(image.mode, image.size, image.tobytes())
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=95)
    return out.getvalue()


def median_ms(action: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    print(f"{'photo':>12} {'segments':>10} {'re-encode':>10} {'sandboxed':>10} "  # noqa: T201
          f"{'size ratio':>10}  goal (clean <= original)")
    for width, height in ((2048, 1536), (4032, 3024)):
        raw = phone_photo(width, height)
        cleaned = clean_jpeg(raw, MAX_PIXELS).cleaned or b""
        old = re_encoded(raw)
        segments = median_ms(lambda raw=raw: clean_jpeg(raw, MAX_PIXELS), runs)
        encode = median_ms(lambda raw=raw: re_encoded(raw), runs)
        sandboxed = median_ms(lambda raw=raw: strip_metadata(io.BytesIO(raw), "image/jpeg"),
                              runs)
        ratio = len(cleaned) / len(raw)
        verdict = "goal met" if len(cleaned) <= len(raw) else "goal missed"
        print(f"{width * height / 1e6:>9.1f} MP {segments:>8.1f}ms {encode:>8.1f}ms "  # noqa: T201
              f"{sandboxed:>8.1f}ms {ratio:>10.3f}  {verdict} (re-encoded: "
              f"{len(old) / len(raw):.3f})")


if __name__ == "__main__":
    main()
