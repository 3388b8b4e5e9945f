"""Stripe webhooks: deliveries signed as Stripe signs them (HMAC-SHA256 of `<t>.<body>` with the
endpoint's secret, computed here without the library), against real PostgreSQL and the broker;
the gateway's reading of an event (amounts in minor units, dates) as plain unit tests."""

import asyncio
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from factories import announce_account, invoice_posted, post_invoice, receivable_of
from pydantic import SecretStr
from sqlalchemy import func, select

from payment_svc.app import create_app
from payment_svc.gateways import EventUnreadable, SignatureInvalid
from payment_svc.gateways.stripe import StripeGateway
from payment_svc.models import GatewayEvent, Payment, UnmatchedGatewayPayment
from payment_svc.settings import PaymentSettings
from q2c_shared.outbox import OutboxEvent
from q2c_shared.problems import PROBLEM_MEDIA_TYPE
from q2c_shared.testing.service import RunningService, running_service

WEBHOOK_SECRET = "whsec_test_5f0c1d2e3a4b5c6d7e8f9a0b"
WEBHOOK = "/v1/webhooks/stripe"
FEBRUARY_10 = int(datetime(2026, 2, 10, 9, 30, tzinfo=UTC).timestamp())


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"stripe_webhook_secret": SecretStr(WEBHOOK_SECRET)})


