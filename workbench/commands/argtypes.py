"""Argument types shared by the subcommands, so every command words a bad number alike."""

from __future__ import annotations

import argparse


def names(text: str) -> list[str]:
    """``a, b,,c`` -> ``["a", "b", "c"]``: comma-separated names, blanks dropped."""
    return [part.strip() for part in text.split(",") if part.strip()]


def _whole(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None


def positive(text: str) -> int:
    value = _whole(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more: {value}")
    return value


def natural(text: str) -> int:
    value = _whole(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more: {value}")
    return value


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None


def share(text: str) -> float:
    value = _number(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be from 0 to below 1: {value}")
    return value


def seconds(text: str) -> float:
    """A time limit in seconds: 0 means no limit."""
    value = _number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 (no limit) or more: {value}")
    return value


def effect(text: str) -> float:
    """A minimum effect as a fraction (0.10 is 10%)."""
    value = _number(text)
    if not 0 <= value < 10:
        raise argparse.ArgumentTypeError(f"must be from 0 to below 10: {value}")
    return value
