"""One object to one JSON-ready dict, the same way every time.

Decimals are strings (``"120.00"``: JSON numbers would lose cents in some clients),
datetimes and dates are ISO 8601, and keys come in a fixed order, so two runs over the
same data give byte-identical responses, which is how the optimised variants are checked.
Related objects are reached through attributes and ``queries`` helpers, never fetched
here directly, so eager loading can be switched on without touching this module.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from marketplace.api import queries


def decimal(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def iso(value: datetime.date | datetime.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def user_ref(user) -> dict[str, Any]:
    return {"id": user.pk, "username": user.username}


def job_ref(job) -> dict[str, Any]:
    return {"id": job.pk, "title": job.title, "status": job.status}


def job_item(job) -> dict[str, Any]:
    """A job as listed: with client, industry, subcategory and how many applied."""
    return {
        "id": job.pk,
        "title": job.title,
        "status": job.status,
        "budget": decimal(job.budget),
        "date": iso(job.date),
        "created_at": iso(job.created_at),
        "client": user_ref(job.client),
        "industry": {"id": job.industry.pk, "name": job.industry.name},
        "subcategory": {"id": job.subcategory.pk, "name": job.subcategory.name},
        "application_count": queries.application_count(job),
    }


def job_detail(job) -> dict[str, Any]:
    return {
        **job_item(job),
        "description": job.description,
        "created_by": user_ref(job.created_by),
    }


def application_for_client(application) -> dict[str, Any]:
    """An application as the job's client sees it: who applied and in what role."""
    applicant = application.applicant
    return {
        "id": application.pk,
        "job_id": application.job_id,
        "status": application.status,
        "bid_amount": decimal(application.bid_amount),
        "cover_letter": application.cover_letter,
        "created_at": iso(application.created_at),
        "applicant": {**user_ref(applicant), "role": queries.role_of(applicant)},
    }


def application_for_applicant(application) -> dict[str, Any]:
    """An application as its applicant sees it: which job and whose."""
    return {
        "id": application.pk,
        "status": application.status,
        "bid_amount": decimal(application.bid_amount),
        "cover_letter": application.cover_letter,
        "created_at": iso(application.created_at),
        "job": job_ref(application.job),
        "employer": user_ref(application.employer),
    }


def profile(found) -> dict[str, Any] | None:
    if found is None:
        return None
    return {
        "role": found.role,
        "headline": found.headline,
        "location": found.location,
        "hourly_rate": decimal(found.hourly_rate),
    }


def user_item(user) -> dict[str, Any]:
    """A public user: no email, with profile, average rating and review count."""
    found = profile(queries.profile_of(user))
    average, count = queries.rating_summary(user)
    return {
        "id": user.pk,
        "username": user.username,
        "date_joined": iso(user.date_joined),
        "profile": found,
        "average_rating": average,
        "review_count": count,
    }


def user_detail(user) -> dict[str, Any]:
    data = user_item(user)
    if data["profile"] is not None:
        data["profile"]["bio"] = queries.profile_of(user).bio
    return data


def review(item) -> dict[str, Any]:
    return {
        "id": item.pk,
        "rating": item.rating,
        "comment": item.comment,
        "created_at": iso(item.created_at),
        "reviewer": user_ref(item.reviewer),
        "reviewed_id": item.reviewed_id,
        "job": job_ref(item.job),
    }


def saved_job(item) -> dict[str, Any]:
    job = item.job
    return {
        "job": {**job_ref(job), "budget": decimal(job.budget), "date": iso(job.date)},
        "saved_at": iso(item.saved_at),
    }


def payment(item, viewer_id: int) -> dict[str, Any]:
    """``direction`` says whether the caller pays (outgoing) or is paid (incoming)."""
    return {
        "id": item.pk,
        "direction": "outgoing" if item.payer_id == viewer_id else "incoming",
        "amount": decimal(item.amount),
        "currency": item.currency,
        "status": item.status,
        "created_at": iso(item.created_at),
        "payer": user_ref(item.payer),
        "recipient": user_ref(item.recipient),
        "job": job_ref(item.job),
    }


def wallet(item) -> dict[str, Any]:
    return {
        "balance": decimal(item.balance),
        "currency": item.currency,
        "updated_at": iso(item.updated_at),
    }
