"""The API's routes; every view answers JSON, including unknown paths under /api/."""

from django.urls import path, re_path

from marketplace.api.http import unknown_endpoint
from marketplace.api.views import applications, jobs, payments, reviews, saved_jobs, tokens, users

app_name = "api"

urlpatterns = [
    path("token/", tokens.token, name="token"),
    path("jobs/", jobs.jobs, name="jobs"),
    path("jobs/<int:job_id>/", jobs.job, name="job"),
    path(
        "jobs/<int:job_id>/applications/",
        applications.job_applications_view,
        name="job-applications",
    ),
    path("applications/", applications.my_applications_view, name="applications"),
    path("users/", users.users, name="users"),
    path("users/<int:user_id>/", users.user, name="user"),
    path("users/<int:user_id>/reviews/", users.reviews, name="user-reviews"),
    path("reviews/", reviews.reviews, name="reviews"),
    path("saved-jobs/", saved_jobs.saved_jobs, name="saved-jobs"),
    path("payments/", payments.payments, name="payments"),
    path("wallet/", payments.wallet_view, name="wallet"),
    # Only paths ending in "/" so APPEND_SLASH still redirects /api/jobs to /api/jobs/.
    re_path(r"^.*/$", unknown_endpoint),
]
