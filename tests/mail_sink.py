"""A local SMTP sink (aiosmtpd) for tests that check which mails go out: nothing leaves the
machine. Modules that need it import `sink` and `settings` as fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_string
from email.message import Message as Mail
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from config import Settings
from loadtest.service import free_port
from portal.serverkeys import create_server_keys


@dataclass
class Sink:
    """Collects what the SMTP server receives."""

    mails: list[tuple[list[str], Mail]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.mails.append((list(envelope.rcpt_tos),
                           message_from_string(envelope.content.decode("utf-8"))))
        return "250 OK"

    def recipients(self) -> list[str]:
        return sorted(address for rcpts, _mail in self.mails for address in rcpts)


@pytest.fixture
def sink() -> Iterator[tuple[Sink, int]]:
    handler = Sink()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


@pytest.fixture
def settings(make_settings: Any, database_url: str, sink: tuple[Sink, int]) -> Settings:
    """The shared settings with mail going to the sink."""
    configured: Settings = make_settings(database_url=database_url,
                                         smtp_url=f"smtp://127.0.0.1:{sink[1]}",
                                         mail_from="channel@example.org")
    configured.storage_dir.mkdir(parents=True, exist_ok=True)
    create_server_keys(configured.server_keys_file)
    return configured
