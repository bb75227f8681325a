"""The one refusal type: English for commands, the request's language for pages, and values
a user typed stay text (escaped by Jinja wherever the refusal is shown)."""

from __future__ import annotations

from flask import Flask, flash, render_template
from flask_babel import force_locale

from portal.refusals import N_, Refusal


def test_str_is_the_english_text_with_its_parameters() -> None:
    refusal = Refusal(N_("An org unit with code %(code)s already exists."), code="NORDIC")
    assert str(refusal) == "An org unit with code NORDIC already exists."
    assert isinstance(refusal, ValueError)
    assert refusal.template == "An org unit with code %(code)s already exists."
    assert refusal.params == {"code": "NORDIC"}


def test_translated_translates_the_template_then_inserts_the_parameters(
        portal_app: Flask) -> None:
    refusal = Refusal(N_("An org unit with code %(code)s already exists."), code="NORDIC")
    with portal_app.test_request_context("/"), force_locale("nb"):
        assert refusal.translated() == (
            "Det finnes allerede en organisasjonsenhet med koden NORDIC.")
        assert Refusal(N_("Write a message.")).translated() == "Skriv en melding."


def test_a_template_without_parameters_is_not_formatted(portal_app: Flask) -> None:
    # Neither str() nor translated() applies "%" when there are no parameters.
    refusal = Refusal("100% sure")
    with portal_app.test_request_context("/"):
        assert str(refusal) == refusal.translated() == "100% sure"


def test_a_typed_value_in_a_flashed_refusal_is_escaped(portal_app: Flask) -> None:
    refusal = Refusal(N_("An org unit with code %(code)s already exists."),
                      code="<script>alert(1)</script>")
    with portal_app.test_request_context("/"):
        flash(refusal.translated(), "error")
        page = render_template("pages/landing.html")
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
