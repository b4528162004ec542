"""GET/POST /api/payments/ and GET /api/wallet/: never anyone else's."""

from decimal import Decimal

import pytest

from marketplace.accounts.models import Wallet
from marketplace.payment.models import Payment
from tests.api import factories as f
from tests.api.checks import assert_error


def test_payments_as_payer_and_recipient(api):
    job, client, freelancer = f.hired()
    paid = f.payment(job, freelancer, amount="10.00", status="released")
    pending = f.payment(job, freelancer, amount="20.00")
    other_job, other_client, other_freelancer = f.hired()
    f.payment(other_job, other_freelancer)

    mine = api.get("/api/payments/", user=client).json()
    assert [p["id"] for p in mine["results"]] == [pending.pk, paid.pk]
    assert {p["direction"] for p in mine["results"]} == {"outgoing"}
    item = mine["results"][1]
    assert item == {
        "id": paid.pk,
        "direction": "outgoing",
        "amount": "10.00",
        "currency": "USD",
        "status": "released",
        "created_at": paid.created_at.isoformat().replace("+00:00", "Z"),
        "payer": {"id": client.pk, "username": client.username},
        "recipient": {"id": freelancer.pk, "username": freelancer.username},
        "job": {"id": job.pk, "title": job.title, "status": job.status},
    }
    received = api.get("/api/payments/", user=freelancer).json()
    assert {p["direction"] for p in received["results"]} == {"incoming"}
    assert received["count"] == 2
    released = api.get("/api/payments/", user=freelancer, status="released").json()
    assert [p["id"] for p in released["results"]] == [paid.pk]
    assert_error(api.get("/api/payments/", user=client, status="paid"), 400, "status")


def test_someone_elses_payments_are_never_visible(api):
    job, client, freelancer = f.hired()
    f.payment(job, freelancer)
    stranger = f.user("client")
    assert api.get("/api/payments/", user=stranger).json()["count"] == 0


def test_client_pays_accepted_freelancer(api):
    job, client, freelancer = f.hired()
    Wallet.objects.create(user=client, balance=Decimal("50.00"))
    response = api.post(
        "/api/payments/",
        {"job": job.pk, "recipient": freelancer.pk, "amount": "12.5", "currency": "eur"},
        user=client,
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["amount"], body["currency"], body["direction"]) == (
        "pending",
        "12.50",
        "EUR",
        "outgoing",
    )
    assert Payment.objects.get(pk=body["id"]).payer == client
    # Pending payments move no money.
    assert Wallet.objects.get(user=client).balance == Decimal("50.00")


def test_only_the_client_pays_and_only_accepted_applicants(api):
    job, client, freelancer = f.hired()
    pending = f.user("freelancer")
    f.application(job, pending)
    assert_error(
        api.post(
            "/api/payments/", {"job": job.pk, "recipient": client.pk, "amount": 1}, user=freelancer
        ),
        403,
    )
    assert_error(
        api.post(
            "/api/payments/", {"job": job.pk, "recipient": pending.pk, "amount": 1}, user=client
        ),
        400,
        "recipient",
    )
    assert not Payment.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": 0}, "amount"),
        ({"amount": "-3"}, "amount"),
        ({"amount": "0.001"}, "amount"),
        ({"amount": None}, "amount"),
        ({"currency": "DOLLARS"}, "currency"),
        ({"currency": 840}, "currency"),
        ({"job": None}, "job"),
        ({"job": 999999}, "job"),
        ({"recipient": None}, "recipient"),
        ({"recipient": "me"}, "recipient"),
        ({"status": "released"}, "status"),
    ],
)
def test_payment_validation(api, change, field):
    job, client, freelancer = f.hired()
    data = {"job": job.pk, "recipient": freelancer.pk, "amount": "5.00", **change}
    data = {k: val for k, val in data.items() if val is not None}
    assert_error(api.post("/api/payments/", data, user=client), 400, field)
    assert not Payment.objects.exists()


def test_wallet_is_the_callers_own(api):
    rich = f.user(wallet="1000.50")
    poor = f.user(wallet="0.00")
    body = api.get("/api/wallet/", user=rich).json()
    assert list(body) == ["balance", "currency", "updated_at"]
    assert (body["balance"], body["currency"]) == ("1000.50", "USD")
    assert api.get("/api/wallet/", user=poor).json()["balance"] == "0.00"
    assert_error(api.get("/api/wallet/", user=f.user()), 404)
