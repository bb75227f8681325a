"""The recovery key and its printable sheet."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from crypto import (
    InvalidRecoverySheet,
    UserKeyPair,
    format_recovery_sheet,
    generate_recovery_key,
    parse_recovery_sheet,
    unwrap_case_key,
    wrap_case_key,
)
from crypto.recovery import SHEET_HEADER


@pytest.fixture(scope="module")
def fixed(load_vectors: Callable[[str], Any]) -> tuple[UserKeyPair, str]:
    """A fixed key and its stored sheet: typo tests must not depend on luck."""
    vector = load_vectors("recovery.json")
    return UserKeyPair.from_private_bytes(bytes.fromhex(vector["private_bytes"])), vector["sheet"]


def key_lines(sheet: str) -> list[str]:
    return [line for line in sheet.splitlines() if line[:1].isdigit()]


def replace_line(sheet: str, number: int, new: str) -> str:
    lines = sheet.splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith(f"{number:02d}  "))
    lines[index] = new
    return "\n".join(lines)


def test_round_trip_and_contents() -> None:
    keypair = generate_recovery_key()
    sheet = format_recovery_sheet(keypair, "Eksempel AS", "2025-01-15")
    assert sheet.startswith(SHEET_HEADER + "\n")
    assert "Organisation: Eksempel AS" in sheet
    assert "Created: 2025-01-15" in sheet
    assert keypair.fingerprint() in sheet
    assert len(key_lines(sheet)) == 16
    assert parse_recovery_sheet(sheet) == keypair


def test_recovery_key_opens_envelopes() -> None:
    keypair = generate_recovery_key()
    blob = wrap_case_key(b"k" * 32, keypair.public_bytes, case_id="c", recipient_id="recovery")
    restored = parse_recovery_sheet(format_recovery_sheet(keypair, "Org", "today"))
    assert unwrap_case_key(blob, restored.private_bytes, case_id="c", recipient_id="recovery")


def test_parse_is_tolerant(fixed: tuple[UserKeyPair, str]) -> None:
    keypair, sheet = fixed
    # Typed by hand: lower case, dashes, different spacing, O for 0 and l for 1,
    # no header and no fingerprint line.
    typed = []
    for line in key_lines(sheet):
        number, body = line.split(maxsplit=1)
        body = body.lower().replace(" ", "-").replace("0", "o").replace("1", "l")
        typed.append(f"  {int(number)}:   {body}  ")
    assert parse_recovery_sheet("\n".join(typed)) == keypair
    assert parse_recovery_sheet(sheet.replace("\n", "\r\n")) == keypair


@pytest.mark.parametrize("number", range(1, 17))
def test_typo_is_caught_and_located(fixed: tuple[UserKeyPair, str], number: int) -> None:
    _, sheet = fixed
    line = key_lines(sheet)[number - 1]
    for position in (4, 10, len(line) - 1):  # a key symbol, another, a check symbol
        wrong = "Y" if line[position] != "Y" else "Z"
        typo = line[:position] + wrong + line[position + 1 :]
        with pytest.raises(InvalidRecoverySheet, match=f"^Group {number}: typing error"):
            parse_recovery_sheet(replace_line(sheet, number, typo))


def test_swapped_symbols_are_caught(fixed: tuple[UserKeyPair, str]) -> None:
    _, sheet = fixed
    line = key_lines(sheet)[2]
    swapped = line[:4] + line[5] + line[4] + line[6:]
    assert swapped != line
    with pytest.raises(InvalidRecoverySheet, match="^Group 3"):
        parse_recovery_sheet(replace_line(sheet, 3, swapped))


def test_lines_in_the_wrong_group_are_caught(fixed: tuple[UserKeyPair, str]) -> None:
    _, sheet = fixed
    body_of_4 = key_lines(sheet)[3].split(maxsplit=1)[1]
    with pytest.raises(InvalidRecoverySheet, match="^Group 5: typing error"):
        parse_recovery_sheet(replace_line(sheet, 5, f"05  {body_of_4}"))


def test_structural_errors_name_the_group(fixed: tuple[UserKeyPair, str]) -> None:
    _, sheet = fixed
    line_7 = key_lines(sheet)[6]
    with pytest.raises(InvalidRecoverySheet, match="^Group 7 is missing"):
        parse_recovery_sheet(replace_line(sheet, 7, ""))
    with pytest.raises(InvalidRecoverySheet, match="^Group 7 appears twice"):
        parse_recovery_sheet(sheet + line_7 + "\n")
    with pytest.raises(InvalidRecoverySheet, match="^Group 7: expected 12"):
        parse_recovery_sheet(replace_line(sheet, 7, line_7[:-1]))
    with pytest.raises(InvalidRecoverySheet, match="^Group 7: expected 12"):
        parse_recovery_sheet(replace_line(sheet, 7, line_7[:-1] + "U"))
    with pytest.raises(InvalidRecoverySheet, match="^Group 17 does not exist"):
        parse_recovery_sheet(sheet + "17  00000 00000  00\n")
    with pytest.raises(InvalidRecoverySheet, match="^Group 1 is missing"):
        parse_recovery_sheet("")


def test_fingerprint_on_the_sheet_is_checked(fixed: tuple[UserKeyPair, str]) -> None:
    _, sheet = fixed
    other = generate_recovery_key().fingerprint()
    lines = [
        f"Public key fingerprint: {other}" if line.startswith("Public key fingerprint") else line
        for line in sheet.splitlines()
    ]
    with pytest.raises(InvalidRecoverySheet, match="fingerprint"):
        parse_recovery_sheet("\n".join(lines))


def test_newlines_in_names_cannot_forge_key_lines() -> None:
    keypair = generate_recovery_key()
    sheet = format_recovery_sheet(keypair, "Evil\n01  00000 00000  00", "2025\n02 x")
    assert len(key_lines(sheet)) == 16
    assert parse_recovery_sheet(sheet) == keypair


def test_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="Group"):
        parse_recovery_sheet("01 nonsense")
