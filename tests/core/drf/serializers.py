"""Small DRF serializers over the marketplace's models, one per N+1 shape of a serializer field.

Each class has one field that reads a relation per row when the view's queryset does not
load it: a nested serializer on a foreign key, a dotted ``source``, a reverse foreign key
``many=True``, a many-to-many related field, ``SerializerMethodField``s with a count and
an average, a model property, a ``StringRelatedField``, a nested serializer's own nested
serializer. The method fields read the annotation the fix adds when it is there, as code
fixed that way does.
"""

from __future__ import annotations

from rest_framework import serializers

from marketplace.accounts.models import Profile, User
from marketplace.jobs.models import Application, Job
from marketplace.rating.models import Review


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username"]


class ProfileSerializer(serializers.ModelSerializer):
    class Meta:
        model = Profile
        fields = ["role", "headline"]


class UserProfileSerializer(serializers.ModelSerializer):
    profile = ProfileSerializer(read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "profile"]


class ApplicationSerializer(serializers.ModelSerializer):
    employer = UserSerializer(read_only=True)  # nested serializer on a foreign key

    class Meta:
        model = Application
        fields = ["id", "status", "employer"]


class ApplicationApplicantSerializer(serializers.ModelSerializer):
    applicant = UserProfileSerializer(read_only=True)  # nested, and nested again: profile

    class Meta:
        model = Application
        fields = ["id", "applicant"]


class ApplicationJobSerializer(serializers.ModelSerializer):
    job = serializers.StringRelatedField()  # str(application.job): the row is needed

    class Meta:
        model = Application
        fields = ["id", "job"]


class ApplicationEmployerNameSerializer(serializers.ModelSerializer):
    employer_name = serializers.CharField(read_only=True)  # a model property (tests add it)

    class Meta:
        model = Application
        fields = ["id", "employer_name"]


def employer_name(application: Application) -> str:
    return application.employer.username  # N+1: property


class JobSerializer(serializers.ModelSerializer):
    client_name = serializers.CharField(source="client.username", read_only=True)

    class Meta:
        model = Job
        fields = ["id", "title", "client_name"]


class ApplicationBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Application
        fields = ["id", "status"]


class JobApplicationsSerializer(serializers.ModelSerializer):
    applications = ApplicationBriefSerializer(many=True, read_only=True)  # reverse foreign key

    class Meta:
        model = Job
        fields = ["id", "applications"]


class UserGroupsSerializer(serializers.ModelSerializer):
    groups = serializers.PrimaryKeyRelatedField(many=True, read_only=True)  # many-to-many

    class Meta:
        model = User
        fields = ["id", "groups"]


class UserStatsSerializer(serializers.ModelSerializer):
    review_count = serializers.SerializerMethodField()
    rating = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "review_count", "rating"]

    def get_review_count(self, obj: User) -> int:
        annotated = getattr(obj, "count_reviews_received", None)
        if annotated is not None:
            return annotated
        return obj.reviews_received.count()  # N+1: count

    def get_rating(self, obj: User) -> float | None:
        if hasattr(obj, "avg_rating"):
            return round(float(obj.avg_rating), 2) if obj.avg_rating is not None else None
        return Review.get_average_rating(obj.pk)


class UserReviewCountSerializer(serializers.ModelSerializer):
    review_count = serializers.SerializerMethodField()
    get_review_count = UserStatsSerializer.get_review_count

    class Meta:
        model = User
        fields = ["id", "review_count"]


class ApplicationEmployerStatsSerializer(serializers.ModelSerializer):
    employer = UserReviewCountSerializer(read_only=True)  # a method field, one level down

    class Meta:
        model = Application
        fields = ["id", "employer"]
