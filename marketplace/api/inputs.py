"""What the API accepts: DRF serializers for request bodies and query strings.

Each refuses fields it does not know (a typo must not be silently ignored; DRF would drop
them) and answers DRF's 400 ``{"<field>": ["<message>"]}``. DRF's fields already guard
what PostgreSQL would reject with an exception (NUL characters in text, ids beyond
bigint, too many digits), which would otherwise be a 500 instead of a helpful 400.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from rest_framework import serializers

from marketplace.accounts.models import Profile
from marketplace.jobs.models import Application, Industry, Job, Subcategory
from marketplace.payment.models import Payment

MAX_ID = 2**63 - 1  # PostgreSQL bigint
CENT = Decimal("0.01")
Status = Job.Status
PUBLIC_STATUSES = [s for s in Status.values if s != Status.DRAFT]
# Where a job may go from each status; staying put is always allowed (PATCH is idempotent).
TRANSITIONS: dict[str, set[str]] = {
    Status.DRAFT: {Status.OPEN, Status.CANCELLED},
    Status.OPEN: {Status.IN_PROGRESS, Status.CANCELLED},
    Status.IN_PROGRESS: {Status.COMPLETED, Status.CANCELLED},
    Status.COMPLETED: set(),
    Status.CANCELLED: set(),
}


class Text(serializers.CharField):
    """Text that must arrive as a JSON string (DRF's CharField would turn ``7`` into "7")."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


def money(**kwargs) -> serializers.DecimalField:
    """A positive amount with at most two decimals, as a JSON number or a string."""
    return serializers.DecimalField(max_digits=12, decimal_places=2, min_value=CENT, **kwargs)


def object_id(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


class Strict(serializers.Serializer):
    """Refuse unknown fields, naming each one and the fields that are allowed."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            allowed = sorted(name for name, f in self.fields.items() if not f.read_only)
            unknown = [name for name in data if name not in allowed]
            if unknown:
                raise serializers.ValidationError(
                    {name: [f"unknown field; allowed: {', '.join(allowed)}"] for name in unknown}
                )
        return super().to_internal_value(data)


class JobFilters(serializers.Serializer):
    status = serializers.ChoiceField(PUBLIC_STATUSES, required=False, allow_blank=True)
    industry = object_id(required=False)


class StatusFilter(serializers.Serializer):
    status = serializers.ChoiceField(Application.Status.values, required=False, allow_blank=True)


class PaymentFilter(serializers.Serializer):
    status = serializers.ChoiceField(Payment.Status.values, required=False, allow_blank=True)


class UserFilters(serializers.Serializer):
    role = serializers.ChoiceField(Profile.Role.values, required=False, allow_blank=True)


class JobInput(Strict, serializers.ModelSerializer):
    """POST /api/jobs/ and PATCH /api/jobs/<id>/ (partial)."""

    title = Text(max_length=200)
    description = Text(required=False, allow_blank=True)
    budget = money()
    industry = serializers.PrimaryKeyRelatedField(queryset=Industry.objects.all())
    subcategory = serializers.PrimaryKeyRelatedField(queryset=Subcategory.objects.all())
    status = serializers.ChoiceField(Status.values, required=False)

    class Meta:
        model = Job
        fields = ["title", "description", "budget", "date", "industry", "subcategory", "status"]

    def validate_status(self, value: str) -> str:
        job = self.instance
        if job is None:
            if value not in (Status.DRAFT, Status.OPEN):
                raise serializers.ValidationError("a new job is draft or open")
        elif value != job.status and value not in TRANSITIONS[job.status]:
            allowed = ", ".join(sorted(TRANSITIONS[job.status])) or "none"
            raise serializers.ValidationError(
                f"a {job.status} job cannot become {value} (allowed: {allowed})"
            )
        return value

    def validate(self, attrs: dict) -> dict:
        industry = attrs.get("industry") or self.instance.industry
        subcategory = attrs.get("subcategory") or self.instance.subcategory
        if subcategory.industry_id != industry.pk:
            raise serializers.ValidationError(
                {
                    "subcategory": [
                        f"subcategory {subcategory.pk} does not belong to industry {industry.pk}"
                    ]
                }
            )
        return attrs


class ApplicationInput(Strict):
    bid_amount = money()
    cover_letter = Text(required=False, allow_blank=True, default="")


class ReviewInput(Strict):
    reviewed = object_id()
    job = object_id()
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = Text(required=False, allow_blank=True, default="")


class SavedJobInput(Strict):
    job = object_id()


class PaymentInput(Strict):
    job = object_id()
    recipient = object_id()
    amount = money()
    currency = serializers.RegexField(
        r"^[A-Za-z]{3}\Z",
        required=False,
        default="USD",
        error_messages={"invalid": "a three-letter currency code such as USD"},
    )

    def validate_currency(self, value: str) -> str:
        return value.upper()


class TokenInput(Strict):
    email = Text(max_length=254)
    password = Text(trim_whitespace=False)
