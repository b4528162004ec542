"""One Locust process's share of a load plan, and the write state its users share.

Plain Python (no Locust, no Django), so it can be tested in any process: importing Locust
patches the standard library with gevent, which only its own processes may do.
"""

from __future__ import annotations

import bisect
import itertools
import random
from typing import Any


class Workload:
    """One process's share of the plan, and the write state its users share."""

    def __init__(self, plan: dict[str, Any], part: tuple[int, int] = (0, 1)) -> None:
        index, parts = part
        self.reads: list[dict[str, str]] = plan["reads"]
        self.weights: list[float] = plan["read_weights"]
        self.write_share: float = plan["write_share"] if plan["write_ops"] else 0.0
        self.write_ops: list[str] = plan["write_ops"]
        self.tokens: dict[str, str] = plan["tokens"]
        self.seed = int(plan["seed"]) * 1000 + index * 100
        self.open_jobs = [tuple(pair) for pair in plan["open_jobs"]]
        pairs = [(f, j) for j, c in self.open_jobs for f in plan["freelancers"] if f != c]
        self.pairs = pairs[index::parts]
        self.applied = {tuple(p) for p in plan["applied"]}
        self.saved = {tuple(p) for p in plan["saved"]}
        self.busy: set[tuple[int, int]] = set()
        self._apply = itertools.cycle(self.pairs) if self.pairs else iter(())
        self._save = itertools.cycle(self.pairs) if self.pairs else iter(())
        self._edits = itertools.count(index, parts)
        self._users = itertools.count()

    def rng(self) -> random.Random:
        return random.Random(self.seed + next(self._users))

    def headers(self, user_id: int) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[str(user_id)]}"}

    def read(self, rng: random.Random) -> dict[str, str]:
        rank = bisect.bisect_left(self.weights, rng.random() * self.weights[-1])
        return self.reads[min(rank, len(self.reads) - 1)]

    def next_application(self) -> tuple[int, int] | None:
        for _ in range(len(self.pairs)):
            pair = next(self._apply)
            if pair not in self.applied and pair not in self.busy:
                self.applied.add(pair)  # taken now: no other user sends it
                return pair
        return None

    def next_bookmark(self) -> tuple[int, int] | None:
        for _ in range(len(self.pairs)):
            pair = next(self._save)
            if pair not in self.busy:
                self.busy.add(pair)
                return pair
        return None

    def next_edit(self) -> tuple[int, int]:
        return self.open_jobs[next(self._edits) % len(self.open_jobs)]
