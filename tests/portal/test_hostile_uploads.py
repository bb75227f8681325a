"""Issue (hostile input), point 2: decompression bombs and parser crashes.

Reproduced by a reviewer against a running server: a 20 KB PDF with a doubled Flate filter
(8 GB decoded) held a worker for 32 s; a 915-byte JPEG claiming 10000 x 10000 pixels took
1.26 GB of memory; a PNG with a large zTXt or iCCP chunk or a truncated IHDR, a JPEG with a
malformed EXIF rational and a PDF whose /Info is not a dictionary each gave a 500. Each is a
clean refusal (translated, nothing stored) or a cleaned file now; the cleaning runs in a
child process with memory, CPU and time limits.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable

import pikepdf
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from config import load_settings
from portal.db import session_factory, transaction
from portal.metadata import TOO_MANY_PIXELS, UNREADABLE, CleaningLimits, strip_metadata
from portal.metadata_sandbox import clean_in_child
from portal.models import Attachment, Case
from tests.portal import hostile_files
from tests.portal.conftest import Organisation
from tests.portal.helpers import post_report
from tests.portal.metadata_corpus import doubled_flate_pdf


def _nothing_stored(app: Flask) -> None:
    with transaction(session_factory(app)) as db:
        assert db.scalars(select(Case)).all() == []
        assert db.scalars(select(Attachment)).all() == []


def test_point2_jpeg_claiming_10000x10000_is_refused_from_its_header(
    client: FlaskClient, organisation: Organisation, portal_app: Flask,
) -> None:
    """The reviewer's 915-byte JPEG took 1.26 GB: Pillow refuses only above twice its limit.
    Ours refuses above the configured limit from the header, before decoding."""
    bomb = hostile_files.jpeg_claiming(10000, 10000)
    assert len(bomb) < 1000
    started = time.monotonic()
    result = strip_metadata(io.BytesIO(bomb), "image/jpeg")
    assert result.refused == TOO_MANY_PIXELS and result.cleaned is None
    assert time.monotonic() - started < 10
    response = post_report(client, organisation.unit_id, "A photo.",
                           attachments=[(io.BytesIO(bomb), "huge.jpg")])
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "\u2068huge.jpg\u2069 is a picture too large to be cleaned" in page
    assert "at most 50 megapixels" in page
    _nothing_stored(portal_app)


def test_point2_doubled_flate_pdf_is_copied_without_decoding() -> None:
    """The reviewer's PDF decoded to 8 GB on save; here 128 MiB. The cleaned copy carries the
    stream exactly as it came, twice deflated, and no time goes into inflating it."""
    bomb = doubled_flate_pdf(128)
    assert len(bomb) < 20_000
    started = time.monotonic()
    result = strip_metadata(io.BytesIO(bomb), "application/pdf")
    elapsed = time.monotonic() - started
    assert result.handled and result.cleaned is not None, result.refused
    with pikepdf.open(io.BytesIO(bomb)) as original, \
            pikepdf.open(io.BytesIO(result.cleaned)) as cleaned:
        before = original.pages[0].obj.Contents.read_raw_bytes()
        after = cleaned.pages[0].obj.Contents.read_raw_bytes()
        assert after == before
        assert list(cleaned.pages[0].obj.Contents.Filter) == [pikepdf.Name.FlateDecode] * 2
    assert len(result.cleaned) < 20_000
    assert elapsed < 10


@pytest.mark.parametrize(("maker", "expected"), [
    (hostile_files.png_with_large_ztxt, "refused"),
    (hostile_files.png_with_large_iccp, "refused"),
    (hostile_files.png_with_truncated_ihdr, "refused"),
    (hostile_files.jpeg_with_malformed_exif_rational, "cleaned"),
    (hostile_files.pdf_with_info_not_a_dictionary, "cleaned"),
], ids=["png-large-ztxt", "png-large-iccp", "png-truncated-ihdr",
        "jpeg-malformed-exif-rational", "pdf-info-not-a-dictionary"])
def test_point2_parser_crashes_are_a_refusal_or_a_cleaned_file_never_a_500(
    client: FlaskClient, organisation: Organisation, portal_app: Flask,
    maker: Callable[[], bytes], expected: str,
) -> None:
    response = post_report(client, organisation.unit_id, "A file.",
                           attachments=[(io.BytesIO(maker()), "evidence.bin")])
    page = response.get_data(as_text=True)
    if expected == "refused":
        assert response.status_code == 422
        assert "\u2068evidence.bin\u2069 could not be cleaned of hidden information" in page
        assert "nothing was stored" in page
        _nothing_stored(portal_app)
    else:
        assert response.status_code == 200, page[:2000]
        assert "<bdi>evidence.bin</bdi>: we removed hidden information" in page
        with transaction(session_factory(portal_app)) as db:
            assert [item.variant for item in db.scalars(select(Attachment))] == ["clean"]


def test_point2_the_refusal_is_translated(client: FlaskClient, organisation: Organisation,
                                          portal_app: Flask) -> None:
    client.set_cookie("aktsom_lang", "nb")
    response = post_report(client, organisation.unit_id, "Et bilde.",
                           attachments=[(io.BytesIO(hostile_files.png_with_truncated_ihdr()),
                                         "bilde.png")])
    assert response.status_code == 422
    assert "Vi kunne ikke fjerne skjult informasjon fra \u2068bilde.png\u2069" in \
        response.get_data(as_text=True)
    _nothing_stored(portal_app)


@pytest.mark.parametrize("cleaner", [hostile_files.spin_forever, hostile_files.sleep_forever],
                         ids=["cpu", "wall-clock"])
def test_point2_a_stuck_cleaner_is_killed_in_time(
    cleaner: Callable[[bytes, int], object],
) -> None:
    started = time.monotonic()
    result = clean_in_child(b"%PDF-1.7", CleaningLimits(seconds=1), cleaner)  # type: ignore[arg-type]
    assert result.refused == UNREADABLE and result.cleaned is None
    assert time.monotonic() - started < 8


def test_point2_a_cleaner_eating_memory_is_stopped_by_its_limit() -> None:
    result = clean_in_child(b"%PDF-1.7", CleaningLimits(memory_mib=512, seconds=20),
                            hostile_files.eat_memory)
    assert result.refused == UNREADABLE and result.cleaned is None


def test_point2_a_child_cannot_choose_the_message() -> None:
    """What the child answers is data, checked: not a pickle, not a template of its own."""
    result = clean_in_child(b"%PDF-1.7", CleaningLimits(), hostile_files.liar)
    assert result.refused == UNREADABLE


def test_point2_cleaning_children_run_at_most_at_once_per_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue 10 audit: nothing capped how many cleaning children ran at once, each allowed
    `metadata_memory_mib` (1 GiB by default): four threads of one worker, each with a hostile
    file, could ask for 4 GiB together. Now at most `metadata_at_once` run; the others wait
    their turn (each child ends within `metadata_seconds`)."""
    import threading

    from portal import metadata_sandbox

    running, most = [0], [0]
    lock, gate = threading.Lock(), threading.Event()

    def child(raw: bytes, limits: CleaningLimits, cleaner: object) -> str:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        gate.wait(timeout=0.2)  # long enough for every thread to try at once
        with lock:
            running[0] -= 1
        return "done"

    monkeypatch.setattr(metadata_sandbox, "_clean_in_child", child)
    limits = CleaningLimits(at_once=2)
    threads = [threading.Thread(target=clean_in_child, args=(b"x", limits, None))
               for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert most[0] == 2
    assert load_settings(environ={}).metadata_at_once == 2
