"""The marketplace's URLs plus those of the tools the settings in use installed.

``/__debug__/`` for Django Debug Toolbar (``--dev``), ``/silk/`` for django-silk
(``--profile``), and static files served by Django itself, so silk's UI and the
browsable API have their styles under gunicorn too (``DEBUG`` is off there). Only the
settings modules of ``workbench.monitoring`` point here.
"""

from django.conf import settings
from django.contrib.staticfiles.views import serve
from django.urls import include, path, re_path

from marketplace.urls import urlpatterns as marketplace_urls

urlpatterns = list(marketplace_urls)
if "debug_toolbar" in settings.INSTALLED_APPS:
    from debug_toolbar.toolbar import debug_toolbar_urls

    urlpatterns += debug_toolbar_urls()
if "silk" in settings.INSTALLED_APPS:
    urlpatterns.append(path("silk/", include("silk.urls", namespace="silk")))
if not settings.DEBUG:  # runserver serves them itself when DEBUG is on
    prefix = settings.STATIC_URL.lstrip("/")
    urlpatterns.append(re_path(rf"^{prefix}(?P<path>.*)$", serve, {"insecure": True}))
