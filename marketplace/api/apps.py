from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "marketplace.api"
    label = "api"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Every ORM write, through the API or not, invalidates what it makes stale.
        from marketplace.api import invalidation, schema  # noqa: F401 - registers the extension

        invalidation.connect()
