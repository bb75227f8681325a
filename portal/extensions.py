"""Typed accessors for what lives on `app.extensions` (no module-level singletons)."""

from __future__ import annotations

from flask import Flask, current_app

from config import Settings
from portal.serverkeys import ServerKeys, load_server_keys

SETTINGS = "aktsom.settings"
SERVER_KEYS = "aktsom.server_keys"


def settings_of(app: Flask | None = None) -> Settings:
    target = app or current_app
    settings: Settings = target.extensions[SETTINGS]
    return settings


def server_keys_of(app: Flask | None = None) -> ServerKeys:
    """The server keys, read from their file on first use (not in the factory: the file may be
    made by `aktsom init` after the app object exists)."""
    target = app or current_app
    keys: ServerKeys | None = target.extensions.get(SERVER_KEYS)
    if keys is None:
        keys = load_server_keys(settings_of(target).server_keys_file)
        target.extensions[SERVER_KEYS] = keys
    return keys
