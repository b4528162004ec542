from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone

from marketplace.api.bulk import InvalidatingManager, InvalidatingQuerySet


class UserManager(BaseUserManager.from_queryset(InvalidatingQuerySet)):
    def create_user(self, email: str, username: str, password: str | None = None, **extra):
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email), username=username, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, username: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, username, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(unique=True)
    username = models.CharField(max_length=150, unique=True)
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["username"]

    class Meta:
        # The performance plan's indexes: migration 0002, marketplace/perf_indexes.py.
        indexes = [
            models.Index(fields=["email"], name="accounts_user_email_idx"),
            models.Index(fields=["username"], name="accounts_user_username_idx"),
        ]

    def __str__(self) -> str:
        return self.username


class Profile(models.Model):
    class Role(models.TextChoices):
        CLIENT = "client"
        FREELANCER = "freelancer"
        ADMIN = "admin"

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="profile")
    role = models.CharField(max_length=20, choices=Role.choices)
    headline = models.CharField(max_length=200, blank=True)
    bio = models.TextField(blank=True)
    location = models.CharField(max_length=100, blank=True)
    hourly_rate = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = InvalidatingManager()  # bulk writes invalidate the cache (api/bulk.py)

    class Meta:
        # The performance plan's indexes: migration 0002, marketplace/perf_indexes.py.
        indexes = [
            models.Index(fields=["user"], name="accounts_profile_user_idx"),
            models.Index(fields=["role"], name="accounts_profile_role_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.role}"


class Wallet(models.Model):
    """The one wallet model: the plan lists it under both accounts and payment (see docs/api.md)."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="wallet")
    balance = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    currency = models.CharField(max_length=3, default="USD")
    updated_at = models.DateTimeField(default=timezone.now)

    objects = InvalidatingManager()  # bulk writes invalidate the cache (api/bulk.py)
