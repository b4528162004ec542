from django.urls import include, path

urlpatterns = [
    path("api/", include("marketplace.api.urls")),
    # Log in and out of the browsable API with a session (DRF's login page).
    path("api-auth/", include("rest_framework.urls")),
]
