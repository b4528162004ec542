"""Three sources, one count: ``/metrics`` and OpenTelemetry against the workbench's capture.

For every scenario under each switch variant, the scenario's request runs ``calls``
times (the first from a cold cache), each time:

* inside ``analysis.capture`` (Django's ``execute_wrapper``): the workbench's count;
* between two scrapes of ``/metrics`` (django-prometheus's database backend wrapper,
  ``django_db_execute_total``, and the cache lookups ``marketplace_cache_lookups_total``);
* with OpenTelemetry's psycopg2 and redis instrumentation reporting to an in-memory
  exporter: the database spans, and the Redis commands.

The statement counts must agree, and the cache hits and misses on ``/metrics`` must
equal the store's own counters the measurement reads (``workbench.study.mixed``'s
``cache_probe``). One thing the servers count that this check keeps out: Django's
``set_config('TimeZone', ...)`` when a connection opens (on a raw cursor: the driver
and django-prometheus see it, Django's wrappers do not), so the connection is opened
before the first request, as a persistent connection (``CONN_MAX_AGE``) would be.

It needs the metrics wired, so ``workbench crosscheck`` sets ``WORKBENCH_METRICS=1``
before Django starts; it changes no index (query counts do not depend on them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any

from workbench.errors import WorkbenchError

VARIANTS = ("baseline", "eager", "cache", "all")  # the switch variants: no index change


@dataclass(frozen=True)
class Row:
    scenario: str
    variant: str
    call: int
    captured: int
    metrics: int
    otel: int
    redis_commands: int
    cache_hits: int
    cache_misses: int
    metrics_hits: int
    metrics_misses: int

    @property
    def agree(self) -> bool:
        return (
            self.captured == self.metrics == self.otel
            and self.cache_hits == self.metrics_hits
            and self.cache_misses == self.metrics_misses
        )

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "agree": self.agree}


def scrape(client) -> dict[str, float]:
    """``/metrics`` through the test client, as ``{sample name + labels: value}``."""
    from prometheus_client.parser import text_string_to_metric_families

    response = client.get("/metrics")
    if response.status_code != 200:
        raise WorkbenchError(f"/metrics answered {response.status_code}")
    samples: dict[str, float] = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
            samples[f"{sample.name}{{{labels}}}"] = sample.value
    return samples


def _total(samples: dict[str, float], name: str, needle: str = "") -> int:
    return int(sum(v for k, v in samples.items() if k.startswith(name + "{") and needle in k))


def statements(samples: dict[str, float]) -> int:
    return _total(samples, "django_db_execute_total")


def lookups(samples: dict[str, float], result: str) -> int:
    return _total(samples, "marketplace_cache_lookups_total", f"result={result}")


def _check_wired() -> None:
    from django.conf import settings

    if "django_prometheus" not in settings.INSTALLED_APPS:
        raise WorkbenchError(
            "the metrics are not wired: WORKBENCH_METRICS=1 must be set before Django starts"
        )


def run(
    names: Iterable[str] | None = None,
    variants: Iterable[str] = VARIANTS,
    calls: int = 2,
    progress: Callable[[str], None] | None = None,
) -> list[Row]:
    """Every named scenario (all by default) under each variant, ``calls`` times each."""
    _check_wired()
    from django.db import connection, connections
    from django.test import Client

    import marketplace.cache
    from analysis.capture import capture
    from marketplace.api import switches
    from marketplace.cache import counters
    from marketplace.telemetry import tracing
    from workbench.study.scenarios import build
    from workbench.study.subjects import pick_subjects

    variants = list(variants)
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown:
        raise WorkbenchError(f"unknown variant {unknown[0]!r}: use {', '.join(VARIANTS)}")
    connections.close_all()  # reopened below, traced
    provider, exporter = tracing.memory_provider()
    tracing.install(provider, set_global=False)
    try:
        connection.ensure_connection()
        runnable = build(names, subjects=pick_subjects())
        client = Client()
        rows = []
        for variant in variants:
            with switches.named(variant):
                marketplace.cache.clear()
                for scenario in runnable:
                    for call in range(calls):
                        before, cache_before = scrape(client), counters.snapshot()
                        exporter.clear()
                        with capture(label=scenario.name) as captured:
                            scenario()
                        spans = exporter.get_finished_spans()
                        after, cache_after = scrape(client), counters.snapshot()
                        rows.append(
                            Row(
                                scenario.name,
                                variant,
                                call,
                                captured=len(captured.queries),
                                metrics=statements(after) - statements(before),
                                otel=len(tracing.db_spans(spans)),
                                redis_commands=len(tracing.redis_spans(spans)),
                                cache_hits=cache_after["hits"] - cache_before["hits"],
                                cache_misses=cache_after["misses"] - cache_before["misses"],
                                metrics_hits=lookups(after, "hit") - lookups(before, "hit"),
                                metrics_misses=lookups(after, "miss") - lookups(before, "miss"),
                            )
                        )
                marketplace.cache.clear()
            if progress is not None:
                done = [r for r in rows if r.variant == variant]
                progress(f"{variant:<9} {len(done)} requests, {sum(r.agree for r in done)} agree")
    finally:
        tracing.uninstall()
    return rows


def render(rows: list[Row]) -> str:
    header = ["scenario", "variant", "call", "captured", "/metrics", "otel", "redis"]
    header += ["hits", "/metrics", "misses", "/metrics", ""]
    lines = [header]
    for r in rows:
        lines.append(
            [r.scenario, r.variant, str(r.call), str(r.captured), str(r.metrics), str(r.otel)]
            + [str(r.redis_commands), str(r.cache_hits), str(r.metrics_hits)]
            + [str(r.cache_misses), str(r.metrics_misses), "" if r.agree else "DIFFERENT"]
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    return "\n".join(
        "  ".join(
            c.ljust(w) if i < 2 else c.rjust(w)
            for i, (c, w) in enumerate(zip(line, widths, strict=True))
        ).rstrip()
        for line in lines
    )
