"""/api/users/: public profiles with their rating, and the reviews they received."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from marketplace.accounts.models import Profile
from marketplace.api import queries, serializers
from marketplace.api import validation as v
from marketplace.api.caching import cached_response
from marketplace.api.errors import not_found
from marketplace.api.http import api_view, ok
from marketplace.api.pagination import page_from, paginate


def _user(user_id: int, load=queries.user_by_id):
    user = load(user_id)
    if user is None:
        raise not_found("user")
    return user


@cached_response("users", per_user=False, depends=lambda user_id, kw: ["names", "reviews"])
def list_users(request: HttpRequest) -> HttpResponse:
    filters = queries.UserFilters(
        role=v.optional(request.GET, "role", v.choice, Profile.Role.values)
    )
    page = page_from(request.GET)
    return ok(paginate(queries.user_list_queryset(filters), page, serializers.user_item))


@cached_response(
    "user", per_user=False, depends=lambda user_id, kw: ["names", f"reviews:{kw['user_id']}"]
)
def user_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    return ok(serializers.user_detail(_user(user_id, queries.user_for_detail)))


@cached_response(
    "user-reviews",
    per_user=False,
    depends=lambda user_id, kw: ["names", f"reviews:{kw['user_id']}", "jobrefs"],
)
def user_reviews(request: HttpRequest, user_id: int) -> HttpResponse:
    user = _user(user_id)
    page = page_from(request.GET)
    return ok(paginate(queries.user_reviews_queryset(user), page, serializers.review))


users = api_view(GET=list_users)
user = api_view(GET=user_detail)
reviews = api_view(GET=user_reviews)
