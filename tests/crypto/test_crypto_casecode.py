"""Case codes: generation, normalisation, look-up id."""

from __future__ import annotations

import re

import pytest

from crypto import (
    InvalidCaseCode,
    case_lookup_id,
    format_case_code,
    generate_case_code,
    normalise_case_code,
)
from crypto.errors import CASE_CODE_MESSAGE

FORMAT = re.compile(r"^[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{5}){3}$")
CANONICAL = "K7QM2XPD9RTFH4BN8WJC"


def test_generated_codes_have_the_documented_shape() -> None:
    codes = {generate_case_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(FORMAT.match(c) for c in codes)


def test_generation_uses_exactly_100_bits_of_the_rng() -> None:
    assert generate_case_code(lambda n: bytes(n)) == "00000-00000-00000-00000"
    assert generate_case_code(lambda n: b"\xff" * n) == "ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ"
    # The lowest 4 of the 104 bits drawn are discarded.
    assert generate_case_code(lambda n: bytes(n - 1) + b"\x0f") == "00000-00000-00000-00000"
    assert generate_case_code(lambda n: bytes(n - 1) + b"\x10") == "00000-00000-00000-00001"


@pytest.mark.parametrize(
    "typed",
    [
        "K7QM2-XPD9R-TFH4B-N8WJC",
        "k7qm2-xpd9r-tfh4b-n8wjc",
        "K7QM2 XPD9R TFH4B N8WJC",
        "  k7qm2xpd9rtfh4bn8wjc\n",
        "K7QM-2XPD9R--TFH4B N8W JC",
        "\tK7QM2\tXPD9R-TFH4B-N8WJC ",
    ],
)
def test_normalise_accepts_case_spaces_and_dashes(typed: str) -> None:
    assert normalise_case_code(typed) == CANONICAL


def test_normalise_maps_look_alike_letters() -> None:
    assert normalise_case_code("OOOOO-ooooo-IIIII-lllll") == "00000000001111111111"
    assert normalise_case_code("o1I1L-0000O-iLlI0-00000") == "01111000001111000000"


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "K7QM2-XPD9R-TFH4B-N8WJ",  # 19
        "K7QM2-XPD9R-TFH4B-N8WJCC",  # 21
        "K7QM2-XPD9R-TFH4B-N8WJU",  # Crockford has no U
        "K7QM2-XPD9R-TFH4B-N8WJ*",
        "K7QM2_XPD9R_TFH4B_N8WJC",
        "K7QM2-XPD9R-TFH4B-N8WJı",  # dotless i upper-cases to I; refuse non-ASCII
        "K7QM2-XPD9R-TFH4B-N8WJ\u00c5",
        "K" * 500,
    ],
)
def test_normalise_rejects_everything_else(typed: str) -> None:
    with pytest.raises(InvalidCaseCode) as info:
        normalise_case_code(typed)
    assert str(info.value) == CASE_CODE_MESSAGE
    assert str(info.value) == "A case code has 20 letters and digits, e.g. K7QM2-XPD9R-TFH4B-N8WJC."


def test_error_is_a_value_error_and_never_echoes_input() -> None:
    with pytest.raises(ValueError, match="20 letters") as info:
        normalise_case_code("SECRET-GUESS-ABCDE")
    assert "SECRET" not in str(info.value)
    assert "SECRET" not in repr(info.value)


def test_format_groups_in_fives() -> None:
    assert format_case_code(CANONICAL) == "K7QM2-XPD9R-TFH4B-N8WJC"
    assert format_case_code("k7qm2 xpd9r tfh4b n8wjc") == "K7QM2-XPD9R-TFH4B-N8WJC"


def test_lookup_id_is_hmac_of_the_normalised_code() -> None:
    pepper = b"p" * 32
    typed = ("K7QM2-XPD9R-TFH4B-N8WJC", "k7qm2 xpd9r tfh4b n8wjc")
    ids = {case_lookup_id(pepper, c) for c in typed}
    assert len(ids) == 1
    (lookup,) = ids
    assert len(lookup) == 32
    assert case_lookup_id(b"q" * 32, CANONICAL) != lookup
    assert case_lookup_id(pepper, "K7QM2-XPD9R-TFH4B-N8WJD") != lookup


def test_lookup_id_refuses_bad_input() -> None:
    with pytest.raises(InvalidCaseCode):
        case_lookup_id(b"p" * 32, "nonsense")
    with pytest.raises(ValueError, match="pepper"):
        case_lookup_id(b"short", CANONICAL)
