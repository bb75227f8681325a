"""Hostile input, point 6 (logs): CR/LF in a path forged access-log lines; gunicorn logged
`Invalid request from ip=ADDRESS: <raw request line>`; gunicorn's control socket was on."""

from __future__ import annotations

import logging
import threading
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from gunicorn.config import Config
from gunicorn.http.errors import InvalidRequestLine
from gunicorn.workers.base import Worker
from werkzeug.serving import make_server

from admin.server import gunicorn_options
from portal.hardening import AddressFreeRequestHandler, log_safe

ADDRESS = "203.0.113.77"
FORGED = '/x\r\n203.0.113.9 - - "GET /admin/ HTTP/1.1" 200 \u202e'


@pytest.fixture
def gunicorn_logger(tmp_path: Path) -> Iterator[Any]:
    """gunicorn's logger as `aktsom serve` configures it, writing to files in `tmp_path`."""
    # gunicorn's loggers are global and it drops an earlier test's file handlers unclosed.
    for name in ("gunicorn.access", "gunicorn.error"):
        for handler in logging.getLogger(name).handlers:
            handler.close()
    config = Config()
    for key, value in gunicorn_options("127.0.0.1", 8000, 1).items():
        config.set(key, value)
    config.set("accesslog", str(tmp_path / "access.log"))
    config.set("errorlog", str(tmp_path / "error.log"))
    logger = config.logger_class(config)
    yield logger
    for handler in [*logger.access_log.handlers, *logger.error_log.handlers]:
        handler.close()


def flushed(logger: Any, path: Path) -> str:
    for handler in [*logger.access_log.handlers, *logger.error_log.handlers]:
        handler.flush()
    return path.read_text()


class _Response:
    status = "404 NOT FOUND"
    sent = 12
    headers: list[tuple[str, str]] = []
    response_length = 12


def test_crlf_in_a_path_does_not_forge_a_gunicorn_access_log_line(tmp_path: Path,
                                                                  gunicorn_logger: Any) -> None:
    logger = gunicorn_logger
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": FORGED, "QUERY_STRING": "",
               "REMOTE_ADDR": ADDRESS, "SERVER_PROTOCOL": "HTTP/1.1", "RAW_URI": "/x"}
    logger.access(_Response(), [], environ, timedelta(milliseconds=3))
    lines = flushed(logger, tmp_path / "access.log").splitlines()
    assert len(lines) == 1, lines
    assert '"GET /x\\r\\n203.0.113.9 - - \\"GET /admin/ HTTP/1.1\\" 200 \\u202e" 404' in lines[0]


def test_crlf_in_a_path_does_not_forge_a_development_server_log_line(
    portal_app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    server = make_server("127.0.0.1", 0, portal_app, request_handler=AddressFreeRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            url = f"http://127.0.0.1:{server.server_port}/x%0d%0aforged%22line"
            with pytest.raises(urllib.error.HTTPError):
                urllib.request.urlopen(url)  # noqa: S310 (local test server)
    finally:
        server.shutdown()
        server.server_close()
    for record in caplog.records:
        assert "\n" not in record.getMessage() and "\r" not in record.getMessage()


def test_log_safe_escapes_everything_but_printable_ascii() -> None:
    assert log_safe('a\r\n\x00"\\\u202eé b') == 'a\\r\\n\\x00\\"\\\\\\u202e\\xe9 b'


def test_gunicorn_invalid_request_log_holds_no_address_or_request(tmp_path: Path,
                                                                   gunicorn_logger: Any) -> None:
    """gunicorn's own handler of a malformed request, run with our logger."""
    logger = gunicorn_logger
    worker = SimpleNamespace(log=logger, cfg=logger.cfg)
    # Not a socket: gunicorn's attempt to answer 400 fails, and it says so at debug level only.
    client = SimpleNamespace()
    error = InvalidRequestLine("GET /admin/setup/secret-token?next=x HTTP/1.1\r\nX: y")
    Worker.handle_error(worker, None, client, (ADDRESS, 51515), error)
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logger.exception("Error handling request %s %s", "GET",
                         "/admin/setup/other-secret?code=K7QM2")
    logged = flushed(logger, tmp_path / "error.log")
    assert "Invalid request refused" in logged
    assert "Error handling request GET /admin/setup/[redacted]" in logged
    for leak in (ADDRESS, "secret-token", "other-secret", "K7QM2", "next=x"):
        assert leak not in logged


@pytest.mark.skipif("control_socket_disable" not in Config().settings,
                    reason="this gunicorn has no control socket")
def test_gunicorn_control_socket_is_off() -> None:
    config = Config()
    for key, value in gunicorn_options("127.0.0.1", 8000, 1).items():
        config.set(key, value)
    assert config.control_socket_disable is True


def test_serve_options_work_with_the_installed_gunicorn() -> None:
    config = Config()
    for key, value in gunicorn_options("127.0.0.1", 8000, 1).items():
        config.set(key, value)  # an unknown setting (an older gunicorn) would raise here
    assert config.workers == 1
