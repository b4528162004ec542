"""Benchmark: the cache's miss path (``all`` on a miss) against the same without the cache.

Usage: ``python bench/miss_path.py --scale tiny|small|medium [--calls 200] [--time-box 20]
[--fresh] [--profile-calls 300] [--scenarios job_detail,wallet]``

All sides run with the plan's indexes applied and eager loading on; they differ only in
the cache (``marketplace.api.switches.variant(eager=True, cache=...)``):

* ``indexes_eager``: the cache off;
* ``all_miss``: the cache on, and before each timed call (untimed) the cached entries
  that call reads are unlinked, so it misses, runs the view and stores its answer. The
  generations stay, as they do in steady traffic (a cleared cache would also pay for
  creating them, which only the first request after a restart or a clear does);

They are interleaved call by call in rounds (each round calls every side once, the order
rotated) for ``--calls`` rounds, or until ``--time-box`` seconds per scenario (at least
21 rounds). Without ``--fresh`` it measures the database ``DATABASE_URL`` names (seeded;
the workbench must own it: the plan's indexes are applied and put back afterwards); with
it, a scratch database seeded at ``--scale`` and dropped afterwards.

Prints one JSON line per scenario::

    {"scenario", "scale", "samples": [n per side], "p50_ms": {side: ms}, "p95_ms": {...},
     "miss_ratio": p50(indexes_eager) / p50(all_miss), "miss_ratio_ci": [low, high],
     "verdict": "faster" | "slower" | "no change" (analysis.stats.judge), "gap_over_10pct",
     "redis_per_miss": {side: {"round_trips", "sends"}}, "redis_commands_per_miss":
     {side: {"MGET": 1, "SET": 1}}, "queries": {side: n}, "misses_checked"}

Measured on the 2-core machine (embedded Redis on a unix socket): a miss pays two Redis
interactions, its MGET and its SET, and nothing else (the same queries as without the
cache, no per-row lookups under eager loading, no INFO); each costs 0.15 to 0.3 ms in a
request, mostly waking the Redis process. Sending the SET behind ``CLIENT REPLY SKIP``
(one round trip instead of two) was tried and measured 0 to 3% ("no change") at
``small``, so it was not kept; the gap to ``indexes_eager`` stays over 10% on the
fastest endpoints (``wallet`` 0.82x at ``small``), under it on most others.

then a last line ``{"profile": scenario, ...}``: a cProfile of ``--profile-calls`` misses
of the worst scenario (lowest ratio) and as many calls without the cache, the functions
whose time per call grew most (the miss path's own cost), and the top of the miss
profile by cumulative time; the full miss profile goes to stderr.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import scratch  # noqa: E402  (bench/, this script's own folder)

SIDES = ("indexes_eager", "all_miss")
COUNTED = 20  # untimed misses per cached side whose Redis calls are counted


class RedisCalls:
    """Counts redis-py's round trips and commands, on every connection, while entered.

    Used on untimed calls only (the wrappers cost a few microseconds). A round trip is a
    packet sent whose reply is then waited for (a pipeline is one); a
    packet sent with nothing read after it (a write behind ``CLIENT REPLY SKIP``) counts
    in ``sends`` only. Commands are counted as they are packed, by name.
    """

    def __init__(self) -> None:
        self.round_trips = 0
        self.sends = 0
        self.commands: Counter[str] = Counter()
        self._waiting = False
        self._undo: list = []

    def __enter__(self) -> RedisCalls:
        from redis import connection

        def wrap(owner, name, count):
            original = getattr(owner, name)

            def counted(this, *args, **kwargs):
                count(args)
                return original(this, *args, **kwargs)

            setattr(owner, name, counted)
            self._undo.append((owner, name, original))

        def sent(args):
            self.sends += 1
            self._waiting = True

        def read(args):
            if self._waiting:
                self.round_trips += 1
                self._waiting = False

        def command(args):
            name = args[0] if args else b"?"
            name = name.decode() if isinstance(name, bytes) else str(name)
            self.commands[name.split()[0].upper()] += 1

        wrap(connection.AbstractConnection, "send_packed_command", sent)
        wrap(connection.AbstractConnection, "read_response", read)
        for packer in ("PythonRespSerializer", "HiredisRespSerializer"):
            if hasattr(connection, packer):
                wrap(getattr(connection, packer), "pack", command)
        return self

    def __exit__(self, *exc) -> None:
        for owner, name, original in reversed(self._undo):
            setattr(owner, name, original)
        self._undo.clear()

    def reset(self) -> None:
        self.round_trips = self.sends = 0
        self._waiting = False
        self.commands.clear()


def _entry_keys() -> list[bytes]:
    """This database's cached entries (not its generations): what a miss must not find."""
    from django_redis import get_redis_connection

    from marketplace.cache import store

    client = get_redis_connection("default")
    generations = store.key("gen:").encode()
    return [k for k in client.scan_iter(match=store.key("*")) if not k.startswith(generations)]


