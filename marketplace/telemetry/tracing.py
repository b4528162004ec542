"""OpenTelemetry traces of the marketplace: requests, SQL statements and Redis commands.

Django (a span per request, named by its route), psycopg2 (a span per statement, with
``db.system`` ``postgresql`` and the statement text, never its parameters) and redis-py
(a span per command) are instrumented with the contrib instrumentors. Spans go out
through a :class:`~opentelemetry.sdk.trace.export.BatchSpanProcessor` to the OTLP/HTTP
exporter, which reads its endpoint and headers from the standard variables itself
(``OTEL_EXPORTER_OTLP_ENDPOINT``, ``OTEL_EXPORTER_OTLP_HEADERS``; docs/monitoring.md has
New Relic's), or to the console for a quick look (``OTEL_TRACES_EXPORTER=console``).
The service is called ``marketplace`` unless ``OTEL_SERVICE_NAME`` says otherwise.

SQL commenting stays off: a ``traceparent`` comment makes every statement's text unique,
which would break the grouping of statements that N+1 detection, silk and
pg_stat_statements' stored text rely on.

    install(provider("console"))                 # what TelemetryConfig.ready does
    tracer_provider, spans = memory_provider()   # tests: spans.get_finished_spans()
    install(tracer_provider, set_global=False)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

SERVICE = "marketplace"
KINDS = ("otlp", "console")


def _resource():
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource

    resource = Resource.create()  # OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES included
    if str(resource.attributes.get(SERVICE_NAME, "")).startswith("unknown_service"):
        resource = resource.merge(Resource({SERVICE_NAME: SERVICE}))
    return resource


def provider(kind: str) -> TracerProvider:
    """A tracer provider exporting to ``otlp`` (batched) or the ``console`` (at once)."""
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    if kind not in KINDS:
        raise ValueError(f"unknown trace exporter {kind!r}: use one of {', '.join(KINDS)}")
    tracer_provider = TracerProvider(resource=_resource())
    if kind == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        tracer_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    else:
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        tracer_provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter()))
    return tracer_provider


def memory_provider() -> tuple[TracerProvider, InMemorySpanExporter]:
    """A provider whose spans are kept in memory as each ends (tests, cross-checks)."""
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    tracer_provider = TracerProvider(resource=_resource())
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    return tracer_provider, exporter


def _instrumentors():
    from opentelemetry.instrumentation.django import DjangoInstrumentor
    from opentelemetry.instrumentation.psycopg2 import Psycopg2Instrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor

    return DjangoInstrumentor(), Psycopg2Instrumentor(), RedisInstrumentor()


def install(tracer_provider: TracerProvider, *, set_global: bool = True) -> None:
    """Instrument Django, psycopg2 and redis-py to report to ``tracer_provider``.

    Call it before the first request is handled (Django's instrumentor adds a middleware)
    and before the database connection opens (psycopg2's wraps ``connect``). Once per
    process: the instrumentors are singletons and ignore a second call.
    """
    for instrumentor in _instrumentors():
        instrumentor.instrument(tracer_provider=tracer_provider)
    if set_global:
        from opentelemetry import trace

        trace.set_tracer_provider(tracer_provider)


def uninstall() -> None:
    """Undo :func:`install`'s instrumentation (connections already open stay traced)."""
    for instrumentor in _instrumentors():
        instrumentor.uninstrument()


def db_spans(spans) -> list:
    """The spans of SQL statements among ``spans`` (old and stable semantic conventions)."""
    return [s for s in spans if _attribute(s, "db.system", "db.system.name") == "postgresql"]


def redis_spans(spans) -> list:
    """The spans of Redis commands among ``spans``."""
    return [s for s in spans if _attribute(s, "db.system", "db.system.name") == "redis"]


def _attribute(span, *names: str):
    attributes = span.attributes or {}
    return next((attributes[n] for n in names if n in attributes), None)
