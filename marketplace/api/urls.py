"""The API's routes; every view answers JSON, including unknown paths under /api/."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from marketplace.api.views import applications, jobs, payments, reviews, saved_jobs, tokens, users
from marketplace.api.views.base import unknown_endpoint

app_name = "api"

urlpatterns = [
    path("token/", tokens.TokenView.as_view(), name="token"),
    path("jobs/", jobs.JobListView.as_view(), name="jobs"),
    path("jobs/<int:job_id>/", jobs.JobDetailView.as_view(), name="job"),
    path(
        "jobs/<int:job_id>/applications/",
        applications.JobApplicationsView.as_view(),
        name="job-applications",
    ),
    path("applications/", applications.MyApplicationsView.as_view(), name="applications"),
    path("users/", users.UserListView.as_view(), name="users"),
    path("users/<int:user_id>/", users.UserDetailView.as_view(), name="user"),
    path("users/<int:user_id>/reviews/", users.UserReviewsView.as_view(), name="user-reviews"),
    path("reviews/", reviews.ReviewCreateView.as_view(), name="reviews"),
    path("saved-jobs/", saved_jobs.SavedJobsView.as_view(), name="saved-jobs"),
    path("payments/", payments.PaymentListView.as_view(), name="payments"),
    path("wallet/", payments.WalletView.as_view(), name="wallet"),
    # OpenAPI: the schema, and Swagger UI / ReDoc served from local static files (sidecar).
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    # Only paths ending in "/" so APPEND_SLASH still redirects /api/jobs to /api/jobs/.
    re_path(r"^.*/$", unknown_endpoint),
]
