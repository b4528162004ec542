"""/api/users/: public profiles with their rating, and the reviews they received."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics
from rest_framework.exceptions import NotFound

from marketplace.api import inputs, queries, switches
from marketplace.api.caching import CachedGet
from marketplace.api.serializers import ReviewSerializer, UserDetailSerializer, UserSerializer
from marketplace.api.views.base import ApiView
from marketplace.rating.models import Review

User = get_user_model()


@extend_schema_view(get=extend_schema(parameters=[inputs.UserFilters]))
class UserListView(CachedGet, ApiView, generics.ListAPIView):
    """Active users in id order, optionally by role, with profile and ratings."""

    serializer_class = UserSerializer
    cache_name = "users"

    def cache_depends(self, user_id: int | None) -> list[str]:
        return ["names", "reviews"]

    def get_queryset(self):
        users = User.objects.filter(is_active=True)
        found = self.filters(inputs.UserFilters)
        if "role" in found:
            users = users.filter(profile__role=found["role"])
        if switches.eager_loading():
            users = queries.with_ratings(users.select_related("profile"))
        return users.order_by("id")


class UserDetailView(CachedGet, ApiView, generics.RetrieveAPIView):
    serializer_class = UserDetailSerializer
    cache_name = "user"

    def cache_depends(self, user_id: int | None) -> list[str]:
        return ["names", f"reviews:{self.kwargs['user_id']}"]

    def get_queryset(self):
        users = User.objects.filter(is_active=True)
        if switches.eager_loading():
            users = queries.with_ratings(users.select_related("profile"))
        return users

    def get_object(self):
        user = self.get_queryset().filter(pk=self.kwargs["user_id"]).first()
        if user is None:
            raise NotFound("user not found")
        return user


class UserReviewsView(CachedGet, ApiView, generics.ListAPIView):
    """The reviews a user received, newest first."""

    serializer_class = ReviewSerializer
    cache_name = "user-reviews"

    def cache_depends(self, user_id: int | None) -> list[str]:
        return ["names", f"reviews:{self.kwargs['user_id']}", "jobrefs"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Review.objects.none()
        user = queries.user_by_id(self.kwargs["user_id"])
        if user is None:
            raise NotFound("user not found")
        reviews = Review.objects.filter(reviewed=user)
        if switches.eager_loading():
            reviews = reviews.select_related("reviewer", "job")
        return reviews.order_by(*queries.NEWEST_FIRST)
