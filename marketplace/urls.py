from django.conf import settings
from django.urls import include, path

urlpatterns = [
    path("api/", include("marketplace.api.urls")),
    # Log in and out of the browsable API with a session (DRF's login page).
    path("api-auth/", include("rest_framework.urls")),
]

# Prometheus's scrape endpoint, only when WORKBENCH_METRICS=1 (docs/monitoring.md).
if "django_prometheus" in settings.INSTALLED_APPS:
    urlpatterns.append(path("", include("django_prometheus.urls")))
