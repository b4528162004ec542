"""/api/payments/ and /api/wallet/: money the caller pays or receives, and their balance."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from marketplace.api import queries, serializers
from marketplace.api import validation as v
from marketplace.api.access import require_client_of
from marketplace.api.auth import require_user
from marketplace.api.caching import cached_response
from marketplace.api.errors import invalid, not_found
from marketplace.api.http import api_view, json_body, ok
from marketplace.api.pagination import page_from, paginate
from marketplace.jobs.models import Job
from marketplace.payment.models import Payment


@cached_response(
    "payments", per_user=True, depends=lambda user_id, kw: [f"user:{user_id}", "jobrefs", "names"]
)
def list_payments(request: HttpRequest) -> HttpResponse:
    user = require_user(request)
    filters = queries.StatusFilter(
        v.optional(request.GET, "status", v.choice, Payment.Status.values)
    )
    page = page_from(request.GET)
    return ok(
        paginate(
            queries.payments_queryset(user, filters),
            page,
            lambda payment: serializers.payment(payment, user.pk),
        )
    )


def create_payment(request: HttpRequest) -> HttpResponse:
    """A payment is recorded as pending; no wallet moves until it is settled.

    Settlement (holding, releasing, refunding) is a separate step the marketplace does
    not model yet, so creating a payment never changes a balance and cannot leave the
    two wallets half-updated.
    """
    payer = require_user(request)
    data = json_body(request)
    v.reject_unknown(data, ("job", "recipient", "amount", "currency"))
    job_id = v.object_id(v.require(data, "job"), "job")
    recipient_id = v.object_id(v.require(data, "recipient"), "recipient")
    amount = v.money(v.require(data, "amount"), "amount")
    currency = v.currency(data.get("currency", "USD"), "currency")

    job = queries.job_by_id(job_id)
    if job is None or (job.status == Job.Status.DRAFT and job.client_id != payer.pk):
        raise invalid("job", f"no job with id {job_id}")
    require_client_of(job, payer, "pay for it")
    if recipient_id not in queries.accepted_applicant_ids(job):
        raise invalid("recipient", "the recipient must be an accepted applicant of this job")
    payment = Payment.objects.create(
        payer=payer,
        recipient_id=recipient_id,
        job=job,
        amount=amount,
        currency=currency,
        status=Payment.Status.PENDING,
    )
    return ok(serializers.payment(payment, payer.pk), status=201)


@cached_response("wallet", per_user=True, depends=lambda user_id, kw: [f"user:{user_id}"])
def wallet(request: HttpRequest) -> HttpResponse:
    user = require_user(request)
    found = queries.wallet_of(user)
    if found is None:
        raise not_found("wallet")
    return ok(serializers.wallet(found))


payments = api_view(GET=list_payments, POST=create_payment)
wallet_view = api_view(GET=wallet)
