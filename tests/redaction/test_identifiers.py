"""Each structured identifier type is replaced, with the right placeholder type."""

from __future__ import annotations

import pytest

from advice_chat.redaction import Redactor


@pytest.mark.parametrize(
    ("text", "secret", "placeholder"),
    [
        ("ring her on 07700 900123 after 6", "07700 900123", "[PHONE-1]"),
        ("his mobile is +44 7700 900456", "+44 7700 900456", "[PHONE-1]"),
        ("office 0113 496 0123 ext 2", "0113 496 0123", "[PHONE-1]"),
        ("us number +1 202 555 0143", "+1 202 555 0143", "[PHONE-1]"),
        ("email jade.w@example.com please", "jade.w@example.com", "[EMAIL-1]"),
        ("lives near LS6 2AB now", "LS6 2AB", "[POSTCODE-1]"),
        ("postcode bd57xy", "bd57xy", "[POSTCODE-1]"),
        ("at 22 Acacia Avenue with him", "22 Acacia Avenue", "[ADDRESS-1]"),
        ("moved to flat 3, 14 mill lane last week", "flat 3, 14 mill lane", "[ADDRESS-1]"),
        ("dob 12/03/1988 and on licence", "12/03/1988", "[DATE-1]"),
        ("the assault on 3rd March was the worst", "3rd March", "[DATE-1]"),
        ("nhs number 943 476 5919", "943 476 5919", "[NHS-1]"),
        ("NI AB 12 34 56 C for DWP", "AB 12 34 56 C", "[NI-1]"),
        ("crime ref 13/45678/21 for the ABH", "13/45678/21", "[REF-1]"),
        ("PNC 12/345678A shows previous", "12/345678A", "[REF-1]"),
        ("case number LS21P00123 at court", "LS21P00123", "[REF-1]"),
        ("CRN X123456 on delius", "X123456", "[REF-1]"),
        ("incident log 4567 of 12/03 says", "4567 of 12/03", "[REF-1]"),
        ("he drives AB12 CDE a silver corsa", "AB12 CDE", "[PLATE-1]"),
        ("used her card 4111 1111 1111 1111 online", "4111 1111 1111 1111", "[CARD-1]"),
        ("sort code 20-00-00 is hers", "20-00-00", "[BANK-1]"),
        ("account no 12345678 is in her name", "12345678", "[BANK-1]"),
        ("logged in from 192.0.2.44 twice", "192.0.2.44", "[IP-1]"),
        ("page at facebook.com/jade.w.77 about her", "facebook.com/jade.w.77", "[URL-1]"),
        ("he is @tyler_22 on insta", "@tyler_22", "[HANDLE-1]"),
        ("the kids go to Oakfield Primary School", "Oakfield Primary School", "[SCHOOL-1]"),
        ("her son is at st mary's rc primary", "st mary's rc primary", "[SCHOOL-1]"),
    ],
)
def test_identifier_replaced(redactor: Redactor, text: str, secret: str, placeholder: str) -> None:
    out = redactor.redact_one(text)
    assert secret not in out
    assert placeholder in out
    assert out == text.replace(secret, placeholder)


def test_nhs_number_with_bad_check_digit_is_not_called_nhs(redactor: Redactor) -> None:
    # 943 476 5918: the mod-11 check digit should be 9.
    out = redactor.redact_one("a number 943 476 5918 here")
    assert "[NHS-" not in out


def test_card_failing_luhn_is_not_called_a_card(redactor: Redactor) -> None:
    out = redactor.redact_one("ref 4111 1111 1111 1112 here")
    assert "[CARD-" not in out


def test_public_advice_sites_are_kept(redactor: Redactor) -> None:
    text = "see www.gov.uk/guidance/domestic-abuse and safelives.org.uk"
    assert redactor.redact_one(text) == text
