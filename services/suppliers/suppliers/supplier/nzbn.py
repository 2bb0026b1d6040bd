"""New Zealand Business Number: 13 digits, a GS1 Global Location Number with a check digit."""

from __future__ import annotations


def nzbn_check_digit(first_twelve: str) -> int:
    """GS1 check digit: weights 1,3,1,3,... over the first 12 digits."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first_twelve))
    return (10 - total % 10) % 10


def is_valid_nzbn(value: str) -> bool:
    """13 digits whose last is the GS1 check digit of the others."""
    return len(value) == 13 and value.isdigit() and nzbn_check_digit(value[:12]) == int(value[12])
