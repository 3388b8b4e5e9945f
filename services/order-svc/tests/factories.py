"""Builders of order-svc inputs: QuoteAccepted events and direct orders."""

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from q2c_shared.events import contracts
from q2c_shared.events.envelope import CloudEvent


def quote_accepted(
    *,
    account_id: str | None = None,
    start_date: date = date(2026, 1, 15),
    end_date: date = date(2027, 1, 14),
    payment_term: str = "net_30",
    lines: list[dict[str, Any]] | None = None,
    quote_type: str = "new",
    contract_id: str | None = None,
    billing_day_of_month: int | None = 1,
) -> CloudEvent:
    """A QuoteAccepted event; by default a new quote of 10 seats at 31.00 a month for a year."""
    account_id = account_id or str(uuid.uuid4())
    line_defaults = {
        "id": str(uuid.uuid4()),
        "product_id": str(uuid.uuid4()),
        "sku": "seat",
        "product_name": "Seat",
        "charge_type": "recurring",
        "billing_type": "advance",
        "billing_frequency": "monthly",
        "quantity": "10",
        "list_unit_price": "31.00",
        "net_unit_price": "31.00",
        "monthly_amount": "310.00",
        "net_total": "3720.00",
    }
    quote = contracts.QuoteSnapshot(
        id=str(uuid.uuid4()),
        number="Q-000001",
        type=quote_type,
        contract_id=contract_id,
        account_id=account_id,
        price_book_id=str(uuid.uuid4()),
        currency="USD",
        start_date=start_date,
        end_date=end_date,
        term_months=12,
        billing_day_of_month=billing_day_of_month,
        payment_term=payment_term,
        legal_entity="q2c Inc",
        po_number="PO-7",
        one_time_total="0.00",
        monthly_recurring_total="310.00",
        total_contract_value="3720.00",
        lines=[contracts.QuoteLineSnapshot(**(line_defaults | line)) for line in lines or [{}]],
    )
    data = contracts.QuoteAccepted(
        quote=quote,
        account=contracts.AccountSnapshot(
            id=account_id, name="Acme", currency="USD", payment_term=payment_term
        ),
    )
    return CloudEvent.new(
        source="/q2c/quote-svc",
        type="QuoteAccepted",
        subject=quote.id,
        data=data.model_dump(mode="json"),
    )


def direct_order(**overrides: Any) -> dict[str, Any]:
    return {
        "account_id": str(uuid.uuid4()),
        "currency": "USD",
        "start_date": "2026-03-01",
        "term_months": 12,
        "payment_term": "net_15",
        "order_products": [
            {
                "product_id": str(uuid.uuid4()),
                "sku": "seat",
                "product_name": "Seat",
                "charge_type": "recurring",
                "quantity": "3",
                "net_unit_price": "19.99",
            },
            {
                "product_id": str(uuid.uuid4()),
                "sku": "setup",
                "product_name": "Setup",
                "charge_type": "one_time",
                "quantity": "1",
                "net_unit_price": "250.00",
            },
        ],
    } | overrides


def quote_line(**overrides: Any) -> dict[str, Any]:
    """A quote line of `quote_accepted`, with fresh ids."""
    return {"id": str(uuid.uuid4()), "product_id": str(uuid.uuid4())} | overrides


def subscription_change(subscription: dict[str, Any], *, quantity: str) -> dict[str, Any]:
    """An amendment line: the subscription's new total, priced as the delta at its price."""
    delta = Decimal(quantity) - Decimal(subscription["quantity"])
    price = Decimal(subscription["net_unit_price"])
    return {
        "product_id": subscription["product_id"],
        "sku": subscription["sku"],
        "subscription_id": subscription["id"],
        "quantity": quantity,
        "quantity_delta": str(delta),
        "list_unit_price": str(price),
        "net_unit_price": str(price),
        "monthly_amount": str(price * delta),
        "net_total": "0.00",
    }
