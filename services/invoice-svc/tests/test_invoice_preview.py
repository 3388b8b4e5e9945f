"""`POST /v1/invoices/preview` over HTTP: the invoices the next run then bills and posts, to the
cent and line by line (split and taxed), of pending periods and of an order that does not
exist yet; and nothing written."""

import json
import uuid
from typing import Any

from factories import (
    account_event,
    activate_orders,
    invoices_of,
    order_activated,
    order_product,
    publish_account_events,
    run_invoices,
    setup_fee,
)
from sqlalchemy import func, select

from invoice_svc.models import BillToAccount, CreditNote, Invoice
from q2c_shared.outbox import OutboxEvent
from q2c_shared.testing.waiting import eventually

LINE_FIELDS = (
    "order_id",
    "order_product_id",
    "product_id",
    "description",
    "period_start",
    "period_end",
    "quantity",
    "amount",
    "tax_rate_percent",
    "tax_amount",
)
INVOICE_FIELDS = (
    "account_id",
    "legal_entity",
    "currency",
    "payment_term",
    "invoice_date",
    "due_date",
    "subtotal",
    "tax_total",
    "total",
    "grouping",
)


async def _taxed_bill_to(service, settings, *, rate: str = "19") -> tuple[str, str]:
    """A Berlin bill-to in the read model, and a tax code of the test's own taxed there."""
    tax_code = f"SAAS-{uuid.uuid4().hex[:8]}"
    created = await service.client.post(
        "/v1/tax-rates", json={"country": "DE", "tax_code": tax_code, "rate_percent": rate}
    )
    assert created.status_code == 201, created.text
    account_id = str(uuid.uuid4())
    await publish_account_events(settings, account_event(account_id=account_id))

    async def recorded():
        async with service.database.transaction() as session:
            return await session.get(BillToAccount, uuid.UUID(account_id))

    await eventually(recorded, message=f"account {account_id} did not reach the read model")
    return account_id, tax_code


async def _written(service) -> tuple[int, int, int]:
    """How many invoices, credit notes and outbox events there are."""
    async with service.database.transaction() as session:
        return tuple(
            [
                await session.scalar(select(func.count()).select_from(table))
                for table in (Invoice, CreditNote, OutboxEvent)
            ]
        )


async def _preview(client, **body: Any) -> list[dict[str, Any]]:
    response = await client.post("/v1/invoices/preview", json=body)
    assert response.status_code == 200, response.text
    return response.json()["items"]


def _comparable(invoice: dict[str, Any]) -> tuple[Any, ...]:
    """An invoice as the preview and the run both show it: its fields and its lines'."""
    return (
        tuple(json.dumps(invoice[name], sort_keys=True) for name in INVOICE_FIELDS),
        tuple(tuple(line[name] for name in LINE_FIELDS) for line in invoice["lines"]),
    )


def _split_and_taxed_order(account_id: str, tax_code: str, payer: str):
    """A taxed seat and a support line on one invoice, a setup fee on one of its own
    (`separate`), and a training billed to another account (`payer`)."""
    return order_activated(
        account_id=account_id,
        legal_entity=f"Seller {uuid.uuid4()}",
        po_number="PO-7",
        products=[
            order_product(tax_code=tax_code, quantity="3", monthly_amount="93.00"),
            order_product(tax_code=None, sku="support", product_name="Support"),
            setup_fee(tax_code=tax_code, invoice_grouping="separate"),
            setup_fee(sku="training", product_name="Training", billing_account_id=payer),
        ],
    )


async def test_a_preview_is_what_the_next_run_bills_and_writes_nothing(service, settings):
    account_id, tax_code = await _taxed_bill_to(service, settings)
    payer = str(uuid.uuid4())
    order = _split_and_taxed_order(account_id, tax_code, payer)
    await activate_orders(service.client, settings, order)
    before = await _written(service)

    by_account = await _preview(service.client, account_id=account_id, target_date="2026-02-01")
    by_order = await _preview(service.client, order_id=order.subject, target_date="2026-02-01")

    assert await _written(service) == before
    assert len(by_account) == 2  # the seat and support together, the setup fee apart
    assert [invoice["number"] for invoice in by_account] == [None, None]
    seat_invoice = next(invoice for invoice in by_account if len(invoice["lines"]) == 4)
    assert (seat_invoice["subtotal"], seat_invoice["tax_total"], seat_invoice["total"]) == (
        "192.00",  # 51.00 + 93.00 seats (Jan 15-31, February), 17.00 + 31.00 support
        "27.36",  # 9.69 + 17.67 on the seats, rounded per line; none on support
        "219.36",
    )
    assert {invoice["account_id"] for invoice in by_order} == {account_id, payer}
    assert len(by_order) == 3

    run = await run_invoices(
        service.client, target_date="2026-02-01", account_ids=[account_id, payer], post=True
    )
    billed = await invoices_of(service.client, invoice_run_id=run["id"])

    assert {invoice["status"] for invoice in billed} == {"posted"}
    assert sorted(map(_comparable, by_order)) == sorted(map(_comparable, billed))
    assert sorted(map(_comparable, by_account)) == sorted(
        _comparable(invoice) for invoice in billed if invoice["account_id"] == account_id
    )
    assert await _preview(service.client, order_id=order.subject, target_date="2026-02-01") == []


