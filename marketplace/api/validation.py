"""Checks for request input (JSON bodies and query strings), each raising a 400 naming the field.

Each check also guards what PostgreSQL would reject with an exception (a NUL character in
text, an id beyond bigint, too many digits for the column), because a database error on
bad input would be a 500 instead of a helpful 400.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from marketplace.api.errors import invalid

MAX_ID = 2**63 - 1  # PostgreSQL bigint
CENT = Decimal("0.01")


def reject_unknown(data: Mapping[str, Any], allowed: Iterable[str]) -> None:
    """A typo in a field name must not be silently ignored."""
    allowed = set(allowed)
    for name in data:
        if name not in allowed:
            raise invalid(name, f"unknown field {name!r}; allowed: {', '.join(sorted(allowed))}")


def require(data: Mapping[str, Any], name: str) -> Any:
    if data.get(name) is None:
        raise invalid(name, f"{name} is required")
    return data[name]


def text(value: Any, name: str, *, max_length: int | None = None, blank: bool = True) -> str:
    if not isinstance(value, str):
        raise invalid(name, f"{name} must be a string")
    if "\x00" in value:
        raise invalid(name, f"{name} must not contain NUL characters")
    value = value.strip()
    if not blank and not value:
        raise invalid(name, f"{name} must not be blank")
    if max_length is not None and len(value) > max_length:
        raise invalid(name, f"{name} must be at most {max_length} characters")
    return value


def object_id(value: Any, name: str) -> int:
    """A primary key given as a JSON integer or a string of digits (query strings)."""
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = value.strip()
        value = int(value) if len(value) <= 19 else MAX_ID + 1
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
        raise invalid(name, f"{name} must be a positive integer id")
    return value


def integer(value: Any, name: str, *, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise invalid(name, f"{name} must be an integer from {low} to {high}")
    return value


def money(value: Any, name: str, *, max_digits: int = 12) -> Decimal:
    """A positive amount with at most two decimals, as a JSON number or a string.

    Quantised to cents so the answer echoes ``"100.00"`` exactly as a later read would.
    """
    if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
        raise invalid(name, f"{name} must be a number")
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise invalid(name, f"{name} must be a number") from None
    if not amount.is_finite():
        raise invalid(name, f"{name} must be a finite number")
    if amount <= 0:
        raise invalid(name, f"{name} must be greater than 0")
    # Checked before quantize, which raises on numbers wider than the decimal context.
    if amount.adjusted() >= max_digits - 2:
        raise invalid(name, f"{name} must be less than {10 ** (max_digits - 2)}")
    if amount != amount.quantize(CENT):
        raise invalid(name, f"{name} must have at most 2 decimal places")
    return amount.quantize(CENT)


def choice(value: Any, name: str, choices: Iterable[str]) -> str:
    choices = list(choices)
    if value not in choices:
        raise invalid(name, f"{name} must be one of: {', '.join(choices)}")
    return value


def iso_date(value: Any, name: str) -> datetime.date:
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise invalid(name, f"{name} must be a date as YYYY-MM-DD")


def currency(value: Any, name: str) -> str:
    if not (isinstance(value, str) and len(value) == 3 and value.isascii() and value.isalpha()):
        raise invalid(name, f"{name} must be a three-letter currency code such as USD")
    return value.upper()


def optional(params: Mapping[str, Any], name: str, check, *args: Any) -> Any:
    """Apply ``check`` to a parameter when it is present and not empty (``?status=`` = all)."""
    value = params.get(name)
    if value is None or value == "":
        return None
    return check(value, name, *args)
