"""quote-svc's event writers (events.py) against the contract models and the rows they read.

Each event quote-svc emits is taken from the outbox as it would be published, read back through
its model in `q2c_shared.events.contracts`, and compared field by field with the rows it was
built from: every field the contract and the row share must arrive, whether or not the public
API shows it (the line's `tax_code` does not, and was once lost on its way to the invoice).
"""

import uuid
from typing import Any

from factories import create_account, create_price_book, create_priced_product
from pydantic import BaseModel
from sqlalchemy import select

from q2c_shared.events import contracts
from q2c_shared.outbox import OutboxEvent
from quote_svc.models import Account, Quote, QuoteLine


def _missing_fields(snapshot: BaseModel, row: Any) -> dict[str, tuple[Any, Any]]:
    """The contract fields the row also has whose value did not arrive: name -> (row, event)."""
    missing = {}
    for name in type(snapshot).model_fields:
        if not hasattr(row, name):
            continue
        expected = getattr(row, name)
        if isinstance(expected, uuid.UUID):
            expected = str(expected)
        arrived = getattr(snapshot, name)
        if isinstance(arrived, BaseModel):
            arrived = arrived.model_dump(exclude_none=True)
            expected = {key: value for key, value in (expected or {}).items() if value is not None}
        if arrived != expected:
            missing[name] = (expected, arrived)
    return missing


async def _outbox(service, event_type: str) -> list[dict[str, Any]]:
    async with service.database.transaction() as session:
        rows = await session.scalars(
            select(OutboxEvent)
            .where(OutboxEvent.event_type == event_type)
            .order_by(OutboxEvent.created_at)
        )
        return [row.envelope for row in rows]


async def test_quote_accepted_carries_every_billing_field_of_its_lines(service):
    account = await create_account(service.client)
    payer = await create_account(service.client, name="Acme Payables")
    book = await create_price_book(service.client)
    seat = await create_priced_product(service.client, book["id"], sku="seat", unit_price="30.00")
    setup = await create_priced_product(
        service.client, book["id"], sku="setup", unit_price="500.00", charge_type="one_time"
    )
    created = await service.client.post(
        "/v1/quotes",
        json={
            "account_id": account["id"],
            "price_book_id": book["id"],
            "start_date": "2026-02-01",
            "term_months": 12,
            "billing_day_of_month": 1,
            "po_number": "PO-11",
            "lines": [
                {"product_id": seat["id"], "quantity": "2", "discount_percent": "10"},
                {
                    "product_id": setup["id"],
                    "quantity": "1",
                    "billing_account_id": payer["id"],
                    "invoice_grouping": "invoice_group_id",
                    "invoice_group_id": "onboarding",
                },
            ],
        },
    )
    quote_id = created.json()["id"]
    await service.client.post(f"/v1/quotes/{quote_id}/submit")
    accepted = await service.client.post(f"/v1/quotes/{quote_id}/accept")
    assert accepted.status_code == 200, accepted.text

    [envelope] = await _outbox(service, "QuoteAccepted")
    event = contracts.QuoteAccepted.model_validate(envelope["data"])
    async with service.database.transaction() as session:
        quote = await session.get(Quote, uuid.UUID(quote_id))
        lines = list(
            await session.scalars(
                select(QuoteLine).where(QuoteLine.quote_id == quote.id).order_by(QuoteLine.position)
            )
        )
        customer = await session.get(Account, uuid.UUID(account["id"]))

    # The product's tax category reaches the order, so the invoice is taxed (issue 11).
    assert [line.tax_code for line in event.quote.lines] == ["SAAS", "SAAS"]
    assert _missing_fields(event.quote, quote) == {}
    assert [line.id for line in event.quote.lines] == [str(line.id) for line in lines]
    for snapshot, line in zip(event.quote.lines, lines, strict=True):
        assert _missing_fields(snapshot, line) == {}
    assert event.quote.lines[1].billing_account_id == payer["id"]
    assert event.quote.lines[1].invoice_group_id == "onboarding"
    assert _missing_fields(event.account, customer) == {}


async def test_account_events_carry_the_whole_account(service):
    account = await create_account(service.client, tax_exempt=True, legal_entity="q2c GmbH")
    changed = await service.client.patch(
        f"/v1/accounts/{account['id']}",
        json={
            "payment_term": "net_60",
            "billing_address": {"line1": "2 Pier", "city": "Oakland", "country": "US"},
        },
    )
    assert changed.status_code == 200, changed.text

    created_envelope, updated_envelope = [
        *await _outbox(service, "AccountCreated"),
        *await _outbox(service, "AccountUpdated"),
    ]
    created = contracts.AccountCreated.model_validate(created_envelope["data"])
    updated = contracts.AccountUpdated.model_validate(updated_envelope["data"])
    async with service.database.transaction() as session:
        row = await session.get(Account, uuid.UUID(account["id"]))

    assert created.account.tax_exempt is True
    assert created.account.payment_term == "net_30"
    assert updated.account.payment_term == "net_60"
    assert updated.account.billing_address.city == "Oakland"
    assert _missing_fields(updated.account, row) == {}
