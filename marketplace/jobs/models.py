from django.conf import settings
from django.db import models
from django.utils import timezone

from marketplace.api.bulk import InvalidatingManager


class Industry(models.Model):
    name = models.CharField(max_length=100, unique=True)

    objects = InvalidatingManager()  # bulk writes invalidate the cache (api/bulk.py)

    def __str__(self) -> str:
        return self.name


class Subcategory(models.Model):
    industry = models.ForeignKey(Industry, on_delete=models.CASCADE, related_name="subcategories")
    name = models.CharField(max_length=100)

    objects = InvalidatingManager()  # bulk writes invalidate the cache (api/bulk.py)

    def __str__(self) -> str:
        return self.name


class Job(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft"
        OPEN = "open"
        IN_PROGRESS = "in_progress"
        COMPLETED = "completed"
        CANCELLED = "cancelled"

    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jobs_as_client"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jobs_created"
    )
    industry = models.ForeignKey(Industry, on_delete=models.PROTECT, related_name="jobs")
    subcategory = models.ForeignKey(Subcategory, on_delete=models.PROTECT, related_name="jobs")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    date = models.DateField(default=timezone.localdate)
    budget = models.DecimalField(max_digits=12, decimal_places=2)
    created_at = models.DateTimeField(default=timezone.now)

    objects = InvalidatingManager()  # bulk writes invalidate the cache (api/bulk.py)

    class Meta:
        # The performance plan's indexes: migration 0002, marketplace/perf_indexes.py.
        indexes = [
            models.Index(fields=["status"], name="jobs_job_status_idx"),
            models.Index(fields=["date"], name="jobs_job_date_idx"),
            models.Index(fields=["client"], name="jobs_job_client_idx"),
            models.Index(fields=["created_by"], name="jobs_job_created_by_idx"),
            models.Index(fields=["status", "date"], name="jobs_job_status_date_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class Application(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending"
        SHORTLISTED = "shortlisted"
        ACCEPTED = "accepted"
        REJECTED = "rejected"
        WITHDRAWN = "withdrawn"

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="applications")
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="applications"
    )
    employer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="applications_received"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    cover_letter = models.TextField(blank=True)
    bid_amount = models.DecimalField(max_digits=12, decimal_places=2)
    created_at = models.DateTimeField(default=timezone.now)

    objects = InvalidatingManager()  # bulk writes invalidate the cache (api/bulk.py)

    class Meta:
        # The performance plan's indexes: migration 0002, marketplace/perf_indexes.py.
        indexes = [
            models.Index(fields=["job"], name="jobs_app_job_idx"),
            models.Index(fields=["applicant"], name="jobs_app_applicant_idx"),
            models.Index(fields=["status"], name="jobs_app_status_idx"),
            models.Index(fields=["job", "status"], name="jobs_app_job_status_idx"),
        ]


class SavedJob(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_jobs"
    )
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="saved_by")
    saved_at = models.DateTimeField(default=timezone.now)

    objects = InvalidatingManager()  # bulk writes invalidate the cache (api/bulk.py)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "job"], name="savedjob_unique_user_job")
        ]
        # The performance plan's indexes: migration 0002, marketplace/perf_indexes.py.
        indexes = [
            models.Index(fields=["user"], name="jobs_savedjob_user_idx"),
            models.Index(fields=["job"], name="jobs_savedjob_job_idx"),
            models.Index(fields=["user", "saved_at"], name="jobs_savedjob_user_saved_idx"),
        ]
