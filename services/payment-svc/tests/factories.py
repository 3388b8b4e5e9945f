"""Small keyword-only builders of payment-svc inputs: InvoicePosted and account events,
payments."""

import uuid
from datetime import UTC, date, datetime
from typing import Any

import httpx

from q2c_shared.events import contracts
from q2c_shared.events.envelope import CloudEvent
from q2c_shared.testing.kafka import publish
from q2c_shared.testing.waiting import eventually


def invoice_posted(
    *,
    account_id: str,
    total: str = "100.00",
    balance: str | None = None,
    currency: str = "USD",
    number: str = "INV-000001",
    invoice_date: date = date(2026, 1, 1),
    due_date: date = date(2026, 1, 31),
    invoice_id: str | None = None,
) -> CloudEvent:
    """An `InvoicePosted` CloudEvent as invoice-svc emits it (one line, no tax)."""
    invoice_id = invoice_id or str(uuid.uuid4())
    zero = "0" if currency == "JPY" else "0.00"
    invoice = contracts.InvoiceSnapshot(
        id=invoice_id,
        number=number,
        account_id=account_id,
        legal_entity="q2c Inc",
        invoice_date=invoice_date,
        due_date=due_date,
        currency=currency,
        payment_term="net_30",
        subtotal=total,
        tax_total=zero,
        total=total,
        balance=balance or total,
        lines=[
            contracts.InvoiceLineSnapshot(
                id=str(uuid.uuid4()),
                order_id=str(uuid.uuid4()),
                product_id=str(uuid.uuid4()),
                description="Seat",
                period_start=invoice_date,
                quantity="1",
                amount=total,
                tax_amount=zero,
            )
        ],
    )
    return CloudEvent.new(
        source="/q2c/invoice-svc",
        type="InvoicePosted",
        subject=invoice_id,
        data=contracts.InvoicePosted(invoice=invoice).model_dump(mode="json"),
    )


async def receivable_of(client: httpx.AsyncClient, invoice_id: str) -> dict[str, Any] | None:
    response = await client.get("/v1/receivables", params={"invoice_id": invoice_id})
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    return items[0] if items else None


async def post_invoice(service: Any, settings: Any, event: CloudEvent) -> dict[str, Any]:
    """Publish the event on the real topic and wait until payment-svc has its receivable."""
    await publish(
        settings.kafka_bootstrap_servers,
        settings.topic("q2c.invoices"),
        event,
        key=event.data["invoice"]["account_id"],
    )
    return await eventually(
        lambda: receivable_of(service.client, event.subject),
        message=f"no receivable for invoice {event.subject}",
    )


async def record_payment(
    client: httpx.AsyncClient,
    *,
    account_id: str,
    amount: str,
    currency: str = "USD",
    headers: dict[str, str] | None = None,
    **overrides: Any,
) -> httpx.Response:
    body = {
        "account_id": account_id,
        "amount": amount,
        "currency": currency,
        "method": "bank_transfer",
        "reference": "WIRE-1",
        "received_on": "2026-02-10",
    }
    return await client.post("/v1/payments", json=body | overrides, headers=headers)


def account_event(
    event_type: str = "AccountCreated",
    *,
    account_id: str,
    name: str = "Acme GmbH",
    email: str | None = "billing@acme.example",
    currency: str = "EUR",
    payment_term: str = "net_30",
    time: datetime | None = None,
) -> CloudEvent:
    """An `AccountCreated` / `AccountUpdated` CloudEvent as quote-svc emits it, written at
    `time` (default: now)."""
    account = contracts.AccountSnapshot(
        id=account_id,
        name=name,
        currency=currency,
        email=email,
        billing_address=contracts.BillingAddress(
            line1="Hauptstrasse 1", city="Berlin", postal_code="10115", country="DE"
        ),
        payment_term=payment_term,
        legal_entity="q2c GmbH",
    )
    data = contracts.EVENT_TYPES[event_type](account=account)
    event = CloudEvent.new(
        source="/q2c/quote-svc",
        type=event_type,
        subject=account_id,
        data=data.model_dump(mode="json"),
    )
    return event.model_copy(update={"time": time or datetime.now(UTC)})


async def publish_account_events(settings: Any, *events: CloudEvent) -> None:
    """Publish account events in this order on the real `q2c.accounts` topic, keyed by account."""
    for event in events:
        await publish(
            settings.kafka_bootstrap_servers,
            settings.topic("q2c.accounts"),
            event,
            key=event.data["account"]["id"],
        )


async def announce_account(
    service: Any, settings: Any, account_id: str, *, currency: str = "USD"
) -> None:
    """Tell payment-svc of the account as quote-svc would (`AccountCreated` on the real topic)
    and wait until it knows it: payments of an account it does not know are refused."""
    await publish_account_events(settings, account_event(account_id=account_id, currency=currency))

    async def known() -> bool:
        response = await service.client.get(f"/v1/account-balances/{account_id}")
        return response.status_code == 200

    await eventually(known, message=f"account {account_id} did not reach payment-svc")


def credit_note_issued(
    *,
    account_id: str,
    total: str,
    invoice_id: str | None = None,
    invoice_balance: str | None = None,
    currency: str = "USD",
    number: str = "CN-000001",
    issue_date: date = date(2026, 2, 15),
    credit_note_id: str | None = None,
) -> CloudEvent:
    """A `CreditNoteIssued` CloudEvent as invoice-svc emits it (one line, no tax); without
    `invoice_id`, an invoice run's credit note of the account."""
    credit_note_id = credit_note_id or str(uuid.uuid4())
    zero = "0" if currency == "JPY" else "0.00"
    credit_note = contracts.CreditNoteSnapshot(
        id=credit_note_id,
        number=number,
        account_id=account_id,
        legal_entity="q2c Inc",
        invoice_id=invoice_id,
        invoice_number="INV-000001" if invoice_id else None,
        issue_date=issue_date,
        currency=currency,
        reason="Goodwill",
        subtotal=total,
        tax_total=zero,
        total=total,
        lines=[
            contracts.CreditNoteLineSnapshot(
                id=str(uuid.uuid4()),
                description="Seat",
                quantity="1",
                amount=total,
                tax_amount=zero,
            )
        ],
    )
    data = contracts.CreditNoteIssued(credit_note=credit_note, invoice_balance=invoice_balance)
    return CloudEvent.new(
        source="/q2c/invoice-svc",
        type="CreditNoteIssued",
        subject=credit_note_id,
        data=data.model_dump(mode="json"),
    )


async def received_credit_note(
    client: httpx.AsyncClient, credit_note_id: str, account_id: str
) -> dict[str, Any] | None:
    response = await client.get("/v1/received-credit-notes", params={"account_id": account_id})
    assert response.status_code == 200, response.text
    return next(
        (item for item in response.json()["items"] if item["credit_note_id"] == credit_note_id),
        None,
    )


async def issue_credit_note(service: Any, settings: Any, event: CloudEvent) -> dict[str, Any]:
    """Publish the event on the real topic and wait until payment-svc recorded the credit note."""
    account_id = event.data["credit_note"]["account_id"]
    await publish(
        settings.kafka_bootstrap_servers, settings.topic("q2c.invoices"), event, key=account_id
    )
    return await eventually(
        lambda: received_credit_note(service.client, event.subject, account_id),
        message=f"credit note {event.subject} was not received",
    )
