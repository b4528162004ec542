"""The plan's monitoring tools, wired to the marketplace and measured.

| tool | how it runs | module |
|---|---|---|
| Django Debug Toolbar, with a workbench panel (N+1 with the fix, duplicates, the slowest statement's plan findings) | ``workbench serve --dev`` | :mod:`~workbench.monitoring.dev_settings`, :mod:`~workbench.monitoring.panel` |
| django-silk (requests, SQL, cProfile on demand; UI at ``/silk/``) | ``workbench serve --profile`` | :mod:`~workbench.monitoring.profile_settings` |
| recorded requests as a workload ``workbench measure --workload`` replays | ``workbench import-silk`` | :mod:`~workbench.monitoring.silk_import`, :mod:`~workbench.monitoring.replay` |
| Prometheus ``/metrics``, OpenTelemetry traces | ``WORKBENCH_METRICS=1``, ``OTEL_EXPORTER_OTLP_ENDPOINT`` | ``marketplace.telemetry`` (the app's own) |
| ``/metrics`` and OpenTelemetry against the workbench's capture | ``workbench crosscheck`` | :mod:`~workbench.monitoring.crosscheck` |
| a report's figures to a Pushgateway | ``workbench report --push-gateway URL``, ``workbench push-metrics`` | :mod:`~workbench.monitoring.push` |

The toolbar's and silk's settings are modules here that start from
``marketplace.settings`` and add to it, so the marketplace never imports the workbench;
``workbench serve`` selects them through ``DJANGO_SETTINGS_MODULE`` for the server it
starts and never for a measurement. docs/monitoring.md has the details and the overhead
of each tool (``bench/monitoring_overhead.py``).
"""

DEV_SETTINGS = "workbench.monitoring.dev_settings"
PROFILE_SETTINGS = "workbench.monitoring.profile_settings"
