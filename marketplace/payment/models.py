from django.conf import settings
from django.db import models
from django.utils import timezone

from marketplace.api.bulk import InvalidatingManager


class Payment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending"
        HELD = "held"
        RELEASED = "released"
        REFUNDED = "refunded"
        FAILED = "failed"

    payer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="payments_made"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="payments_received"
    )
    job = models.ForeignKey("jobs.Job", on_delete=models.CASCADE, related_name="payments")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default="USD")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)

    objects = InvalidatingManager()  # bulk writes invalidate the cache (api/bulk.py)

    class Meta:
        # The performance plan's indexes: migration 0002, marketplace/perf_indexes.py.
        indexes = [
            models.Index(fields=["status"], name="payment_payment_status_idx"),
            models.Index(fields=["payer"], name="payment_payment_payer_idx"),
            models.Index(fields=["recipient"], name="payment_payment_recipient_idx"),
            models.Index(fields=["job"], name="payment_payment_job_idx"),
        ]