def _queries(call) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured)


@contextmanager
def _side(name: str):
    """The switches of one side: the cache off, or on."""
    from marketplace.api import switches

    with switches.variant(eager=True, cache=name != "indexes_eager"):
        yield


def measure(scenario, calls: int, time_box: float) -> dict:
    from django_redis import get_redis_connection

    import marketplace.cache
    from analysis.stats import judge, percentile
    from marketplace.cache import counters

    client = get_redis_connection("default")
    with _side("indexes_eager"):
        scenario()
        queries = {"indexes_eager": _queries(scenario)}
    marketplace.cache.clear()
    with _side("all_miss"):
        scenario()  # creates the generations and stores the entries
        keys = _entry_keys()
        client.unlink(*keys)
        queries["all_miss"] = _queries(scenario)
        keys = _entry_keys()
    if not keys:
        raise SystemExit(f"{scenario.name}: the cache stored nothing; is the switch honoured?")

    wall: dict[str, list[float]] = {side: [] for side in SIDES}
    trips: dict[str, Counter] = {side: Counter() for side in SIDES[1:]}
    commands: dict[str, Counter] = {side: Counter() for side in SIDES[1:]}
    missed = Counter()

    def call(side: str) -> None:
        with _side(side):
            cached = side != "indexes_eager"
            if cached:
                client.unlink(*keys)  # untimed: the entries this call reads
                before = counters.snapshot()["misses"]
            started = time.perf_counter()
            scenario()
            wall[side].append((time.perf_counter() - started) * 1000)
            if cached:
                missed[side] += counters.snapshot()["misses"] > before

    def counted(side: str) -> None:  # untimed: redis-py is wrapped to count
        with _side(side), RedisCalls() as redis_calls:
            client.unlink(*keys)
            redis_calls.reset()
            scenario()
            trips[side].update(round_trips=redis_calls.round_trips, sends=redis_calls.sends)
            commands[side].update(redis_calls.commands)

    deadline = time.monotonic() + time_box if time_box > 0 else float("inf")
    for i in range(calls):
        for k in range(len(SIDES)):  # every side once a round, the order rotated
            call(SIDES[(i + k) % len(SIDES)])
        if time.monotonic() > deadline and i >= 20:
            break
    for _ in range(COUNTED):
        for side in SIDES[1:]:
            counted(side)
    n = COUNTED
    judged = judge(wall["indexes_eager"], wall["all_miss"], 50)
    return {
        "scenario": scenario.name,
        "samples": [len(wall[side]) for side in SIDES],
        "p50_ms": {side: round(percentile(wall[side], 50), 3) for side in SIDES},
        "p95_ms": {side: round(percentile(wall[side], 95), 3) for side in SIDES},
        "miss_ratio": judged["speedup"],
        "miss_ratio_ci": judged["ci"],
        "verdict": judged["verdict"],
        "gap_over_10pct": judged["speedup"] < 1 / 1.10,
        "redis_per_miss": {
            side: {k: round(v / n, 2) for k, v in sorted(trips[side].items())} for side in SIDES[1:]
        },
        "redis_commands_per_miss": {
            side: {k: round(v / n, 2) for k, v in sorted(commands[side].items())}
            for side in SIDES[1:]
        },
        "queries": queries,
        "misses_checked": dict(missed),
    }