@pytest.fixture
async def stripe_client(
    service: RunningService, outbox_drained: None
) -> AsyncIterator[httpx.AsyncClient]:
    """A client as Stripe is one: no bearer key."""
    transport = httpx.ASGITransport(app=service.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def intent_succeeded(
    *,
    invoice_id: str | None = None,
    account_id: str | None = None,
    amount: int = 10_000,
    currency: str = "usd",
    intent_id: str = "pi_3Q2cTest0001",
    event_id: str | None = None,
    created: int = FEBRUARY_10,
    event_type: str = "payment_intent.succeeded",
) -> dict[str, Any]:
    """A Stripe event as Stripe sends it (trimmed to what matters, plus some noise)."""
    metadata = {"order": "web"}
    if invoice_id is not None:
        metadata["invoice_id"] = invoice_id
    if account_id is not None:
        metadata["account_id"] = account_id
    return {
        "id": event_id or f"evt_{uuid.uuid4().hex[:24]}",
        "object": "event",
        "api_version": "2025-01-27.acacia",
        "created": created,
        "livemode": False,
        "pending_webhooks": 1,
        "type": event_type,
        "data": {
            "object": {
                "id": intent_id,
                "object": "payment_intent",
                "amount": amount,
                "amount_received": amount,
                "currency": currency,
                "metadata": metadata,
                "status": "succeeded",
            }
        },
    }


def signature(payload: bytes, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """The `Stripe-Signature` header Stripe would send with the payload."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


async def deliver(
    client: httpx.AsyncClient, event: dict[str, Any] | bytes, **signing: Any
) -> httpx.Response:
    payload = event if isinstance(event, bytes) else json.dumps(event).encode()
    return await client.post(
        WEBHOOK,
        content=payload,
        headers={
            "Stripe-Signature": signature(payload, **signing),
            "Content-Type": "application/json",
        },
    )


async def rows(service: RunningService, model: Any) -> list[Any]:
    async with service.database.transaction() as session:
        return list((await session.execute(select(model))).scalars())


async def count(service: RunningService, model: Any) -> int:
    async with service.database.transaction() as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


# --- recording payments ---------------------------------------------------------------------


async def test_a_succeeded_payment_intent_pays_the_invoice_its_metadata_names(
    service, settings, stripe_client
):
    account_id = str(uuid.uuid4())
    invoice = await post_invoice(
        service, settings, invoice_posted(account_id=account_id, total="100.00")
    )

    response = await deliver(
        stripe_client, intent_succeeded(invoice_id=invoice["invoice_id"], amount=10_000)
    )

    assert response.status_code == 200, response.text
    receipt = response.json()
    assert receipt["status"] == "recorded"
    payment = (await service.client.get(f"/v1/payments/{receipt['payment_id']}")).json()
    assert {k: payment[k] for k in ("account_id", "amount", "currency", "method")} == {
        "account_id": account_id,
        "amount": "100.00",
        "currency": "USD",
        "method": "card",
    }
    assert (payment["reference"], payment["received_on"]) == ("pi_3Q2cTest0001", "2026-02-10")
    assert [(a["invoice_id"], a["amount"]) for a in payment["allocations"]] == [
        (invoice["invoice_id"], "100.00")
    ]
    receivable = await receivable_of(service.client, invoice["invoice_id"])
    assert [receivable[k] for k in ("status", "balance", "paid_on")] == [
        "paid",
        "0.00",
        "2026-02-10",
    ]
    (stored,) = await rows(service, Payment)
    assert (stored.gateway, stored.gateway_reference) == ("stripe", "pi_3Q2cTest0001")
    (event,) = await rows(service, GatewayEvent)
    assert (event.gateway, event.event_type, str(event.payment_id)) == (
        "stripe",
        "payment_intent.succeeded",
        receipt["payment_id"],
    )
    outbox = sorted(await rows(service, OutboxEvent), key=lambda row: row.created_at)
    assert [row.event_type for row in outbox] == [
        "PaymentReceived",
        "PaymentAllocated",
        "InvoicePaid",
    ]
    assert outbox[0].envelope["data"]["payment"]["method"] == "card"
    assert outbox[1].envelope["data"]["invoice_id"] == invoice["invoice_id"]


async def test_the_named_invoice_is_paid_up_to_its_balance_and_the_rest_is_credit(
    service, settings, stripe_client
):
    account_id = str(uuid.uuid4())
    older = await post_invoice(
        service,
        settings,
        invoice_posted(account_id=account_id, total="80.00", due_date=date(2026, 1, 15)),
    )
    named = await post_invoice(
        service,
        settings,
        invoice_posted(account_id=account_id, total="100.00", number="INV-000002"),
    )

    response = await deliver(
        stripe_client, intent_succeeded(invoice_id=named["invoice_id"], amount=15_000)
    )

    payment = (await service.client.get(f"/v1/payments/{response.json()['payment_id']}")).json()
    assert [(a["invoice_id"], a["amount"]) for a in payment["allocations"]] == [
        (named["invoice_id"], "100.00")
    ]
    assert (payment["allocated"], payment["unallocated"]) == ("100.00", "50.00")
    assert (await receivable_of(service.client, older["invoice_id"]))["balance"] == "80.00"


async def test_yen_arrive_as_whole_yen(service, settings, stripe_client):
    account_id = str(uuid.uuid4())
    invoice = await post_invoice(
        service,
        settings,
        invoice_posted(account_id=account_id, total="5000", currency="JPY"),
    )

    response = await deliver(
        stripe_client,
        intent_succeeded(invoice_id=invoice["invoice_id"], amount=5000, currency="jpy"),
    )

    payment = (await service.client.get(f"/v1/payments/{response.json()['payment_id']}")).json()
    assert (payment["amount"], payment["currency"]) == ("5000", "JPY")
    assert (await receivable_of(service.client, invoice["invoice_id"]))["status"] == "paid"


# --- duplicates -----------------------------------------------------------------------------


async def test_the_same_event_delivered_twice_records_one_payment(service, settings, stripe_client):
    account_id = str(uuid.uuid4())
    invoice = await post_invoice(
        service, settings, invoice_posted(account_id=account_id, total="100.00")
    )
    event = intent_succeeded(invoice_id=invoice["invoice_id"], amount=6_000)

    first = await deliver(stripe_client, event)
    again = await deliver(stripe_client, event)

    assert (first.status_code, again.status_code) == (200, 200)
    assert first.json()["status"] == "recorded"
    assert again.json() == {"status": "duplicate", "payment_id": first.json()["payment_id"]}
    assert await count(service, Payment) == 1
    assert await count(service, GatewayEvent) == 1
    assert (await receivable_of(service.client, invoice["invoice_id"]))["balance"] == "40.00"


async def test_another_event_of_the_same_payment_intent_records_no_second_payment(
    service, settings, stripe_client
):
    account_id = str(uuid.uuid4())
    invoice = await post_invoice(
        service, settings, invoice_posted(account_id=account_id, total="100.00")
    )

    first = await deliver(
        stripe_client, intent_succeeded(invoice_id=invoice["invoice_id"], amount=6_000)
    )
    second = await deliver(
        stripe_client, intent_succeeded(invoice_id=invoice["invoice_id"], amount=6_000)
    )

    assert second.json() == {"status": "duplicate", "payment_id": first.json()["payment_id"]}
    assert await count(service, Payment) == 1
    events = await rows(service, GatewayEvent)
    assert [str(event.payment_id) for event in events] == [first.json()["payment_id"]] * 2
    assert (await receivable_of(service.client, invoice["invoice_id"]))["balance"] == "40.00"


async def test_concurrent_deliveries_record_one_payment(service, settings, stripe_client):
    account_id = str(uuid.uuid4())
    invoice = await post_invoice(
        service, settings, invoice_posted(account_id=account_id, total="100.00")
    )
    event = intent_succeeded(invoice_id=invoice["invoice_id"], amount=6_000)
    # The same event four times, and two other events of the same payment intent, at once.
    events = [event] * 4 + [
        intent_succeeded(invoice_id=invoice["invoice_id"], amount=6_000) for _ in range(2)
    ]

    responses = await asyncio.gather(*(deliver(stripe_client, each) for each in events))

    assert [response.status_code for response in responses] == [200] * 6
    statuses = sorted(response.json()["status"] for response in responses)
    assert statuses == ["duplicate"] * 5 + ["recorded"]
    assert len({response.json()["payment_id"] for response in responses}) == 1
    assert await count(service, Payment) == 1
    assert await count(service, GatewayEvent) == 3
    receivable = await receivable_of(service.client, invoice["invoice_id"])
    assert (receivable["amount_paid"], receivable["balance"]) == ("60.00", "40.00")


# --- refused deliveries ---------------------------------------------------------------------


async def test_a_bad_signature_is_400_and_records_nothing(service, settings, stripe_client):
    account_id = str(uuid.uuid4())
    invoice = await post_invoice(
        service, settings, invoice_posted(account_id=account_id, total="100.00")
    )
    payload = json.dumps(intent_succeeded(invoice_id=invoice["invoice_id"])).encode()
    now = int(time.time())
    tampered = payload.replace(b"10000", b"99999")
    bad_headers = {
        "another secret": signature(payload, secret="whsec_someone_else"),
        "a tampered body": signature(payload),  # sent with `tampered`
        "no v1 signature": f"t={now},v0=abc",
        "garbage": "nonsense",
        "empty": "",
    }

    responses = {
        case: await stripe_client.post(
            WEBHOOK,
            content=tampered if case == "a tampered body" else payload,
            headers={"Stripe-Signature": header},
        )
        for case, header in bad_headers.items()
    }
    responses["no header"] = await stripe_client.post(WEBHOOK, content=payload)
    responses["not UTF-8"] = await stripe_client.post(
        WEBHOOK, content=b"\xff" + payload, headers={"Stripe-Signature": signature(payload)}
    )

    for case, response in responses.items():
        assert response.status_code == 400, case
        assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE, case
        assert response.json()["code"] == "invalid_signature", case
    assert WEBHOOK_SECRET not in "".join(response.text for response in responses.values())
    assert await count(service, Payment) == 0
    assert await count(service, GatewayEvent) == 0
    assert (await receivable_of(service.client, invoice["invoice_id"]))["status"] == "open"


async def test_a_signature_older_than_the_tolerance_is_400(service, settings, stripe_client):
    account_id = str(uuid.uuid4())
    invoice = await post_invoice(
        service, settings, invoice_posted(account_id=account_id, total="100.00")
    )
    event = intent_succeeded(invoice_id=invoice["invoice_id"])

    expired = await deliver(stripe_client, event, timestamp=int(time.time()) - 301)
    recent = await deliver(stripe_client, event, timestamp=int(time.time()) - 200)

    assert expired.status_code == 400
    assert expired.json()["code"] == "invalid_signature"
    assert "tolerance" in expired.json()["detail"]
    assert recent.json()["status"] == "recorded"
    assert await count(service, Payment) == 1


async def test_a_signed_body_that_is_not_an_event_is_400(service, stripe_client):
    not_json = await deliver(stripe_client, b"{not json")
    a_list = await deliver(stripe_client, b"[]")
    no_intent = await deliver(
        stripe_client, json.dumps({**intent_succeeded(), "data": {}}).encode()
    )
    unknown_currency = await deliver(stripe_client, intent_succeeded(currency="xyz"))
    nul_in_event_id = await deliver(stripe_client, intent_succeeded(event_id="evt_\x001"))
    long_event_id = await deliver(stripe_client, intent_succeeded(event_id="evt_" + "x" * 300))
    long_type = await deliver(stripe_client, intent_succeeded(event_type="payment." + "x" * 100))
    nul_in_intent_id = await deliver(stripe_client, intent_succeeded(intent_id="pi_\x00"))
    far_future = await deliver(stripe_client, intent_succeeded(created=10**15))
    before_1900 = await deliver(stripe_client, intent_succeeded(created=-(10**10)))
    exponents = [
        await deliver(
            stripe_client,
            json.dumps(intent_succeeded())
            .encode()
            .replace(b'"amount_received": 10000', b'"amount_received": ' + number),
        )
        for number in (b"1e30", b"1e999999", b"12.5", b"true")
    ]

    refused = [not_json, a_list, no_intent, unknown_currency, nul_in_event_id, long_event_id]
    refused += [long_type, nul_in_intent_id, far_future, before_1900, *exponents]
    for response in refused:
        assert response.status_code == 400, response.text
        assert response.json()["code"] == "invalid_event"
    assert await count(service, GatewayEvent) == 0
    assert await count(service, UnmatchedGatewayPayment) == 0


async def test_without_a_webhook_secret_the_webhook_is_503(settings):
    unconfigured = settings.model_copy(
        update={"stripe_webhook_secret": None, "run_background_workers": False}
    )
    async with running_service(create_app(unconfigured), wait_for_broker=False) as service:
        transport = httpx.ASGITransport(app=service.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            response = await deliver(client, intent_succeeded())

    assert response.status_code == 503
    assert response.json()["code"] == "gateway_not_configured"


# --- events that record no payment ----------------------------------------------------------


async def test_other_event_types_are_acknowledged_and_ignored(service, stripe_client):
    event = intent_succeeded(event_type="payment_intent.created")

    first = await deliver(stripe_client, event)
    again = await deliver(stripe_client, event)

    assert first.json() == {"status": "ignored", "payment_id": None}
    assert again.json() == {"status": "duplicate", "payment_id": None}
    (recorded,) = await rows(service, GatewayEvent)
    assert (recorded.event_id, recorded.event_type) == (event["id"], "payment_intent.created")
    assert await count(service, Payment) == 0


async def test_a_payment_of_an_unknown_invoice_without_an_account_is_unmatched(
    service, stripe_client
):
    event = intent_succeeded(invoice_id=str(uuid.uuid4()))

    first = await deliver(stripe_client, event)
    not_an_id = await deliver(stripe_client, intent_succeeded(invoice_id="INV-000042"))
    again = await deliver(stripe_client, event)

    assert first.status_code == 200
    assert first.json() == {"status": "unmatched", "payment_id": None}
    assert not_an_id.json()["status"] == "unmatched"
    assert again.json() == {"status": "duplicate", "payment_id": None}
    assert await count(service, Payment) == 0
    events = await rows(service, GatewayEvent)
    assert len(events) == 2 and all(event.payment_id is None for event in events)


async def test_a_payment_in_another_currency_than_its_invoice_is_unmatched(
    service, settings, stripe_client
):
    account_id = str(uuid.uuid4())
    invoice = await post_invoice(
        service, settings, invoice_posted(account_id=account_id, total="100.00")
    )

    response = await deliver(
        stripe_client,
        intent_succeeded(invoice_id=invoice["invoice_id"], account_id=account_id, currency="eur"),
    )

    assert response.json() == {"status": "unmatched", "payment_id": None}
    assert await count(service, Payment) == 0
    assert (await receivable_of(service.client, invoice["invoice_id"]))["status"] == "open"


async def test_an_unknown_invoice_of_a_named_account_is_credit_that_pays_it_once_posted(
    service, settings, stripe_client
):
    account_id, invoice_id = str(uuid.uuid4()), str(uuid.uuid4())
    await announce_account(service, settings, account_id)

    response = await deliver(
        stripe_client, intent_succeeded(invoice_id=invoice_id, account_id=account_id, amount=10_000)
    )
    receivable = await post_invoice(
        service,
        settings,
        invoice_posted(account_id=account_id, total="100.00", invoice_id=invoice_id),
    )

    assert response.json()["status"] == "recorded"
    assert receivable["status"] == "paid"
    payment = (await service.client.get(f"/v1/payments/{response.json()['payment_id']}")).json()
    assert [(a["invoice_id"], a["amount"]) for a in payment["allocations"]] == [
        (invoice_id, "100.00")
    ]


async def test_payments_nobody_can_be_credited_with_are_kept_unmatched_for_review(
    service, settings, stripe_client
):
    account_id = str(uuid.uuid4())
    invoice = await post_invoice(
        service, settings, invoice_posted(account_id=account_id, total="100.00")
    )
    stranger, unknown_invoice = str(uuid.uuid4()), str(uuid.uuid4())
    huge = intent_succeeded(invoice_id=invoice["invoice_id"], intent_id="pi_huge")
    long_digits = "9" * 4000  # more than JSON encoders in Python write: sent as raw bytes
    deliveries = {
        "unknown_invoice": intent_succeeded(invoice_id=unknown_invoice, intent_id="pi_1"),
        "unknown_account": intent_succeeded(
            invoice_id=unknown_invoice, account_id=stranger, intent_id="pi_2"
        ),
        "not_an_account": intent_succeeded(account_id="acct\x00nul", intent_id="pi_3"),
        "currency_mismatch": intent_succeeded(
            invoice_id=invoice["invoice_id"], currency="eur", intent_id="pi_4"
        ),
        "amount_out_of_range": intent_succeeded(
            invoice_id=invoice["invoice_id"], amount=10**30, intent_id="pi_5"
        ),
        "nothing_received": intent_succeeded(
            invoice_id=invoice["invoice_id"], amount=0, intent_id="pi_6"
        ),
        "absurdly_long": json.dumps(huge)
        .replace('"amount_received": 10000', f'"amount_received": {long_digits}')
        .encode(),
    }

    receipts = {case: await deliver(stripe_client, event) for case, event in deliveries.items()}
    first_page = (await service.client.get("/v1/unmatched-payments", params={"limit": 5})).json()
    second_page = (
        await service.client.get(
            "/v1/unmatched-payments", params={"limit": 5, "cursor": first_page["next_cursor"]}
        )
    ).json()
    unmatched = {item["gateway_reference"]: item for item in first_page["items"]}
    unmatched |= {item["gateway_reference"]: item for item in second_page["items"]}

    assert {case: r.status_code for case, r in receipts.items()} == dict.fromkeys(deliveries, 200)
    assert {r.json()["status"] for r in receipts.values()} == {"unmatched"}
    assert (len(first_page["items"]), len(second_page["items"])) == (5, 2)
    assert second_page["next_cursor"] is None
    reasons = {reference: item["reason"] for reference, item in unmatched.items()}
    assert reasons == {
        "pi_1": "unknown_invoice",
        "pi_2": "unknown_account",
        "pi_3": "unknown_account",
        "pi_4": "currency_mismatch",
        "pi_5": "amount_out_of_range",
        "pi_6": "nothing_received",
        "pi_huge": "amount_out_of_range",
    }
    assert (unmatched["pi_2"]["account_reference"], unmatched["pi_2"]["invoice_reference"]) == (
        stranger,
        unknown_invoice,
    )
    assert (unmatched["pi_2"]["amount"], unmatched["pi_2"]["currency"]) == ("100.00", "USD")
    assert unmatched["pi_2"]["received_on"] == "2026-02-10"
    assert unmatched["pi_3"]["account_reference"] == "acct\ufffdnul"
    assert (unmatched["pi_5"]["amount"], unmatched["pi_5"]["stated_amount"]) == (None, str(10**30))
    assert unmatched["pi_huge"]["stated_amount"] == "9" * 20 + "...(4000 digits)"
    assert unmatched["pi_6"]["amount"] == "0.00"
    assert await count(service, Payment) == 0
    assert (await receivable_of(service.client, invoice["invoice_id"]))["balance"] == "100.00"
    balance = await service.client.get(f"/v1/account-balances/{stranger}")
    assert balance.status_code == 404


# --- the gateway alone: reading Stripe's events (no database) -------------------------------


def parse(event: dict[str, Any], **signing: Any):
    payload = json.dumps(event).encode()
    gateway = StripeGateway(WEBHOOK_SECRET, tolerance_seconds=300)
    return gateway.parse(payload, {"stripe-signature": signature(payload, **signing)})


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        (1234, "usd", Decimal("12.34")),
        (5000, "jpy", Decimal("5000")),
        (1, "jpy", Decimal("1")),
        (1250, "kwd", Decimal("1.250")),
        (50000, "isk", Decimal("500")),  # Stripe keeps ISK two-decimal; q2c has no decimals
        (99, "eur", Decimal("0.99")),
    ],
)
def test_amounts_in_minor_units_become_major_units(amount, currency, expected):
    event = parse(intent_succeeded(amount=amount, currency=currency))

    assert event.payment is not None
    assert event.payment.amount == expected
    assert str(event.payment.amount) == str(expected)  # the currency's decimals, no more
    assert event.payment.currency == currency.upper()


def test_a_succeeded_intent_reads_as_a_payment():
    created = int(datetime(2026, 2, 10, 23, 59, 59, tzinfo=UTC).timestamp())
    event = intent_succeeded(invoice_id=" 0191e5f6 ", account_id="", created=created)
    event["data"]["object"]["amount"] = 20_000  # asked for; `amount_received` is what came

    parsed = parse(event)

    assert (parsed.event_id, parsed.event_type) == (event["id"], "payment_intent.succeeded")
    assert parsed.payment is not None
    assert parsed.payment.gateway_reference == "pi_3Q2cTest0001"
    assert parsed.payment.amount == Decimal("100.00")
    assert (parsed.payment.invoice_id, parsed.payment.account_id) == ("0191e5f6", None)
    assert parsed.payment.received_on == date(2026, 2, 10)


def test_other_events_read_without_a_payment():
    parsed = parse(intent_succeeded(event_type="charge.refunded"))

    assert (parsed.event_type, parsed.payment) == ("charge.refunded", None)


def test_the_library_refuses_what_stripe_did_not_sign_recently():
    with pytest.raises(SignatureInvalid, match="tolerance"):
        parse(intent_succeeded(), timestamp=int(time.time()) - 301)
    with pytest.raises(SignatureInvalid):
        parse(intent_succeeded(), secret="whsec_not_ours")
    with pytest.raises(EventUnreadable):
        parse(intent_succeeded(amount=4010, currency="isk"))  # 40.10 ISK: finer than q2c's ISK


async def test_an_unsigned_request_is_refused_before_the_database_is_touched():
    # The app's lifespan is not started, so it has no database at all: reaching for a session
    # would be a 500, not the 400.
    app = create_app(PaymentSettings(stripe_webhook_secret=SecretStr(WEBHOOK_SECRET)))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.post(
            WEBHOOK, content=b"{}", headers={"Stripe-Signature": "t=1,v1=00"}
        )

    assert (response.status_code, response.json()["code"]) == (400, "invalid_signature")
