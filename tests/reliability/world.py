"""What the reliability tests need to exist first, made through the front door: accounts,
a catalog, quotes, orders, posted invoices and their receivables. Small keyword-only helpers
over the running stack's HTTP APIs (the `suite` fixture of tests/conftest.py)."""

import uuid
from typing import Any

import httpx

from q2c_shared.testing.waiting import eventually

ADDRESS = {"line1": "1 Main St", "city": "Austin", "region": "TX", "country": "US"}
PROBLEM = "application/problem+json"


async def created(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(path, json=body)
    assert response.status_code in (200, 201), f"POST {path}: {response.text}"
    return response.json()


async def items(client: httpx.AsyncClient, path: str, **params: Any) -> list[dict[str, Any]]:
    """Every item of a list, all pages."""
    found: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = params | ({"cursor": cursor} if cursor else {})
        response = await client.get(path, params=query)
        assert response.status_code == 200, f"GET {path}: {response.text}"
        page = response.json()
        found += page["items"]
        cursor = page.get("next_cursor")
        if not cursor:
            return found


async def account(quote_svc: httpx.AsyncClient, *, name: str = "Reliable Inc") -> dict[str, Any]:
    return await created(
        quote_svc,
        "/v1/accounts",
        {
            "name": name,
            "currency": "USD",
            "email": "ap@reliable.example",
            "payment_term": "net_30",
            "legal_entity": "q2c Inc",
            "billing_address": ADDRESS,
        },
    )


async def product(quote_svc: httpx.AsyncClient, *, charge_type: str = "recurring") -> dict:
    return await created(
        quote_svc,
        "/v1/products",
        {
            "sku": f"rel-{uuid.uuid4().hex[:12]}",
            "name": "Seat" if charge_type == "recurring" else "Onboarding",
            "charge_type": charge_type,
            "billing_type": "advance",
            "billing_frequency": "monthly" if charge_type == "recurring" else None,
        },
    )


async def price_book(quote_svc: httpx.AsyncClient, prices: list[tuple[dict, str]]) -> dict:
    book = await created(quote_svc, "/v1/price-books", {"name": "USD list", "currency": "USD"})
    for priced, unit_price in prices:
        await created(
            quote_svc,
            f"/v1/price-books/{book['id']}/entries",
            {"product_id": priced["id"], "unit_price": unit_price, "pricing_model": "per_unit"},
        )
    return book


def quote_body(customer: dict, book: dict, lines: list[dict]) -> dict[str, Any]:
    return {
        "account_id": customer["id"],
        "price_book_id": book["id"],
        "start_date": "2026-01-15",
        "term_months": 12,
        "billing_day_of_month": 1,
        "lines": lines,
    }


def order_body(customer: dict, seat: dict, **changes: Any) -> dict[str, Any]:
    """An order made directly (no quote): one seat at 31.00 a month for 12 months."""
    return {
        "account_id": customer["id"],
        "currency": "USD",
        "start_date": "2026-01-15",
        "term_months": 12,
        "billing_day_of_month": 1,
        "order_products": [
            {
                "product_id": seat["id"],
                "sku": seat["sku"],
                "product_name": seat["name"],
                "charge_type": "recurring",
                "billing_type": "advance",
                "billing_frequency": "monthly",
                "quantity": "1",
                "net_unit_price": "31.00",
            }
        ],
    } | changes


async def first(client: httpx.AsyncClient, path: str, **params: Any) -> dict[str, Any] | None:
    response = await client.get(path, params=params)
    assert response.status_code == 200, f"GET {path}: {response.text}"
    found = response.json()["items"]
    return found[0] if found else None


async def finished_run(invoice_svc: httpx.AsyncClient, run_id: str) -> dict[str, Any] | None:
    run = (await invoice_svc.get(f"/v1/invoice-runs/{run_id}")).json()
    return run if run["status"] in ("completed", "failed") else None


async def invoice_run(
    invoice_svc: httpx.AsyncClient, account_ids: list[str], target_date: str, *, post: bool
) -> dict[str, Any]:
    response = await invoice_svc.post(
        "/v1/invoice-runs",
        json={"target_date": target_date, "account_ids": account_ids, "post": post},
    )
    assert response.status_code == 202, response.text
    run = await eventually(lambda: finished_run(invoice_svc, response.json()["id"]), timeout=60)
    assert run["status"] == "completed", run
    return run


async def billed_account(suite, *, name: str) -> dict[str, Any]:
    """An account with an activated order (a seat at 31.00 a month from 2026-01-15, billed on
    the 1st) whose schedule invoice-svc has: ready for an invoice run."""
    async with (
        suite.client("quote") as quote_svc,
        suite.client("order") as order_svc,
        suite.client("invoice") as invoice_svc,
    ):
        customer = await account(quote_svc, name=name)
        seat = await product(quote_svc)
        order = await created(order_svc, "/v1/orders", order_body(customer, seat))
        activated = await order_svc.post(f"/v1/orders/{order['id']}/activate")
        assert activated.status_code == 200, activated.text
        await eventually(
            lambda: first(invoice_svc, "/v1/billing-schedules", order_id=order["id"]), timeout=30
        )
        return customer


async def posted_invoice(suite, *, name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """An account and its posted invoice of 48.00 (17.00 for 15-31 January, 31.00 for
    February), known to payment-svc as an open receivable."""
    customer = await billed_account(suite, name=name)
    async with suite.client("invoice") as invoice_svc, suite.client("payment") as payment_svc:
        await invoice_run(invoice_svc, [customer["id"]], "2026-02-01", post=True)
        invoice = await first(invoice_svc, "/v1/invoices", account_id=customer["id"])
        assert invoice is not None and invoice["total"] == "48.00", invoice
        await eventually(
            lambda: first(payment_svc, "/v1/receivables", invoice_id=invoice["id"]), timeout=30
        )

        async def known(account_id: str) -> bool:
            response = await payment_svc.get(f"/v1/account-balances/{account_id}")
            return response.status_code == 200

        await eventually(lambda: known(customer["id"]), timeout=30)
        return customer, invoice
