from django.apps import AppConfig


class PaymentConfig(AppConfig):
    name = "marketplace.payment"
    label = "payment"
    default_auto_field = "django.db.models.BigAutoField"
