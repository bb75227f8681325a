"""Measure the crypto package on this machine: ``python benchmarks/crypto_bench.py [--size-mib N]``.

Prints a table with a goal per line ("goal met" / "goal missed"); it asserts
nothing about time, so it never fails a build on a slow machine.

* stream encryption and decryption of an N MiB file, disk to disk (page
  cache, no fsync), run in a child process, as a ratio to raw AES-256-GCM over
  the same number of bytes in memory, in 64 KiB chunks (goal >= 0.7), next to
  a plain copy and a bare read-encrypt-write loop as ceilings of this disk;
* peak RSS of that child process (goal < 64 MiB: memory must not grow with size);
* Argon2id at PRODUCTION_ARGON2 (goal: at most 1 s per derivation, so a login
  or a case-code check stays bearable; the security floor, RFC 9106, is a test);
* HPKE wraps and unwraps of a case key per second (informational).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

import crypto

MIB = 1024 * 1024
CHUNK = 64 * 1024

# The child encrypts or decrypts one file and reports its own wall time, so
# interpreter start-up is not counted against the stream.
# "copy" moves the same bytes without any cryptography: the I/O ceiling.
# "bare" is the least any file encryption can do: read 64 KiB, AES-GCM, write.
CHILD = """
import json, shutil, sys, time
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
import crypto
mode, src_path, dst_path, key_hex = sys.argv[1:5]
def copy(src, dst, key, aad):
    shutil.copyfileobj(src, dst, 65536)
    return dst.tell()
def bare(src, dst, key, aad):
    cipher, counter, size = AESGCM(key), 0, 0
    while block := src.read(65536):
        dst.write(cipher.encrypt(counter.to_bytes(12, "big"), block, aad))
        counter, size = counter + 1, size + len(block)
    return size
modes = {"copy": copy, "bare": bare}
run = modes.get(mode) or getattr(crypto, mode + "_stream")
with open(src_path, "rb") as src, open(dst_path, "wb") as dst:
    started = time.perf_counter()
    size = run(src, dst, bytes.fromhex(key_hex), b"benchmark")
    elapsed = time.perf_counter() - started
print(json.dumps({"bytes": size, "seconds": elapsed}))
"""


def make_file(path: Path, size_mib: int) -> str:
    """Write ``size_mib`` MiB of random data; return its SHA-256."""
    digest = hashlib.sha256()
    with path.open("wb") as out:
        for _ in range(size_mib):
            block = os.urandom(MIB)
            digest.update(block)
            out.write(block)
    return digest.hexdigest()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as src:
        while block := src.read(MIB):
            digest.update(block)
    return digest.hexdigest()


def run_child(mode: str, src: Path, dst: Path, key: bytes) -> float:
    """Run one stream operation in a child process; return its throughput in MiB/s."""
    # Flush earlier writes first, so no run pays for the previous one's writeback.
    os.sync()
    result = subprocess.run(
        [sys.executable, "-c", CHILD, mode, str(src), str(dst), key.hex()],
        check=True,
        capture_output=True,
        text=True,
    )
    report = json.loads(result.stdout)
    return float(report["bytes"]) / MIB / float(report["seconds"])


def raw_aesgcm_mib_s(size_mib: int) -> float:
    """AES-256-GCM over the same number of bytes, in memory, 64 KiB at a time."""
    cipher = AESGCM(AESGCM.generate_key(bit_length=256))
    chunk = os.urandom(CHUNK)
    count = size_mib * MIB // CHUNK
    started = time.perf_counter()
    for i in range(count):
        cipher.encrypt(i.to_bytes(12, "big"), chunk, b"benchmark")
    return size_mib / (time.perf_counter() - started)


def stream_in_memory_mib_s(size_mib: int) -> float:
    """encrypt_stream from memory to /dev/null: the construction's own cost, without disk."""
    source = io.BytesIO(os.urandom(min(size_mib, 256) * MIB))
    with open(os.devnull, "wb") as sink:
        started = time.perf_counter()
        size = crypto.encrypt_stream(source, sink, crypto.new_case_key())
        return size / MIB / (time.perf_counter() - started)


