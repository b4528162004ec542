"""Assertions for tests: a query budget and "no N+1 here", with the evidence in the message.

Failing with the list of queries and the line of code that issued each, rather than
"expected 3, got 41", is what makes a query-count regression fixable from CI output.
Both work in any test runner (they raise ``AssertionError``) and across all databases.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from analysis.capture import capture
from analysis.fingerprint import brief
from analysis.nplusone import detect_n_plus_one
from analysis.records import CaptureRun

_LISTED = 30


def _listing(run: CaptureRun) -> str:
    lines = [
        f"  {q.index + 1}. [{q.call_site.short}] {brief(q.sql)}" for q in run.queries[:_LISTED]
    ]
    if len(run) > _LISTED:
        lines.append(f"  ... and {len(run) - _LISTED} more")
    return "\n".join(lines)


@contextmanager
def assert_max_queries(
    n: int, *, using: str | Iterable[str] | None = None, label: str | None = None
) -> Iterator[CaptureRun]:
    """Fail when the block runs more than ``n`` queries."""
    with capture(label=label, using=using) as run:
        yield run
    if len(run) > n:
        raise AssertionError(f"expected at most {n} queries, {len(run)} were run:\n{_listing(run)}")


@contextmanager
def assert_num_queries(
    n: int, *, using: str | Iterable[str] | None = None, label: str | None = None
) -> Iterator[CaptureRun]:
    """Fail unless the block runs exactly ``n`` queries."""
    with capture(label=label, using=using) as run:
        yield run
    if len(run) != n:
        raise AssertionError(f"expected {n} queries, {len(run)} were run:\n{_listing(run)}")


@contextmanager
def assert_no_n_plus_one(
    threshold: int = 2,
    *,
    using: str | Iterable[str] | None = None,
    label: str | None = None,
) -> Iterator[CaptureRun]:
    """Fail when the block repeats one query shape ``threshold`` times from one line."""
    with capture(label=label, using=using) as run:
        yield run
    findings = detect_n_plus_one(run, threshold=threshold)
    if findings:
        details = "\n".join(f"  - {f.message}" for f in findings)
        raise AssertionError(f"{len(findings)} N+1 pattern(s) found:\n{details}")
