"""The "Add funds" page and the Checkout Session it makes. The network is closed, so a small
HTTP server on this machine answers as Stripe's API does and keeps what it was sent."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
import stripe
from django.urls import reverse

from microwork.payments.enums import CardDepositState
from microwork.payments.models import CardDeposit, Posting
from tests.accounts.factories import RequesterFactory
from tests.payments import stripe_events as se

pytestmark = pytest.mark.django_db

URL = "/payments/balance/add-funds/"


class FakeStripe:
    """Stripe's API, as far as creating a Checkout Session goes."""

    def __init__(self):
        self.requests: list[dict] = []
        self.status = 200
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                fake.requests.append(
                    {
                        "path": self.path,
                        "headers": {key.lower(): value for key, value in self.headers.items()},
                        "form": {key: values[0] for key, values in parse_qs(body).items()},
                    }
                )
                number = len(fake.requests)
                if fake.status == 200:
                    answer = {
                        "id": f"cs_test_fake{number}",
                        "object": "checkout.session",
                        "url": f"https://checkout.stripe.com/c/pay/cs_test_fake{number}",
                        "payment_status": "unpaid",
                    }
                else:
                    answer = {"error": {"type": "api_error", "message": "Something broke"}}
                data = json.dumps(answer).encode()
                self.send_response(fake.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_stripe(settings, monkeypatch):
    settings.MICROWORK_STRIPE_SECRET_KEY = se.API_KEY
    settings.MICROWORK_STRIPE_WEBHOOK_SECRET = se.WEBHOOK_SECRET
    fake = FakeStripe()
    monkeypatch.setattr(stripe, "api_base", fake.url)
    monkeypatch.setattr(stripe, "max_network_retries", 0)
    yield fake
    fake.close()


def _post(client, amount="25.00", key="k-1"):
    return client.post(URL, {"amount": amount, "request_key": key})


def test_add_funds_creates_a_checkout_session_and_sends_the_requester_to_it(
    client, requester, fake_stripe
):
    client.force_login(requester)

    response = _post(client)

    deposit = CardDeposit.objects.get()
    assert response.status_code == 303
    assert response["Location"] == "https://checkout.stripe.com/c/pay/cs_test_fake1"
    assert (deposit.requester, deposit.amount_cents, deposit.currency) == (requester, 2500, "EUR")
    assert (deposit.state, deposit.stripe_session_id) == (CardDepositState.CREATED, "cs_test_fake1")
    [sent] = fake_stripe.requests
    assert sent["path"] == "/v1/checkout/sessions"
    assert sent["headers"]["authorization"] == f"Bearer {se.API_KEY}"
    assert sent["headers"]["idempotency-key"] == f"microwork-card-deposit-{deposit.pk}"
    detail = f"http://testserver/payments/balance/add-funds/{deposit.pk}/"
    assert sent["form"] == {
        "mode": "payment",
        "line_items[0][quantity]": "1",
        "line_items[0][price_data][currency]": "eur",
        "line_items[0][price_data][unit_amount]": "2500",
        "line_items[0][price_data][product_data][name]": "Funds for your microwork balance",
        "client_reference_id": str(deposit.pk),
        "customer_email": requester.email,
        "metadata[requester_id]": str(requester.pk),
        "metadata[deposit_id]": str(deposit.pk),
        "payment_intent_data[metadata][requester_id]": str(requester.pk),
        "payment_intent_data[metadata][deposit_id]": str(deposit.pk),
        "success_url": f"{detail}?paid=1",
        "cancel_url": detail,
    }
    assert Posting.objects.count() == 0  # only Stripe's event credits


def test_the_same_form_sent_twice_makes_one_deposit_and_one_session(client, requester, fake_stripe):
    client.force_login(requester)

    first, second = _post(client), _post(client)

    assert first["Location"] == second["Location"]
    assert CardDeposit.objects.count() == 1
    assert len(fake_stripe.requests) == 1


def test_the_same_form_with_another_amount_is_refused(client, requester, fake_stripe):
    client.force_login(requester)
    _post(client, "25.00")

    response = _post(client, "30.00")

    assert response.status_code == 200
    assert "already sent with another amount" in response.content.decode()
    assert list(CardDeposit.objects.values_list("amount_cents", flat=True)) == [2500]
    assert len(fake_stripe.requests) == 1


@pytest.mark.parametrize("amount", ["5.00", "10000.01", "abc", "-3"])
def test_an_amount_out_of_bounds_is_refused_before_stripe(client, requester, fake_stripe, amount):
    client.force_login(requester)

    response = _post(client, amount)

    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert CardDeposit.objects.count() == 0
    assert fake_stripe.requests == []


def test_stripe_failing_leaves_the_deposit_unstarted_and_says_so(client, requester, fake_stripe):
    client.force_login(requester)
    fake_stripe.status = 500

    response = _post(client)

    assert response.status_code == 200
    assert "could not be started" in response.content.decode()
    deposit = CardDeposit.objects.get()
    assert (deposit.stripe_session_id, deposit.checkout_url) == ("", "")

    fake_stripe.status = 200
    retried = _post(client)  # the same form again: the same deposit, now with its session

    assert retried.status_code == 303
    assert CardDeposit.objects.count() == 1
    assert {r["headers"]["idempotency-key"] for r in fake_stripe.requests} == {
        f"microwork-card-deposit-{deposit.pk}"
    }


def test_without_keys_the_page_says_card_payments_are_off(client, requester, settings):
    settings.MICROWORK_STRIPE_SECRET_KEY = ""
    settings.MICROWORK_STRIPE_WEBHOOK_SECRET = ""
    client.force_login(requester)

    page = client.get(URL)
    posted = _post(client)

    assert page.status_code == 200
    assert "has not enabled card payments" in page.content.decode()
    assert 'name="amount"' not in page.content.decode()
    assert posted.status_code == 503
    assert CardDeposit.objects.count() == 0


def test_add_funds_is_for_requesters(client, worker, fake_stripe):
    client.force_login(worker)

    assert client.get(URL).status_code == 403
    assert _post(client).status_code == 403
    assert CardDeposit.objects.count() == 0
    assert fake_stripe.requests == []


def test_the_page_back_from_stripe_shows_the_requesters_own_deposit_only(client, requester):
    deposit = CardDeposit.objects.create(
        requester=requester, request_key="k", amount_cents=2500, currency="EUR"
    )
    url = reverse("payments:card-deposit-detail", args=[deposit.pk])
    client.force_login(requester)

    mine = client.get(f"{url}?paid=1")
    client.force_login(RequesterFactory())
    theirs = client.get(url)

    assert mine.status_code == 200
    assert "Stripe is confirming the payment" in mine.content.decode()
    assert theirs.status_code == 404
