from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Avg
from django.utils import timezone

from marketplace.api.bulk import InvalidatingManager


class Review(models.Model):
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews_given"
    )
    reviewed = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews_received"
    )
    job = models.ForeignKey("jobs.Job", on_delete=models.CASCADE, related_name="reviews")
    rating = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = InvalidatingManager()  # bulk writes invalidate the cache (api/bulk.py)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["reviewer", "reviewed", "job"], name="review_unique_reviewer_reviewed_job"
            ),
            models.CheckConstraint(
                condition=models.Q(rating__gte=1, rating__lte=5), name="review_rating_1_to_5"
            ),
        ]
        # The performance plan's indexes: migration 0002, marketplace/perf_indexes.py.
        indexes = [
            models.Index(fields=["reviewed"], name="rating_review_reviewed_idx"),
            models.Index(fields=["reviewer"], name="rating_review_reviewer_idx"),
            models.Index(fields=["job"], name="rating_review_job_idx"),
            models.Index(fields=["reviewer", "reviewed", "job"], name="rating_review_pair_job_idx"),
        ]

    @classmethod
    def get_average_rating(cls, user_id: int) -> float | None:
        """The reviewed user's mean rating, or None when nobody has reviewed them yet."""
        value = cls.objects.filter(reviewed_id=user_id).aggregate(avg=Avg("rating"))["avg"]
        return round(float(value), 2) if value is not None else None
