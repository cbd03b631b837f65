"""Checks for national identifiers, so a typing slip is caught where it is made."""

from __future__ import annotations

import re

UPN_CHECK_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"


class IdentifierError(ValueError):
    pass


def normalise_nhs_number(text: str) -> str:
    """Validate an NHS number (10 digits, modulus 11 check digit); returns the digits."""
    digits = re.sub(r"[\s-]", "", text or "")
    if not re.fullmatch(r"\d{10}", digits):
        raise IdentifierError("An NHS number has 10 digits, for example 943 476 5919.")
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    if check == 10 or check != int(digits[9]):
        raise IdentifierError("That NHS number is not valid: check the digits (its last digit does not match).")
    return digits


def normalise_upn(text: str) -> str:
    """Validate a unique pupil number: a check letter then 12 digits (DfE algorithm)."""
    upn = re.sub(r"\s", "", text or "").upper()
    if not re.fullmatch(r"[A-Z]\d{11}[0-9A-Z]", upn):
        raise IdentifierError("A unique pupil number is a letter followed by 12 characters, for example A801200001001.")
    total = 0
    for position, char in enumerate(upn[1:], start=2):
        value = int(char) if char.isdigit() else UPN_CHECK_LETTERS.index(char) if char in UPN_CHECK_LETTERS else -1
        if value < 0:
            raise IdentifierError("That unique pupil number has a character that is not allowed.")
        total += value * position
    if UPN_CHECK_LETTERS[total % 23] != upn[0]:
        raise IdentifierError("That unique pupil number is not valid: its check letter does not match.")
    return upn


def nhs_check_digit(first_nine: str) -> int | None:
    """The check digit for nine digits, or None when no valid number starts with them."""
    total = sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    return None if check == 10 else (0 if check == 11 else check)


def upn_check_letter(twelve: str) -> str:
    total = sum((int(c) if c.isdigit() else UPN_CHECK_LETTERS.index(c)) * p for p, c in enumerate(twelve, start=2))
    return UPN_CHECK_LETTERS[total % 23]
