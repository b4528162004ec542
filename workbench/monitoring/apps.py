from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    """Installed by the toolbar's settings only, for the workbench panel's template."""

    name = "workbench.monitoring"
    label = "workbench_monitoring"
    verbose_name = "Workbench monitoring"
