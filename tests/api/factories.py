"""Plain functions that build just enough marketplace data for one API test."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

from marketplace.accounts.models import Profile, User, Wallet
from marketplace.jobs.models import Application, Industry, Job, SavedJob, Subcategory
from marketplace.payment.models import Payment
from marketplace.rating.models import Review

_seq = itertools.count(1)


def user(
    role: str | None = "client",
    *,
    username: str | None = None,
    password: str | None = None,
    wallet: str | None = None,
    **extra,
) -> User:
    """A user with a profile of ``role`` (None: no profile) and optionally a wallet balance."""
    n = next(_seq)
    username = username or f"user{n}"
    made = User.objects.create_user(f"{username}@example.test", username, password, **extra)
    if role is not None:
        Profile.objects.create(
            user=made, role=role, headline=f"{role} {n}", bio=f"bio of {username}"
        )
    if wallet is not None:
        Wallet.objects.create(user=made, balance=Decimal(wallet))
    return made


def industry(name: str | None = None) -> Industry:
    return Industry.objects.create(name=name or f"industry{next(_seq)}")


def subcategory(parent: Industry | None = None, name: str | None = None) -> Subcategory:
    return Subcategory.objects.create(
        industry=parent or industry(), name=name or f"sub{next(_seq)}"
    )


def job(
    client: User | None = None,
    *,
    sub: Subcategory | None = None,
    status: str = "open",
    budget: str = "500.00",
    date: datetime.date | None = None,
    **extra,
) -> Job:
    client = client or user("client")
    sub = sub or subcategory()
    return Job.objects.create(
        client=client,
        created_by=client,
        industry_id=sub.industry_id,
        subcategory=sub,
        title=extra.pop("title", f"job {next(_seq)}"),
        status=status,
        budget=Decimal(budget),
        date=date or datetime.date(2024, 1, 1),
        **extra,
    )


def application(
    job_: Job, applicant: User | None = None, *, status: str = "pending", bid: str = "400.00"
) -> Application:
    return Application.objects.create(
        job=job_,
        applicant=applicant or user("freelancer"),
        employer_id=job_.client_id,
        status=status,
        bid_amount=Decimal(bid),
    )


def review(reviewer: User, reviewed: User, job_: Job, rating: int = 5) -> Review:
    return Review.objects.create(
        reviewer=reviewer, reviewed=reviewed, job=job_, rating=rating, comment="fine"
    )


def payment(job_: Job, recipient: User, *, amount: str = "100.00", status: str = "pending"):
    return Payment.objects.create(
        payer_id=job_.client_id,
        recipient=recipient,
        job=job_,
        amount=Decimal(amount),
        status=status,
    )


def saved(owner: User, job_: Job, **extra) -> SavedJob:
    return SavedJob.objects.create(user=owner, job=job_, **extra)


def hired(client: User | None = None, freelancer: User | None = None):
    """A job whose client accepted a freelancer: the pair that may review and pay each other."""
    job_ = job(client or user("client"), status="in_progress")
    freelancer = freelancer or user("freelancer")
    application(job_, freelancer, status="accepted")
    return job_, job_.client, freelancer
