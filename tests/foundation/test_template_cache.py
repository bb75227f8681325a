"""Templates compile once per process (portal.template_cache): a second app renders the same
pages without compiling them again, and neither a changed template nor a differently
configured environment is served another's compiled code.

Measured before: a quarter of the test suite's time (28 of 117 s profiled over the case and
security tests) went to Jinja compiling the same templates for every app the tests built."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask, render_template
from jinja2 import DictLoader, Environment

from portal.template_cache import init_template_cache


@pytest.fixture
def compiled(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """The names of the templates Jinja compiles from here on."""
    names: list[str | None] = []
    original = Environment.compile

    def counting(self: Environment, source: Any, name: str | None = None,
                 filename: str | None = None, *args: Any, **kwargs: Any) -> Any:
        names.append(name)
        return original(self, source, name, filename, *args, **kwargs)

    monkeypatch.setattr(Environment, "compile", counting)
    return names


def test_a_second_app_renders_the_landing_page_without_compiling_it(
        make_portal_app: Any, compiled: list[str | None]) -> None:
    first, second = make_portal_app(), make_portal_app()
    assert first.jinja_env.bytecode_cache is second.jinja_env.bytecode_cache
    first_page = first.test_client().get("/")
    assert first_page.status_code == 200
    compiled.clear()
    second_page = second.test_client().get("/")
    assert second_page.status_code == 200
    assert compiled == []
    # The cached code renders the same page (the form tokens differ).
    assert second_page.data.split(b"<form")[0] == first_page.data.split(b"<form")[0]


def test_the_staff_app_shares_the_layout_the_portal_compiled(
        portal_app: Flask, admin_app: Flask, compiled: list[str | None]) -> None:
    assert portal_app.jinja_env.bytecode_cache is admin_app.jinja_env.bytecode_cache
    portal_app.test_client().get("/")
    compiled.clear()
    assert admin_app.test_client().get("/admin/login").status_code == 200
    assert "layout.html" not in compiled


def _app(templates: dict[str, str], **options: Any) -> Flask:
    app = Flask(__name__)
    app.jinja_options = {**app.jinja_options, **options}
    app.jinja_loader = DictLoader(templates)
    init_template_cache(app)
    return app


def test_a_changed_template_is_compiled_again(compiled: list[str | None]) -> None:
    with _app({"page.html": "old words"}).app_context():
        assert render_template("page.html") == "old words"
    compiled.clear()
    with _app({"page.html": "new words"}).app_context():
        assert render_template("page.html") == "new words"
    assert compiled == ["page.html"]


def test_environments_that_compile_differently_do_not_share_code() -> None:
    source = {"page.html": "{% if true %}\nline{% endif %}"}
    plain, trimmed = _app(source), _app(source, trim_blocks=True)
    assert plain.jinja_env.bytecode_cache is not trimmed.jinja_env.bytecode_cache
    with plain.app_context():
        assert render_template("page.html") == "\nline"
    with trimmed.app_context():
        assert render_template("page.html") == "line"