def _per_call(stats: pstats.Stats, calls: int) -> dict[str, tuple[float, float]]:
    """{function: (tottime, cumtime) in microseconds per call}."""
    found = {}
    for (filename, line, name), (_cc, _nc, tt, ct, _callers) in stats.stats.items():
        where = f"{Path(filename).name}:{line}({name})"
        found[where] = (tt * 1e6 / calls, ct * 1e6 / calls)
    return found


def profile(scenario, calls: int) -> dict:
    """cProfile ``calls`` misses and as many cache-off calls; what the miss adds."""
    from django_redis import get_redis_connection

    client = get_redis_connection("default")
    with _side("all_miss"):
        scenario()
        keys = _entry_keys()
    profiles = {"miss": cProfile.Profile(), "eager": cProfile.Profile()}
    for _ in range(calls):
        with _side("all_miss"):
            client.unlink(*keys)
            profiles["miss"].runcall(scenario)
        with _side("indexes_eager"):
            profiles["eager"].runcall(scenario)
    stats = {k: pstats.Stats(p) for k, p in profiles.items()}
    out = io.StringIO()
    stats["miss"].stream = out
    stats["miss"].sort_stats("cumulative").print_stats(40)
    print(f"--- cProfile of {calls} misses of {scenario.name}\n{out.getvalue()}", file=sys.stderr)
    miss, eager = _per_call(stats["miss"], calls), _per_call(stats["eager"], calls)
    grown = sorted(
        ((f, m[1] - eager.get(f, (0.0, 0.0))[1]) for f, m in miss.items()),
        key=lambda row: -row[1],
    )
    total_miss = stats["miss"].total_tt * 1e6 / calls
    total_eager = stats["eager"].total_tt * 1e6 / calls
    return {
        "profile": scenario.name,
        "calls": calls,
        "us_per_call": {"all_miss": round(total_miss, 1), "indexes_eager": round(total_eager, 1)},
        "grown_cumulative_us": [[f, round(d, 1)] for f, d in grown[:25]],
        "top_cumulative_us": [
            [f, round(ct, 1)] for f, (_tt, ct) in sorted(miss.items(), key=lambda r: -r[1][1])[:25]
        ],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="tiny", choices=("tiny", "small", "medium"))
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--calls", type=int, default=200, help="timed calls per side")
    parser.add_argument("--time-box", type=float, default=20.0, help="seconds per scenario")
    parser.add_argument("--profile-calls", type=int, default=300, help="0: no profile")
    parser.add_argument("--scenarios", default=None, help="comma-separated (default: all)")
    parser.add_argument("--fresh", action="store_true", help="seed a scratch database")
    args = parser.parse_args()

    url = scratch.create("miss_path") if args.fresh else None
    os.environ.setdefault("WORKBENCH_CACHE_PREFIX", "bench")
    try:
        from workbench.env import django_env

        django_env.setup()
        import marketplace.cache
        from workbench.env import ownership
        from workbench.study import scenarios, variants
        from workbench.study.subjects import pick_subjects

        if url is not None:
            from django.core.management import call_command

            from fixtures.seeding import seed

            call_command("migrate", verbosity=0, interactive=False)
            seed(args.scale, seed=args.seed, progress=False)
        ownership.ensure_owned("apply the plan's indexes for the miss-path benchmark")
        names = args.scenarios.split(",") if args.scenarios else None
        rows = []
        with variants.restoring():
            variants.set_indexes(True)
            marketplace.cache.reset()
            runnable = scenarios.build(names, subjects=pick_subjects())
            for scenario in runnable:
                row = {
                    "scale": args.scale,
                    **measure(scenario, args.calls, args.time_box),
                }
                rows.append(row)
                print(json.dumps(row), flush=True)
            if args.profile_calls > 0 and rows:
                worst = min(rows, key=lambda r: r["miss_ratio"])["scenario"]
                target = next(s for s in runnable if s.name == worst)
                print(json.dumps(profile(target, args.profile_calls)), flush=True)
    finally:
        if url is not None:
            scratch.drop(url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