def argon2_seconds() -> float:
    times = []
    for _ in range(3):
        started = time.perf_counter()
        crypto.derive_key(b"K7QM2XPD9RTFH4BN8WJC", crypto.new_salt(), crypto.PRODUCTION_ARGON2)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def per_second(action: Callable[[], object], budget: float = 1.0) -> float:
    count = 0
    started = time.perf_counter()
    while (elapsed := time.perf_counter() - started) < budget:
        action()
        count += 1
    return count / elapsed


def verdict(met: bool) -> str:
    return "goal met" if met else "goal missed"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024, help="file size (default 1024)")
    size_mib = parser.parse_args().size_mib

    rows: list[tuple[str, str, str, str]] = []
    key = crypto.new_case_key()
    with tempfile.TemporaryDirectory(prefix="aktsom-bench-") as tmp:
        plain, sealed, back = Path(tmp) / "plain", Path(tmp) / "sealed", Path(tmp) / "back"
        expected = make_file(plain, size_mib)
        raw = raw_aesgcm_mib_s(size_mib)
        # Disk speed on a shared VM swings a lot: best of two rounds of each.
        copy = bare = enc = dec = 0.0
        intact = True
        for _ in range(2):
            copy = max(copy, run_child("copy", plain, back, key))
            bare = max(bare, run_child("bare", plain, back, key))
            enc = max(enc, run_child("encrypt", plain, sealed, key))
            dec = max(dec, run_child("decrypt", sealed, back, key))
            intact = intact and file_sha256(back) == expected
            for path in (sealed, back):
                path.unlink()
    # ru_maxrss is in KiB on Linux: the largest of all the children.
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    in_memory = stream_in_memory_mib_s(size_mib)
    rows.append(("raw AES-256-GCM in memory, 64 KiB", f"{raw:,.0f} MiB/s", "reference", ""))
    rows.append(("plain file copy, disk to disk", f"{copy:,.0f} MiB/s", "I/O ceiling", ""))
    rows.append(
        ("bare AES-GCM loop, disk to disk", f"{bare:,.0f} MiB/s",
         f"{bare / raw:.2f} x raw: crypto ceiling on this disk", "")
    )  # fmt: skip
    for name, speed, ok in (("encrypt", enc, True), ("decrypt", dec, intact)):
        ratio = f"{speed / raw:.2f} x raw (goal >= 0.7); {speed / bare:.2f} x bare loop"
        rows.append(
            (f"stream {name}, disk to disk", f"{speed:,.0f} MiB/s", ratio,
             verdict(speed / raw >= 0.7 and ok))
        )  # fmt: skip
    rows.append(
        ("stream encrypt, memory to /dev/null", f"{in_memory:,.0f} MiB/s",
         f"{in_memory / raw:.2f} x raw (informational)", "")
    )  # fmt: skip
    rss_ok = verdict(peak_mib < 64)
    rows.append(("peak RSS of stream child", f"{peak_mib:.1f} MiB", "< 64 MiB", rss_ok))
    seconds = argon2_seconds()
    p = crypto.PRODUCTION_ARGON2
    rows.append(
        (f"Argon2id t={p.time_cost} m={p.memory_cost_kib // 1024} MiB p={p.parallelism}",
         f"{seconds * 1000:.0f} ms", "<= 1 s (usability)", verdict(seconds <= 1.0))
    )  # fmt: skip

    keypair = crypto.UserKeyPair.generate()
    case_key = crypto.new_case_key()
    ids = {"case_id": "case-1", "recipient_id": "user-1"}
    blob = crypto.wrap_case_key(case_key, keypair.public_bytes, **ids)
    wraps = per_second(lambda: crypto.wrap_case_key(case_key, keypair.public_bytes, **ids))
    unwraps = per_second(lambda: crypto.unwrap_case_key(blob, keypair.private_bytes, **ids))
    rows.append(("HPKE wrap (ML-KEM-768+X25519)", f"{wraps:,.0f} /s", "informational", ""))
    rows.append(("HPKE unwrap (ML-KEM-768+X25519)", f"{unwraps:,.0f} /s", "informational", ""))

    print(f"Aktsom crypto benchmark: {size_mib} MiB file, Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} CPUs, round trip {'intact' if intact else 'CORRUPTED'}")  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
