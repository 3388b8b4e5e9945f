"""`POST /v1/invoices/preview` of a proposed amendment over HTTP: cut on the period grid of the
subscription it changes (given its start), it previews to the cent the invoice or the credit
note a run then makes of the real amendment order, and writes nothing."""

import json
import uuid
from typing import Any

from factories import (
    activate_orders,
    invoices_of,
    order_activated,
    order_product,
    run_invoices,
)
from test_invoice_preview import _comparable, _taxed_bill_to, _written

SUBSCRIPTION_START = "2026-02-01"
CHANGED_FROM = "2026-05-16"
END = "2027-01-31"
CREDIT_NOTE_FIELDS = (
    "account_id",
    "legal_entity",
    "currency",
    "invoice_id",
    "reason",
    "issue_date",
    "subtotal",
    "tax_total",
    "total",
    "grouping",
)
CREDIT_LINE_FIELDS = (
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


async def _billed_quarterly_seats(service, settings):
    """Issue 11's subscription: 2 seats at 30.00/month, quarterly on the 1st from 2026-02-01,
    taxed at 7.25%; the 05-01 run has billed it up to 07-31."""
    account_id, tax_code = await _taxed_bill_to(service, settings, rate="7.25")
    subscription_id, contract_id = str(uuid.uuid4()), str(uuid.uuid4())
    seats = order_product(
        tax_code=tax_code,
        billing_frequency="quarterly",
        quantity="2",
        net_unit_price="30.00",
        monthly_amount="60.00",
        start_date=SUBSCRIPTION_START,
        end_date=END,
    )
    original = order_activated(account_id=account_id, contract_id=contract_id, products=[seats])
    await activate_orders(service.client, settings, original)
    await run_invoices(
        service.client, target_date="2026-05-01", account_ids=[account_id], post=True
    )
    subscription = {
        "id": subscription_id,
        "product_id": seats["product_id"],
        "quantity": "2",
        "net_unit_price": "30.00",
        "start_date": SUBSCRIPTION_START,
        "end_date": END,
    }
    return account_id, contract_id, seats, subscription


def _amendment(account_id, contract_id, seats, subscription, *, delta: int):
    """The seats changed by `delta` from 05-16 to the end, as order-svc activates it."""
    return order_activated(
        account_id=account_id,
        contract_id=contract_id,
        order_type="amendment",
        subscriptions=[subscription],
        products=[
            order_product(
                product_id=seats["product_id"],
                tax_code=seats["tax_code"],
                subscription_id=subscription["id"],
                billing_frequency="quarterly",
                quantity=str(delta),
                net_unit_price="30.00",
                monthly_amount=f"{30 * delta}.00",
                start_date=CHANGED_FROM,
                end_date=END,
            )
        ],
    )


def _proposed(amendment, *, subscription_start_date: str | None) -> dict[str, Any]:
    """The amendment order before it exists, as a quote sends it, with its subscription's start."""
    header = amendment.data["order"]
    return {
        "id": header["id"],
        **{
            name: header[name]
            for name in ("account_id", "currency", "payment_term", "legal_entity")
        },
        "billing_day_of_month": header["billing_day_of_month"],
        "contract_number": amendment.data["contract"]["number"],
        "order_products": [
            product | {"subscription_start_date": subscription_start_date}
            for product in header["order_products"]
        ],
    }


async def _preview(client, **body: Any) -> dict[str, Any]:
    response = await client.post("/v1/invoices/preview", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def _comparable_note(note: dict[str, Any]) -> tuple[Any, ...]:
    return (
        tuple(json.dumps(note[name], sort_keys=True) for name in CREDIT_NOTE_FIELDS),
        tuple(tuple(line[name] for name in CREDIT_LINE_FIELDS) for line in note["lines"]),
    )


async def test_a_previewed_decrease_is_the_credit_note_the_run_then_issues(service, settings):
    account_id, contract_id, seats, subscription = await _billed_quarterly_seats(service, settings)
    amendment = _amendment(account_id, contract_id, seats, subscription, delta=-1)
    before = await _written(service)

    previewed = await _preview(
        service.client,
        account_id=account_id,
        target_date=CHANGED_FROM,
        proposed_order=_proposed(amendment, subscription_start_date=SUBSCRIPTION_START),
    )
    on_a_grid_of_its_own = await _preview(
        service.client,
        account_id=account_id,
        target_date=CHANGED_FROM,
        proposed_order=_proposed(amendment, subscription_start_date=None),
    )

    assert await _written(service) == before
    assert previewed["items"] == []
    (note,) = previewed["credit_notes"]
    assert (note["number"], note["status"], note["invoice_id"]) == (None, "draft", None)
    # The unused part of the May-July quarter already billed: 30.00 x 3 x 77/92, taxed 7.25%.
    assert [
        (line["period_start"], line["period_end"], line["quantity"], line["amount"])
        for line in note["lines"]
    ] == [("2026-05-16", "2026-07-31", "1", "75.33")]
    assert (note["subtotal"], note["tax_total"], note["total"]) == ("75.33", "5.46", "80.79")
    # Without the subscription's start the change starts a grid of its own at 05-16.
    (own_grid,) = on_a_grid_of_its_own["credit_notes"]
    assert [line["period_end"] for line in own_grid["lines"]] == ["2026-05-31"]

    await activate_orders(service.client, settings, amendment)
    run = await run_invoices(
        service.client, target_date=CHANGED_FROM, account_ids=[account_id], post=True
    )
    assert (run["invoices_created"], run["credit_notes_created"]) == (0, 1)
    notes = await service.client.get(
        "/v1/credit-notes", params={"account_id": account_id, "limit": 10}
    )
    (issued,) = notes.json()["items"]
    assert issued["status"] == "issued"
    assert _comparable_note(note) == _comparable_note(issued)


async def test_a_previewed_increase_is_the_invoice_the_run_then_bills(service, settings):
    account_id, contract_id, seats, subscription = await _billed_quarterly_seats(service, settings)
    amendment = _amendment(account_id, contract_id, seats, subscription, delta=1)
    before = await _written(service)

    previewed = await _preview(
        service.client,
        account_id=account_id,
        target_date=CHANGED_FROM,
        proposed_order=_proposed(amendment, subscription_start_date=SUBSCRIPTION_START),
    )

    assert await _written(service) == before
    assert previewed["credit_notes"] == []
    (invoice,) = previewed["items"]
    assert [(line["period_end"], line["amount"]) for line in invoice["lines"]] == [
        ("2026-07-31", "75.33")
    ]
    await activate_orders(service.client, settings, amendment)
    run = await run_invoices(
        service.client, target_date=CHANGED_FROM, account_ids=[account_id], post=True
    )
    (billed,) = await invoices_of(service.client, invoice_run_id=run["id"])
    assert _comparable(invoice) == _comparable(billed)


async def test_a_subscription_starting_after_its_change_is_a_422_problem(service):
    product = order_product(start_date="2026-05-16", subscription_start_date="2026-05-17")

    response = await service.client.post(
        "/v1/invoices/preview",
        json={
            "target_date": "2026-05-16",
            "proposed_order": {
                "account_id": str(uuid.uuid4()),
                "currency": "USD",
                "order_products": [product],
            },
        },
    )

    assert response.status_code == 422, response.text
    assert "subscription_start_date" in response.text
