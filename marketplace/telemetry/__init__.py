"""Production monitoring for the marketplace: Prometheus metrics and OpenTelemetry traces.

Both are off unless the environment turns them on (``marketplace.conf``):

* ``WORKBENCH_METRICS=1``: ``/metrics`` (django-prometheus) with request latency per view,
  database statements, errors and durations (its database backend wrapper), the
  marketplace's own cache hits and misses per kind (:mod:`marketplace.telemetry.metrics`)
  and the variant the server runs as a labelled gauge.
* ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or ``OTEL_TRACES_EXPORTER=console``): traces of every
  request, SQL statement and Redis command (:mod:`marketplace.telemetry.tracing`).

The settings add this app (and django-prometheus) only when one of them is on, so a
measurement with both off runs exactly the application it always did. Everything is
wired in :class:`~marketplace.telemetry.apps.TelemetryConfig.ready`, never at import.
docs/monitoring.md has the setup, the dashboards and the measured overhead.
"""
