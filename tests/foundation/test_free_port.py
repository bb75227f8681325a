"""`loadtest.service.free_port`, which every test that starts a server uses: never the same
port twice in one process. CI (session 7) once got one port for two of a test's three
servers (nginx's HTTPS port and the app's), and six nginx tests failed with 400s."""

from __future__ import annotations

import socket
from typing import Any

import pytest

import loadtest.service
from loadtest.service import free_port


def test_a_port_the_kernel_gives_again_is_not_handed_out_twice(
        monkeypatch: pytest.MonkeyPatch) -> None:
    base = next(port for port in range(20000, 30000, 2)
                if not {port, port + 1} & loadtest.service._HANDED_OUT)
    given = iter([base, base, base + 1])

    class Probe:
        def __enter__(self) -> Probe:
            return self

        def __exit__(self, *_exc: Any) -> None:
            return None

        def bind(self, _address: Any) -> None:
            return None

        def getsockname(self) -> tuple[str, int]:
            return "127.0.0.1", next(given)

    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    monkeypatch.setattr(socket, "socket", Probe)
    assert [free_port(), free_port()] == [base, base + 1]


def test_ports_are_free_and_distinct() -> None:
    ports = [free_port() for _ in range(20)]
    assert len(set(ports)) == 20
    assert all(1024 <= port <= 65535 for port in ports)


def test_each_xdist_worker_takes_ports_from_a_block_of_its_own(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Two workers probing at the same moment could both be given one port by the kernel;
    their blocks do not overlap, and lie below the ephemeral range."""
    blocks = []
    for worker in ("gw0", "gw1", "gw7"):
        monkeypatch.setenv("PYTEST_XDIST_WORKER", worker)
        block = loadtest.service._worker_block()
        assert block is not None
        port = free_port()
        assert port in block
        assert block.stop <= 32768
        blocks.append(set(block))
    assert not blocks[0] & blocks[1] and not blocks[1] & blocks[2] and not blocks[0] & blocks[2]
    monkeypatch.delenv("PYTEST_XDIST_WORKER")
    assert loadtest.service._worker_block() is None
