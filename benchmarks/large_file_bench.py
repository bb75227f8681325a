"""Issue 15 §6 in `make bench`: one large upload over HTTP against a bare AES-GCM loop, and the
download's time to first byte.

The bare loop is what the upload cannot beat: the same bytes read from one file on the disk,
sealed with AES-256-GCM (`cryptography`) in the store's segment size and written to another
file on the same file system, fsynced at the end as the store fsyncs its files. It runs in this
process, interleaved with the uploads, so a change of load moves both sides of the ratio.

The upload is the real `POST /report` with the file as its only attachment, streamed from a
file on the disk in 1 MiB pieces (nothing is held whole here), then the code page. It includes
everything a reporter waits for: the Argon2id derivation, parsing, sealing, fsync and commit.
The time to first byte is that of `GET /case/attachments/<id>` by the reporter who opened the
case with its code: from the request to the first byte of the file.
"""

from __future__ import annotations

import os
import re
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from benchmarks import server_bench
from crypto.stream import SEGMENT_SIZE
from loadtest.large_file import random_bytes, streamed_report

_PIECE = 1 << 20
_ATTACHMENT = re.compile(r'href="(/case/attachments/[0-9a-f]{32})"')


def random_file(path: Path, size: int) -> Path:
    """`size` random bytes at `path` (incompressible, and of no type the server cleans)."""
    with path.open("wb") as target:
        for piece in random_bytes(size):
            target.write(piece)
    return path


def bare_loop(source: Path, target: Path) -> float:
    """Seconds to seal `source` into `target` with AES-256-GCM, one segment of the store's
    size at a time (a counter nonce, a fresh key), fsynced: the floor of any upload."""
    cipher = AESGCM(AESGCM.generate_key(bit_length=256))
    started = time.perf_counter()
    with source.open("rb", buffering=0) as reader, target.open("wb") as writer:
        counter = 0
        while segment := reader.read(SEGMENT_SIZE):
            writer.write(cipher.encrypt(counter.to_bytes(12, "big"), segment, None))
            counter += 1
        writer.flush()
        os.fsync(writer.fileno())
    elapsed = time.perf_counter() - started
    target.unlink()
    return elapsed


def _file_bytes(path: Path) -> Iterator[bytes]:
    with path.open("rb") as source:
        while piece := source.read(_PIECE):
            yield piece


def upload(base_url: str, path: Path) -> tuple[float, str]:
    """(seconds, case code) of one report carrying the file at `path`: the POST and the code
    page it leads to (the form's GET before it is not counted)."""
    reporter = server_bench.Reporter(base_url)
    form = reporter.get("/report")
    unit = server_bench._UNIT_OPTION.findall(form)[0]
    boundary = uuid.uuid4().hex
    body, length = streamed_report(
        {"csrf_token": server_bench._token(form), "category": "fraud", "unit": unit,
         "description": server_bench.REPORT_TEXT},
        _file_bytes(path), path.stat().st_size, boundary)
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(reporter.jar))
    request = urllib.request.Request(
        base_url + "/report", data=body, method="POST",
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}",
                 "Content-Length": str(length)})
    started = time.perf_counter()
    with opener.open(request, timeout=server_bench.REQUEST_TIMEOUT * 10) as answer:
        page = answer.read().decode()
    elapsed = time.perf_counter() - started
    code = server_bench._CODE.search(page)
    if code is None:
        raise RuntimeError("the report with the large file was not stored")
    return elapsed, code.group(1)


def first_byte(base_url: str, code: str, size: int) -> tuple[float, float]:
    """(time to first byte, whole download) in seconds of the file of the case `code`, by the
    reporter who opened it with the code; every byte is counted."""
    reporter = server_bench.Reporter(base_url)
    form = reporter.get("/followup")
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(reporter.jar))
    data = urllib.parse.urlencode({"csrf_token": server_bench._token(form),
                                   "case_code": code}).encode()
    with opener.open(base_url + "/followup", data=data,
                     timeout=server_bench.REQUEST_TIMEOUT) as answer:
        link = _ATTACHMENT.search(answer.read().decode())
    if link is None:
        raise RuntimeError("the case did not open with its code, or shows no file")
    started = time.perf_counter()
    with opener.open(base_url + link.group(1), timeout=server_bench.REQUEST_TIMEOUT) as answer:
        received = len(answer.read(1))
        first = time.perf_counter() - started
        while piece := answer.read(_PIECE):
            received += len(piece)
    whole = time.perf_counter() - started
    if received != size:
        raise RuntimeError(f"downloaded {received} bytes of {size}")
    return first, whole


def _worker_peak_mib(server: server_bench.Server) -> float:
    """The largest peak resident memory (VmHWM) among the server's processes."""
    peak = 0
    for pid in [server.process.pid, *server_bench._children(server.process.pid)]:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peak = max(peak, int(line.split()[1]))
    return peak / 1024


def large_file_figures(figures: Any, database_url: str, size: int, runs: int,
                       argon2: tuple[int, int, int], work: Path) -> None:
    """Put `large_upload` (bare loop ÷ upload, p50 of `runs` interleaved) and `first_byte`
    (p50) into `figures`, against a fresh `aktsom serve` on `database_url`."""
    instance = work / f"instance-large-{figures.backend}"
    environment = server_bench.server_environment(database_url, instance, argon2=argon2)
    environment["AKTSOM_MAX_FILE_BYTES"] = str(size)
    environment["AKTSOM_MAX_TOTAL_UPLOAD_BYTES"] = str(size)
    settings = server_bench.prepare(database_url, environment)
    server_bench.grow_organisation(settings, 1)
    source = random_file(work / "large-upload.bin", size)
    try:
        with server_bench.running_server(
                environment, work / f"serve-large-{figures.backend}.log") as server:
            base = server.base_url
            server_bench.submit(base)  # warm-up
            server.settle()
            bare: list[float] = []
            uploads: list[float] = []
            codes: list[str] = []
            for _ in range(runs):
                # Beside the file store, on the same file system.
                bare.append(bare_loop(source, instance / "bare-loop.bin"))
                elapsed, code = upload(base, source)
                uploads.append(elapsed)
                codes.append(code)
            downloads = [first_byte(base, codes[i % len(codes)], size)
                         for i in range(max(3, runs))]
            peak = _worker_peak_mib(server)
    finally:
        source.unlink(missing_ok=True)
    mib = size / 1048576
    bare_p50, upload_p50 = server_bench.p50(bare), server_bench.p50(uploads)
    figures.put("large_upload", f"{bare_p50 / upload_p50:.2f}x",
                f"{mib:.0f} MiB: upload p50 {upload_p50:.2f} s ({mib / upload_p50:.0f} MiB/s), "
                f"bare AES-GCM loop p50 {bare_p50:.2f} s ({mib / bare_p50:.0f} MiB/s), "
                f"{runs} runs; server peak RSS {peak:.0f} MiB")
    first_p50 = server_bench.p50([first for first, _whole in downloads])
    whole_p50 = server_bench.p50([whole for _first, whole in downloads])
    figures.put("first_byte", f"{first_p50 * 1000:.0f} ms",
                f"{mib:.0f} MiB by the reporter with the code, p50 of {len(downloads)}; whole "
                f"download {whole_p50:.2f} s ({mib / whole_p50:.0f} MiB/s), streamed")
