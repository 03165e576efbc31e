"""The plain-address fast path of the e-mail check agrees with email_validator."""

from __future__ import annotations

import pytest
from email_validator import EmailNotValidError, validate_email

from cbpt_sheets.core.checks.cells import email_ok as _email_ok
from cbpt_sheets.core.checks.cells import plain_email as _plain_email

TRICKY = [
    "prenom.nom@exemple.fr",
    "Prenom.Nom@Exemple.FR",
    "a@b.co",
    "a+tag@sub.domain.org",
    "a_b-c@x-y.fr",
    "a..b@exemple.fr",
    ".ab@exemple.fr",
    "ab.@exemple.fr",
    "ab@exemple",
    "ab@exemple.f",
    "ab@exemple.123",
    "ab@exemple.fr1",
    "ab@-exemple.fr",
    "ab@exemple-.fr",
    "ab@ex--emple.fr",
    "ab@xn--mnchen-3ya.de",
    "ab@xn--zz.de",
    "ab@exemple.local",
    "ab@exemple.test",
    "ab@localhost",
    "ab@exemple.invalid",
    "ab@exemple.onion",
    "ab@in-addr.arpa",
    "ab@exemple..fr",
    "ab@.exemple.fr",
    "ab@exemple.fr.",
    "a b@exemple.fr",
    " ab@exemple.fr",
    "ab@exemple.fr ",
    "ab@@exemple.fr",
    "ab",
    "@exemple.fr",
    "ab@",
    "éric@exemple.fr",
    "ab@exémple.fr",
    "ab@exemple.com",
    "a!b@exemple.fr",
    '"a b"@exemple.fr',
    "ab@[192.168.0.1]",
    "x" * 64 + "@exemple.fr",
    "x" * 65 + "@exemple.fr",
    "ab@" + "d" * 63 + ".fr",
    "ab@" + "d" * 64 + ".fr",
    "ab@" + ".".join(["d" * 60] * 4) + ".fr",
    "x" * 64 + "@" + ".".join(["d" * 60] * 3) + ".fr",
    "ab@exemple.fr\n",
    "ab@EXEMPLE.LOCAL",
    "ab@1.2.3.fr",
    "123@456.fr",
    "a-@exemple.fr",
    "-a@exemple.fr",
    "a@exemple.f-r",
    "a@exemple.museum",
    "a@exemple." + "x" * 63,
    "a@exemple." + "x" * 64,
]


def _reference(address: str) -> bool:
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


@pytest.mark.parametrize("address", TRICKY)
def test_fast_path_never_accepts_what_email_validator_refuses(address: str) -> None:
    assert _email_ok(address) == _reference(address)
    if _plain_email(address):
        assert _reference(address)


def test_fast_path_takes_the_common_addresses() -> None:
    assert _plain_email("prenom.nom@exemple.fr")
    assert not _plain_email("éric@exemple.fr")
