"""Real-browser fixtures: the combined WSGI app on a local port, Debian's Chromium driven by
Playwright with JavaScript disabled (the reporter side must work without it)."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from werkzeug.serving import make_server

from admin.wsgi import build_wsgi_app
from config import Settings
from portal.db import engine_of
from portal.hardening import AddressFreeRequestHandler

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def live_server(settings: Settings) -> Iterator[str]:
    """Serve portal and admin together, as `aktsom serve` does, on a free local port."""
    app = build_wsgi_app("all", settings)
    server = make_server("127.0.0.1", 0, app, threaded=True,
                         request_handler=AddressFreeRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        for inner in (app.portal_app, app.admin_app):
            if inner is not None:
                engine_of(inner).dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the browser tests: {CHROMIUM} is missing")
        pytest.skip(f"browser tests need Debian's chromium at {CHROMIUM} "
                    "(apt-get install chromium); no browser is ever downloaded")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh context per test with JavaScript off; CSP violations are collected."""
    context = browser.new_context(java_script_enabled=False, locale="en-GB")
    page = context.new_page()
    page.console_messages_seen = []  # type: ignore[attr-defined]
    page.on("console", lambda message: page.console_messages_seen.append(message.text))
    yield page
    context.close()
