from django.apps import AppConfig


class TelemetryConfig(AppConfig):
    """Installs the tracing and the metrics the configuration asks for, once per process.

    ``ready`` runs in each server process (gunicorn imports the application in every
    worker after it forks, unless ``--preload``), so each worker gets its own tracer
    provider and batch exporter thread, as OpenTelemetry's fork guidance asks.
    """

    name = "marketplace.telemetry"
    label = "telemetry"
    verbose_name = "Monitoring"

    def ready(self) -> None:
        from marketplace import conf
        from marketplace.telemetry import metrics, tracing

        config = conf.read()
        if config.metrics:
            metrics.install(config)
        if config.traces:
            tracing.install(tracing.provider(config.traces))
