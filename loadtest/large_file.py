"""Memory and time to first byte with one large attachment (issue 15 §6):
``python -m loadtest.large_file [--size-mib 1024]``.

Starts `aktsom serve` (one worker) on loopback with the upload limits raised to the size,
sends one report with a file of that many MiB of random bytes (streamed from a generator,
never held whole by this script), opens the case with its code and downloads the file,
checking every byte against a SHA-256 taken while sending. It prints the server's peak
resident memory (VmHWM of the gunicorn worker, from /proc), the upload and download times and
the download's time to first byte. It asserts nothing about time; the goal is RSS < 100 MiB
for 1 GiB.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from loadtest.client import CSRF, Browser, open_with_code
from loadtest.run import installation, prepare
from loadtest.service import Server, free_port, serve_environment

_CHUNK = 1 << 20
_ATTACHMENT = re.compile(r'href="(/case/attachments/[0-9a-f]{32})"')


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        found += [int(item) for item in task.read_text().split()]
    return found


def _peak_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def streamed_report(fields: dict[str, str], file_bytes: Iterator[bytes], size: int,
                    boundary: str) -> tuple[Iterator[bytes], int]:
    """A multipart report body with one attachment of `size` bytes, sent as `file_bytes`
    yields them (never held whole), and its length for Content-Length."""
    head = b"".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                    f"{value}\r\n".encode() for name, value in fields.items())
    head += (f'--{boundary}\r\nContent-Disposition: form-data; name="attachments"; '
             f'filename="archive.bin"\r\nContent-Type: application/octet-stream\r\n\r\n'
             ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()

    def pieces() -> Iterator[bytes]:
        yield head
        yield from file_bytes
        yield tail

    return pieces(), len(head) + size + len(tail)


def random_bytes(size: int, digest: hashlib._Hash | None = None) -> Iterator[bytes]:
    """`size` random bytes in 1 MiB pieces (incompressible, of no type the server cleans),
    each added to `digest` when one is given."""
    left = size
    while left:
        piece = os.urandom(min(_CHUNK, left))
        if digest is not None:
            digest.update(piece)
        left -= len(piece)
        yield piece


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    args = parser.parse_args(argv)
    size = args.size_mib << 20
    root = Path(tempfile.mkdtemp(prefix="aktsom-large-"))
    server = None
    try:
        with installation(None, root) as database_url:
            env = serve_environment(database_url=database_url, instance_dir=root / "instance",
                                    storage_dir=root / "instance" / "storage",
                                    server_keys_file=root / "instance" / "server-keys.json")
            env["AKTSOM_MAX_FILE_BYTES"] = str(size)
            env["AKTSOM_MAX_TOTAL_UPLOAD_BYTES"] = str(size)
            unit_id, _handlers = prepare(env, 1)
            server = Server(env, free_port(), root / "serve.log")
            server.wait_ready()
            browser = Browser([server.base])
            token = CSRF.search(browser.get("/report").body)
            if token is None:
                raise RuntimeError("no CSRF token on the report form")
            fields = {"csrf_token": token.group(1), "category": "forced_labour",
                      "unit": unit_id, "description": "A large file."}
            sent = hashlib.sha256()
            boundary = "aktsom-large-" + os.urandom(6).hex()
            chunks, length = streamed_report(fields, random_bytes(size, sent), size, boundary)
            cookie = "; ".join(f"{c.name}={c.value}" for c in browser.jar)
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=3600)
            start = time.perf_counter()
            connection.request("POST", "/report", body=chunks, headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Content-Length": str(length), "Cookie": cookie})
            answer = connection.getresponse()
            answer.read()
            upload = time.perf_counter() - start
            if answer.status != 303:
                print(f"the upload was answered {answer.status}", file=sys.stderr)
                return 1
            # The code page needs the session cookie the answer set.
            session = [value.split(";", 1)[0] for name, value in answer.getheaders()
                       if name.lower() == "set-cookie"]
            connection.request("GET", "/report/submitted",
                               headers={"Cookie": "; ".join([cookie, *session])})
            page = connection.getresponse().read().decode()
            code = re.search(r'id="case-code">([^<]+)<', page)
            if code is None:
                raise RuntimeError("no case code shown")
            workers = _children(server.process.pid)
            peak_upload = max(_peak_kib(pid) for pid in workers)
            reader = Browser([server.base])
            case_page = open_with_code(reader, code.group(1))
            link = _ATTACHMENT.search(case_page or "")
            if link is None:
                raise RuntimeError("the case or its file did not open")
            cookie = "; ".join(f"{c.name}={c.value}" for c in reader.jar)
            start = time.perf_counter()
            connection.request("GET", link.group(1), headers={"Cookie": cookie})
            download = connection.getresponse()
            first = download.read(1)
            first_byte = time.perf_counter() - start
            received = hashlib.sha256(first)
            while piece := download.read(_CHUNK):
                received.update(piece)
            whole = time.perf_counter() - start
            peak = max(_peak_kib(pid) for pid in workers)
            connection.close()
            same = received.digest() == sent.digest()
            print(f"| file | upload | download | first byte | worker peak RSS after upload | "
                  f"after download | bytes identical |\n|---|---|---|---|---|---|---|\n"
                  f"| {args.size_mib} MiB | {upload:.1f} s ({args.size_mib / upload:.0f} MiB/s) "
                  f"| {whole:.1f} s | {first_byte * 1000:.0f} ms | {peak_upload / 1024:.0f} MiB "
                  f"| {peak / 1024:.0f} MiB | {same} |")
            return 0 if same else 1
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
