"""/api/payments/ and /api/wallet/: money the caller pays or receives, and their balance."""

from __future__ import annotations

from django.db.models import Q
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from marketplace.api import inputs, queries, switches
from marketplace.api.caching import CachedGet
from marketplace.api.permissions import require_client_of
from marketplace.api.serializers import PaymentSerializer, WalletSerializer
from marketplace.api.views.base import PrivateView
from marketplace.jobs.models import Job
from marketplace.payment.models import Payment


@extend_schema_view(get=extend_schema(parameters=[inputs.PaymentFilter]))
class PaymentListView(CachedGet, PrivateView, generics.ListAPIView):
    """Payments the caller made or received, newest first."""

    serializer_class = PaymentSerializer
    cache_name = "payments"
    cache_per_user = True

    def cache_depends(self, user_id: int | None) -> list[str]:
        return [f"user:{user_id}", "jobrefs", "names"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Payment.objects.none()
        user = self.request.user
        payments = Payment.objects.filter(Q(payer=user) | Q(recipient=user))
        found = self.filters(inputs.PaymentFilter)
        if "status" in found:
            payments = payments.filter(status=found["status"])
        if switches.eager_loading():
            payments = payments.select_related("payer", "recipient", "job")
        return payments.order_by(*queries.NEWEST_FIRST)

    @extend_schema(request=inputs.PaymentInput, responses={201: PaymentSerializer})
    def post(self, request, *args, **kwargs):
        """A payment is recorded as pending; no wallet moves until it is settled.

        Settlement (holding, releasing, refunding) is a separate step the marketplace does
        not model yet, so creating a payment never changes a balance and cannot leave the
        two wallets half-updated.
        """
        payer = request.user
        found = inputs.PaymentInput(data=request.data)
        found.is_valid(raise_exception=True)
        data = found.validated_data
        job = queries.job_by_id(data["job"])
        if job is None or (job.status == Job.Status.DRAFT and job.client_id != payer.pk):
            raise ValidationError({"job": [f"no job with id {data['job']}"]})
        require_client_of(job, payer, "pay for it")
        if data["recipient"] not in queries.accepted_applicant_ids(job):
            raise ValidationError(
                {"recipient": ["the recipient must be an accepted applicant of this job"]}
            )
        payment = Payment.objects.create(
            payer=payer,
            recipient_id=data["recipient"],
            job=job,
            amount=data["amount"],
            currency=data["currency"],
            status=Payment.Status.PENDING,
        )
        return Response(self.get_serializer(payment).data, status=status.HTTP_201_CREATED)


class WalletView(CachedGet, PrivateView, generics.RetrieveAPIView):
    serializer_class = WalletSerializer
    cache_name = "wallet"
    cache_per_user = True

    def cache_depends(self, user_id: int | None) -> list[str]:
        return [f"user:{user_id}"]

    def get_object(self):
        found = queries.wallet_of(self.request.user)
        if found is None:
            raise NotFound("wallet not found")
        return found
