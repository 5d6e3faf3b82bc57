"""Check digits, so that a number is called an NHS or card number only when it can be one."""

from __future__ import annotations


def digits_of(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def nhs_number_valid(text: str) -> bool:
    """NHS numbers: 10 digits, the last a modulus-11 check over the first nine."""
    digits = digits_of(text)
    if len(digits) != 10:
        return False
    total = sum(int(d) * (10 - i) for i, d in enumerate(digits[:9]))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def luhn_valid(text: str) -> bool:
    """Payment card numbers: 12 to 19 digits passing the Luhn check."""
    digits = digits_of(text)
    if not 12 <= len(digits) <= 19:
        return False
    total = 0
    for i, d in enumerate(reversed(digits)):
        n = int(d)
        if i % 2 == 1:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return total % 10 == 0


def nhs_check_digit(first_nine: str) -> int | None:
    """The check digit for nine digits, or None when no valid NHS number starts with them."""
    total = sum(int(d) * (10 - i) for i, d in enumerate(first_nine))
    check = 11 - total % 11
    if check == 11:
        return 0
    return None if check == 10 else check
