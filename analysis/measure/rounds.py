"""Interleaved rounds: how many, how many calls each, and the order of the variants in each.

A measuring run does not time one variant after another: on a busy machine, drift (another
job starting, the disk cache filling, the CPU throttling) would land on whichever variant
ran last. It runs in *rounds*: each round enters every variant once and times every
scenario a few calls under it, and the figures pool all rounds. The variants' order
changes from round to round, so no variant is always first or always last.

Entering a variant may be expensive (a variant that builds or drops indexes runs DDL:
0.6 s a switch at ``small``, seconds at ``medium``), so the order can keep such
switches few: :func:`grouped` rotates the variants *within* groups that share a costly
state (e.g. the variants without the extra indexes and those with them) and alternates
which group goes first, so the last group of one round is the first of the next and a
round costs one switch instead of one per variant. :func:`rotation` (the default) just
rotates the whole list. Either way, the first round starts with the first variant given
(the baseline).

:func:`quotas` splits the timed calls of a scenario and variant over the rounds;
:func:`default_rounds` picks the number of rounds for a number of calls (a round wants a
few calls, so small runs use fewer rounds, down to one).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence

SAMPLES = 200
"""Timed calls per scenario and variant by default (before a time box cuts them)."""

ROUNDS = 10
"""Rounds by default, when there are enough calls for them."""

MIN_CALLS_PER_ROUND = 5
"""Fewer calls than this per round and the run uses fewer rounds (see default_rounds)."""

TIME_BOX = 2.0
"""Seconds of calls per scenario and variant by default; a slower cell gets fewer samples."""

Order = Callable[[int, Sequence[str]], list[str]]
"""``order(round_index, names)``: the variants in the order round ``round_index`` runs them."""


def default_rounds(calls: int) -> int:
    """``ROUNDS``, or fewer so each round gets ``MIN_CALLS_PER_ROUND`` calls (at least 1)."""
    return max(1, min(ROUNDS, calls // MIN_CALLS_PER_ROUND))


def quotas(calls: int, rounds: int) -> list[int]:
    """``calls`` split over ``rounds`` as evenly as possible, the earlier rounds taking the
    remainder: ``quotas(7, 3) == [3, 2, 2]``."""
    if rounds < 1 or calls < rounds:
        raise ValueError(f"{calls} calls cannot fill {rounds} rounds")
    share, extra = divmod(calls, rounds)
    return [share + (1 if i < extra else 0) for i in range(rounds)]


def _rotate(items: Sequence[str], by: int) -> list[str]:
    if not items:
        return []
    by %= len(items)
    return [*items[by:], *items[:by]]


def rotation(round_index: int, names: Sequence[str]) -> list[str]:
    """Round ``r`` starts with the ``r``-th variant: ``[b, c, a]`` in round 1 of ``[a, b, c]``."""
    return _rotate(names, round_index)


def grouped(group_of: Mapping[str, Hashable]) -> Order:
    """An order rotating within groups, the groups taking turns to go first.

    ``group_of`` maps each variant to its group (e.g. whether it has the extra indexes).
    The groups are ordered as their first variant is in ``names``; in round ``r`` they
    are rotated by ``r`` (two groups: alternated) and each group's variants by ``r`` too.
    With two groups the switches between groups number one per round.
    """

    def order(round_index: int, names: Sequence[str]) -> list[str]:
        groups: dict[Hashable, list[str]] = {}
        for name in names:
            groups.setdefault(group_of.get(name, name), []).append(name)
        members = _rotate(list(groups.values()), round_index)
        return [name for group in members for name in _rotate(group, round_index)]

    return order


def switches(
    order: Order, names: Sequence[str], rounds: int, group_of: Mapping[str, Hashable]
) -> int:
    """How many times consecutive variants (across round boundaries too) change group:
    the costly switches ``order`` makes over ``rounds`` rounds."""
    sequence = [name for r in range(rounds) for name in order(r, names)]
    return sum(
        group_of.get(a, a) != group_of.get(b, b)
        for a, b in zip(sequence, sequence[1:], strict=False)
    )
