"""Cleaning runs in a child process with limits on memory, CPU and time (issue point 2).

Parsers of pictures and PDFs are where hostile input bites: a 915-byte JPEG claiming
10000 x 10000 pixels took 1.26 GB, a 20 KB PDF with a doubled Flate filter held a worker for
32 seconds. The cleaners check what they can before decoding; this module bounds whatever
they miss. The child is made by the `forkserver` start method (a fresh, single-threaded
process forks it, never the threaded server itself), sets RLIMIT_AS and RLIMIT_CPU on itself,
and gets the file and returns the copy through a pipe, in memory: the spool design forbids
plaintext on disk. The parent waits at most `limits.seconds` and then kills it.

What comes back is parsed as data, never unpickled: a child that a parser bug let someone
take over can only send bytes and a few checked fields.
"""

from __future__ import annotations

import json
import multiprocessing
import multiprocessing.context
import resource
import threading
import time
from collections.abc import Callable
from multiprocessing import forkserver
from multiprocessing.connection import Connection
from typing import Any

from portal.metadata_result import (
    HEIC,
    JPEG2000,
    PDF_PICTURES,
    TOO_MANY_PIXELS,
    UNREADABLE,
    CleaningLimits,
    StripResult,
)

Cleaner = Callable[[bytes, int], StripResult]
_TEMPLATES = {UNREADABLE, TOO_MANY_PIXELS, HEIC, JPEG2000, PDF_PICTURES}
_MEDIA_TYPES = {"image/jpeg", "image/png", "image/webp", "application/pdf"}
_HEADER_BYTES = 64 * 1024
_MiB = 1024 * 1024
FORK_SERVER_MODULE = "portal.metadata_forkserver"
# What the fork server imports once for all its children: the cleaners and their parsers
# (portal.metadata imports these only when it cleans, so the server's workers do without).
PRELOADED = ("portal.metadata", "portal.metadata_images", "portal.metadata_jpeg",
             "portal.metadata_pdf")


def _fork_server_context() -> multiprocessing.context.ForkServerContext:
    context = multiprocessing.get_context("forkserver")
    # Imported once by the fork server, so each child starts without importing Pillow again,
    # nor the server's main script (portal.metadata_forkserver says why).
    context.set_forkserver_preload([FORK_SERVER_MODULE, *PRELOADED])
    return context


def start_cleaning_fork_server() -> None:
    """Start the fork server now (a server worker does at start), not at the first file."""
    _fork_server_context()
    forkserver.ensure_running()


# The cleaning children one server process may run at once, per configured count (settings
# do not change while it runs; tests use several). A thread beyond the count waits for a
# child to end, which each does within `limits.seconds`: memory stays at most
# at_once x memory_mib per process, whatever a burst of files asks.
_SLOTS: dict[int, threading.BoundedSemaphore] = {}
_SLOTS_LOCK = threading.Lock()


def _slots(count: int) -> threading.BoundedSemaphore:
    with _SLOTS_LOCK:
        return _SLOTS.setdefault(count, threading.BoundedSemaphore(count))


def clean_in_child(raw: bytes, limits: CleaningLimits, cleaner: Cleaner) -> StripResult:
    """`cleaner(raw, limits.max_pixels)` in a limited child process; a refusal if the child
    fails, breaks a limit or answers with anything unexpected. `cleaner` must be a
    module-level function (it is named to the child, not copied). At most `limits.at_once`
    children run at once in this process; the rest wait their turn."""
    with _slots(limits.at_once):
        return _clean_in_child(raw, limits, cleaner)


def _clean_in_child(raw: bytes, limits: CleaningLimits, cleaner: Cleaner) -> StripResult:
    context = _fork_server_context()
    ours, theirs = context.Pipe(duplex=True)
    process = context.Process(target=_child, args=(theirs, limits, cleaner), daemon=True)
    deadline = time.monotonic() + limits.seconds
    try:
        process.start()
        theirs.close()
        ours.send_bytes(raw)
        header = _receive(ours, deadline, _HEADER_BYTES)
        result = _parse_header(header)
        if result.handled:
            cap = len(raw) + limits.max_pixels * 4 + _MiB
            result.cleaned = _receive(ours, deadline, cap)
        return result
    except (OSError, EOFError, ValueError, TimeoutError):
        return StripResult.refusal(UNREADABLE)
    finally:
        if process.is_alive():
            process.kill()
        process.join()
        process.close()
        ours.close()


def _receive(connection: Connection, deadline: float, cap: int) -> bytes:
    if not connection.poll(max(0.0, deadline - time.monotonic())):
        raise TimeoutError
    return connection.recv_bytes(cap)


def _parse_header(header: bytes) -> StripResult:
    fields: Any = json.loads(header)
    if not isinstance(fields, dict):
        raise ValueError("header")
    refused, media_type, removed = fields.get("refused"), fields.get("media_type"), \
        fields.get("removed")
    if refused is not None:
        return StripResult.refusal(refused if refused in _TEMPLATES else UNREADABLE)
    handled = fields.get("handled") is True
    if handled and media_type not in _MEDIA_TYPES:
        raise ValueError("media type")
    if not isinstance(removed, list) or len(removed) > 200 or \
            not all(isinstance(key, str) and len(key) <= 200 for key in removed):
        raise ValueError("removed")
    return StripResult(handled=handled, media_type=media_type if handled else None,
                       removed=removed)


def _child(connection: Connection, limits: CleaningLimits, cleaner: Cleaner) -> None:
    """In the child: limit ourselves, clean, answer with a JSON header and the bytes."""
    memory = limits.memory_mib * _MiB
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    cpu = max(1, limits.seconds)
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    try:
        result = cleaner(connection.recv_bytes(), limits.max_pixels)
    except Exception:  # MemoryError included: whatever broke, the answer is a refusal
        result = StripResult.refusal(UNREADABLE)
    header = {"handled": result.handled and result.cleaned is not None,
              "media_type": result.media_type, "removed": result.removed,
              "refused": result.refused}
    connection.send_bytes(json.dumps(header).encode())
    if header["handled"] and result.cleaned is not None:
        connection.send_bytes(result.cleaned)
    connection.close()
