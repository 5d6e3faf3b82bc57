from __future__ import annotations

import pytest

from advice_chat.redaction.checksums import luhn_valid, nhs_check_digit, nhs_number_valid


@pytest.mark.parametrize("number", ["943 476 5919", "9434765919", "401-023-2137"])
def test_valid_nhs_numbers(number: str) -> None:
    assert nhs_number_valid(number)


@pytest.mark.parametrize("number", ["943 476 5918", "123456789", "94347659190", "0000000001"])
def test_invalid_nhs_numbers(number: str) -> None:
    assert not nhs_number_valid(number)


def test_check_digit_ten_means_no_valid_number() -> None:
    # 000000006: 6*2 = 12, 11 - 12 % 11 = 10, so no valid NHS number starts with these digits.
    assert nhs_check_digit("000000006") is None
    assert nhs_check_digit("943476591") == 9


@pytest.mark.parametrize("number", ["4111 1111 1111 1111", "5555555555554444", "378282246310005"])
def test_luhn_valid(number: str) -> None:
    assert luhn_valid(number)


@pytest.mark.parametrize("number", ["4111 1111 1111 1112", "1234", "07700900123"])
def test_luhn_invalid(number: str) -> None:
    assert not luhn_valid(number)