async def test_a_proposed_order_previews_the_invoices_its_activation_then_bills(service, settings):
    """A quote's first invoices, before any order exists: the same order activated and run
    bills exactly them."""
    account_id, tax_code = await _taxed_bill_to(service, settings, rate="7.25")
    payer = str(uuid.uuid4())
    order = _split_and_taxed_order(account_id, tax_code, payer)
    header = order.data["order"]
    proposed = {
        "id": header["id"],
        **{
            name: header[name]
            for name in (
                "account_id",
                "billing_account_id",
                "currency",
                "payment_term",
                "po_number",
                "legal_entity",
                "billing_day_of_month",
            )
        },
        "contract_number": order.data["contract"]["number"],
        "order_products": header["order_products"],
    }
    before = await _written(service)

    previewed = await _preview(service.client, target_date="2026-02-01", proposed_order=proposed)

    assert await _written(service) == before
    assert len(previewed) == 3
    rates = {
        (line["description"], line["tax_rate_percent"])
        for invoice in previewed
        for line in invoice["lines"]
    }
    # Taxed by the bill-to's rate: not the support (no tax code) nor the training (its payer
    # has no known address).
    assert rates == {("Seat", "7.25"), ("Setup", "7.25"), ("Support", None), ("Training", None)}
    await activate_orders(service.client, settings, order)
    run = await run_invoices(
        service.client, target_date="2026-02-01", account_ids=[account_id, payer], post=True
    )
    billed = await invoices_of(service.client, invoice_run_id=run["id"])
    assert sorted(map(_comparable, previewed)) == sorted(map(_comparable, billed))


async def test_a_proposed_order_without_ids_shows_none(service):
    product = order_product(tax_code=None)
    del product["id"]

    (invoice,) = await _preview(
        service.client,
        target_date="2026-01-15",
        proposed_order={
            "account_id": str(uuid.uuid4()),
            "currency": "USD",
            "billing_day_of_month": 1,
            "order_products": [product],
        },
    )

    assert [(line["order_id"], line["order_product_id"]) for line in invoice["lines"]] == [
        (None, None)
    ]
    assert [line["amount"] for line in invoice["lines"]] == ["17.00"]  # Jan 15-31 of 31.00


async def test_more_invoices_than_a_preview_holds_are_refused(service, settings):
    account_id = str(uuid.uuid4())
    await activate_orders(service.client, settings, order_activated(account_id=account_id))
    separate_fees = [
        setup_fee(invoice_grouping="separate", amount="1.00", net_unit_price="1.00")
        for _ in range(1000)
    ]

    response = await service.client.post(
        "/v1/invoices/preview",
        json={
            "account_id": account_id,
            "target_date": "2026-02-01",
            "proposed_order": {
                "account_id": account_id,
                "currency": "USD",
                "order_products": separate_fees,
            },
        },
    )

    assert response.status_code == 422, response.text
    assert response.json()["code"] == "preview_too_large"


async def test_out_of_bounds_previews_are_422_problems(service):
    proposed = {
        "account_id": str(uuid.uuid4()),
        "currency": "USD",
        "order_products": [order_product()],
    }
    too_many = proposed | {"order_products": [order_product()] * 1001}
    recurring_without_end = proposed | {"order_products": [order_product(end_date=None)]}
    too_big = proposed | {"order_products": [order_product(monthly_amount="1" * 19)]}

    for body in (
        {"target_date": "2200-01-01"},
        {"target_date": "2026-01-01", "proposed_order": too_many},
        {"target_date": "2026-01-01", "proposed_order": recurring_without_end},
        {"target_date": "2026-01-01", "proposed_order": too_big},
    ):
        response = await service.client.post("/v1/invoices/preview", json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.headers["content-type"] == "application/problem+json"
