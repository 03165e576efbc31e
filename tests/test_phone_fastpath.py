"""The French-number fast path of the phone check agrees with phonenumbers.is_valid_number."""

from __future__ import annotations

import random

import phonenumbers

from cbpt_sheets.core import values


def test_french_validity_matches_phonenumbers_on_every_five_digit_prefix() -> None:
    valid = values._french_validity()
    assert valid is not None
    rng = random.Random(7)
    for prefix in range(10_000, 100_000):
        nsn = f"{prefix}{rng.randrange(10_000):04d}"
        number = phonenumbers.PhoneNumber(country_code=33, national_number=int(nsn))
        assert valid(nsn) == phonenumbers.is_valid_number(number), nsn


def test_parse_phone_still_refuses_and_accepts() -> None:
    assert values.phone("01 45 30 10 10") == "01 45 30 10 10"
    assert values.phone("06.12.34.56.78") == "06 12 34 56 78"
    assert values.parse_phone("09 99 99 99 99") is not None
    assert values.parse_phone("08 00 00 00 00") is not None  # toll free
    assert values.parse_phone("08 70 00 00 00") is None  # no such type in FR


def test_phone_fast_path_writes_what_format_phone_writes() -> None:
    rng = random.Random(11)
    separators = ["", " ", ".", "-"]
    for _ in range(20_000):
        digits = f"0{rng.randrange(1, 10)}{rng.randrange(10**8):08d}"
        sep = rng.choice(separators)
        typed = digits[:2] + sep + sep.join(digits[i : i + 2] for i in range(2, 10, 2))
        typed = rng.choice(["", " "]) + typed + rng.choice(["", "  "])
        number = values.parse_phone(typed)
        slow = values.format_phone(number) if number is not None else None
        assert values.phone(typed) == slow, typed


def test_phone_digits_other_than_ascii_are_written_in_ascii() -> None:
    """Fullwidth digits (typed through an input method) are read, and written back in ASCII."""
    typed = "01 \uff12\uff13 \uff14\uff15 \uff16\uff17 \uff18\uff19"
    number = values.parse_phone(typed)
    assert number is not None
    assert values.phone(typed) == values.format_phone(number) == "01 23 45 67 89"
