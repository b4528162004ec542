"""What the API answers: DRF serializers, one per shape a response takes.

Decimals are strings (``"120.00"``: JSON numbers would lose cents in some clients),
datetimes and dates ISO 8601, and fields come in a fixed order, so two runs over the same
data give byte-identical responses, which is how the optimised variants are checked.

Related objects are nested serializers reached through plain attributes, and per-row
figures are ``SerializerMethodField``s calling ``queries``: serialising a page the lazy
way issues the classic per-row queries (the baseline the workbench measures), and a
view's ``get_queryset`` removes them (``select_related`` / annotations) under the eager
switch without touching this module.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from rest_framework import serializers

from marketplace.accounts.models import Profile, Wallet
from marketplace.api import queries
from marketplace.jobs.models import Application, Industry, Job, SavedJob, Subcategory
from marketplace.payment.models import Payment
from marketplace.rating.models import Review


class UserRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = get_user_model()
        fields = ["id", "username"]


class ApplicantSerializer(UserRefSerializer):
    """Who applied, with the role from their profile (null without one)."""

    role = serializers.CharField(source="profile.role", read_only=True, allow_null=True)

    class Meta(UserRefSerializer.Meta):
        fields = ["id", "username", "role"]


class IndustrySerializer(serializers.ModelSerializer):
    class Meta:
        model = Industry
        fields = ["id", "name"]


class SubcategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Subcategory
        fields = ["id", "name"]


class JobRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Job
        fields = ["id", "title", "status"]


class JobSerializer(serializers.ModelSerializer):
    """A job as listed: with client, industry, subcategory and how many applied."""

    client = UserRefSerializer(read_only=True)
    industry = IndustrySerializer(read_only=True)
    subcategory = SubcategorySerializer(read_only=True)
    application_count = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = [
            "id",
            "title",
            "status",
            "budget",
            "date",
            "created_at",
            "client",
            "industry",
            "subcategory",
            "application_count",
        ]

    def get_application_count(self, job: Job) -> int:
        return queries.application_count(job)


class JobDetailSerializer(JobSerializer):
    created_by = UserRefSerializer(read_only=True)

    class Meta(JobSerializer.Meta):
        fields = [*JobSerializer.Meta.fields, "description", "created_by"]


class ApplicationForClientSerializer(serializers.ModelSerializer):
    """An application as the job's client sees it: who applied and in what role."""

    applicant = ApplicantSerializer(read_only=True)

    class Meta:
        model = Application
        fields = ["id", "job_id", "status", "bid_amount", "cover_letter", "created_at", "applicant"]


class ApplicationSerializer(serializers.ModelSerializer):
    """An application as its applicant sees it: which job and whose."""

    job = JobRefSerializer(read_only=True)
    employer = UserRefSerializer(read_only=True)

    class Meta:
        model = Application
        fields = ["id", "status", "bid_amount", "cover_letter", "created_at", "job", "employer"]


class ProfileSerializer(serializers.ModelSerializer):
    class Meta:
        model = Profile
        fields = ["role", "headline", "location", "hourly_rate"]


class ProfileDetailSerializer(ProfileSerializer):
    class Meta(ProfileSerializer.Meta):
        fields = [*ProfileSerializer.Meta.fields, "bio"]


class UserSerializer(serializers.ModelSerializer):
    """A public user: no email, with profile, average rating and review count."""

    profile = ProfileSerializer(read_only=True, allow_null=True)
    average_rating = serializers.SerializerMethodField()
    review_count = serializers.SerializerMethodField()

    class Meta:
        model = get_user_model()
        fields = ["id", "username", "date_joined", "profile", "average_rating", "review_count"]

    def get_average_rating(self, user) -> float | None:
        return queries.average_rating(user)

    def get_review_count(self, user) -> int:
        return queries.review_count(user)


class UserDetailSerializer(UserSerializer):
    profile = ProfileDetailSerializer(read_only=True, allow_null=True)


class ReviewSerializer(serializers.ModelSerializer):
    reviewer = UserRefSerializer(read_only=True)
    reviewed_id = serializers.IntegerField(read_only=True)
    job = JobRefSerializer(read_only=True)

    class Meta:
        model = Review
        fields = ["id", "rating", "comment", "created_at", "reviewer", "reviewed_id", "job"]


class SavedJobRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Job
        fields = ["id", "title", "status", "budget", "date"]


class SavedJobSerializer(serializers.ModelSerializer):
    job = SavedJobRefSerializer(read_only=True)

    class Meta:
        model = SavedJob
        fields = ["job", "saved_at"]


class PaymentSerializer(serializers.ModelSerializer):
    """``direction`` says whether the caller pays (outgoing) or is paid (incoming)."""

    direction = serializers.SerializerMethodField()
    payer = UserRefSerializer(read_only=True)
    recipient = UserRefSerializer(read_only=True)
    job = JobRefSerializer(read_only=True)

    class Meta:
        model = Payment
        fields = [
            "id",
            "direction",
            "amount",
            "currency",
            "status",
            "created_at",
            "payer",
            "recipient",
            "job",
        ]

    def get_direction(self, payment: Payment) -> str:
        viewer = self.context["request"].user
        return "outgoing" if payment.payer_id == viewer.pk else "incoming"


class WalletSerializer(serializers.ModelSerializer):
    class Meta:
        model = Wallet
        fields = ["balance", "currency", "updated_at"]


class TokenSerializer(serializers.Serializer):
    """The answer to POST /api/token/."""

    token = serializers.CharField()
    user = UserRefSerializer()
