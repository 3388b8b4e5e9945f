"""`q2c-dev demo`: one customer from quote to paid invoice, over the running suite's HTTP APIs.

Every step is a real call to quote-svc, order-svc, invoice-svc or payment-svc; the steps that
cross services wait for the broker to carry the event (QuoteAccepted, OrderActivated,
InvoicePosted, PaymentAllocated) and say so.
"""

import argparse
import os
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import httpx

from q2c_devstack.stack import SERVICES

BASE_URLS = {service.name: service.base_url for service in SERVICES}


class DemoError(RuntimeError):
    pass


class Demo:
    def __init__(self, api_key: str, *, timeout: float) -> None:
        self.timeout = timeout
        self.clients = {
            name: httpx.Client(
                base_url=url, timeout=10, headers={"Authorization": f"Bearer {api_key}"}
            )
            for name, url in BASE_URLS.items()
        }
        self.step_number = 0

    def step(self, title: str) -> None:
        self.step_number += 1
        print(f"\n{self.step_number}. {title}")

    def show(self, label: str, value: Any) -> None:
        print(f"     {label:<22} {value}")

    def call(self, service: str, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self.clients[service].request(method, path, **kwargs)
        except httpx.ConnectError:
            raise DemoError(
                f"{service}-svc is not answering on {BASE_URLS[service]}: "
                "start the suite first with `make run`"
            ) from None
        if response.status_code >= 400:
            raise DemoError(
                f"{method} {path} on {service}-svc -> {response.status_code}: {response.text}"
            )
        return response.json()

    def wait_for(self, what: str, probe: Callable[[], Any]) -> Any:
        print(f"     ... waiting for {what}", end="", flush=True)
        started = time.monotonic()
        while time.monotonic() - started < self.timeout:
            result = probe()
            if result:
                print(f" ({time.monotonic() - started:.1f}s)")
                return result
            time.sleep(0.2)
        raise DemoError(f"gave up waiting {self.timeout:.0f}s for {what}")

    def first_item(self, service: str, path: str) -> Any:
        items = self.call(service, "GET", path)["items"]
        return items[0] if items else None

    def run(self, today: date) -> None:
        suffix = uuid.uuid4().hex[:6]
        self.step("quote-svc: a customer, a product and its price")
        account = self.call(
            "quote",
            "POST",
            "/v1/accounts",
            json={
                "name": f"Demo Customer {suffix}",
                "currency": "USD",
                "email": "ap@demo.example",
                "payment_term": "net_30",
                "legal_entity": "q2c Inc",
                "billing_address": {
                    "line1": "1 Main St",
                    "city": "Austin",
                    "region": "TX",
                    "postal_code": "78701",
                    "country": "US",
                },
            },
        )
        book = self.call(
            "quote", "POST", "/v1/price-books", json={"name": "Standard USD", "currency": "USD"}
        )
        product = self.call(
            "quote",
            "POST",
            "/v1/products",
            json={
                "sku": f"SEAT-{suffix}",
                "name": "Pro seat",
                "charge_type": "recurring",
                "billing_type": "advance",
                "billing_frequency": "monthly",
                "tax_code": "SAAS",
            },
        )
        self.call(
            "quote",
            "POST",
            f"/v1/price-books/{book['id']}/entries",
            json={"product_id": product["id"], "unit_price": "31.00", "pricing_model": "per_unit"},
        )
        self.show("account", f"{account['name']} ({account['id']})")
        self.show("product", f"{product['sku']} at 31.00 USD per seat per month")

        self.step("quote-svc: a 12-month quote for 5 seats, billed on the 1st")
        quote = self.call(
            "quote",
            "POST",
            "/v1/quotes",
            json={
                "account_id": account["id"],
                "price_book_id": book["id"],
                "start_date": today.isoformat(),
                "term_months": 12,
                "billing_day_of_month": 1,
                "lines": [{"product_id": product["id"], "quantity": "5", "discount_percent": "10"}],
            },
        )
        line = quote["lines"][0]
        self.show("quote", f"{quote['number']} {quote['start_date']} .. {quote['end_date']}")
        self.show("line", f"5 x {line['list_unit_price']} less 10% = {line['monthly_amount']}/mo")
        self.show("total contract value", quote["total_contract_value"])
        submitted = self.call("quote", "POST", f"/v1/quotes/{quote['id']}/submit")
        self.show("submitted", submitted["status"])
        accepted = self.call("quote", "POST", f"/v1/quotes/{quote['id']}/accept")
        self.show("accepted", f"{accepted['status']} -> QuoteAccepted on q2c.quotes")

        self.step("order-svc: the order from QuoteAccepted, activated into a contract")
        order = self.wait_for(
            "the order (QuoteAccepted through the broker)",
            lambda: self.first_item("order", f"/v1/orders?quote_id={quote['id']}"),
        )
        self.show("order", f"{order['number']} ({order['status']})")
        order = self.call("order", "POST", f"/v1/orders/{order['id']}/activate")
        contract = self.call("order", "GET", f"/v1/contracts/{order['contract_id']}")
        self.show("activated", f"contract {contract['number']} -> OrderActivated on q2c.orders")

        self.step("invoice-svc: the billing schedule from OrderActivated")
        schedule = self.wait_for(
            "the billing schedule",
            lambda: self.first_item("invoice", f"/v1/billing-schedules?order_id={order['id']}"),
        )
        for period in schedule["periods"][:3]:
            self.show(
                f"{period['period_start']}..{period['period_end']}",
                f"{period['amount']} billable {period['billable_date']}",
            )
        self.show("...", f"{len(schedule['periods'])} periods in all")

        self.step(f"invoice-svc: an invoice run for {today.isoformat()}, posting its invoices")
        run = self.call(
            "invoice",
            "POST",
            "/v1/invoice-runs",
            json={"target_date": today.isoformat(), "account_ids": [account["id"]], "post": True},
        )
        run = self.wait_for(
            "the invoice run",
            lambda: (
                lambda current: current if current["status"] in ("completed", "failed") else None
            )(self.call("invoice", "GET", f"/v1/invoice-runs/{run['id']}")),
        )
        if run["status"] != "completed":
            raise DemoError(f"the invoice run failed: {run}")
        invoice = self.first_item("invoice", f"/v1/invoices?account_id={account['id']}")
        self.show(
            "invoice",
            f"{invoice['number']} total {invoice['total']} {invoice['currency']}"
            f", due {invoice['due_date']} -> InvoicePosted on q2c.invoices",
        )

        self.step("payment-svc: the receivable from InvoicePosted, then the customer pays")
        receivable = self.wait_for(
            "the receivable",
            lambda: self.first_item("payment", f"/v1/receivables?invoice_id={invoice['id']}"),
        )
        self.show("receivable", f"balance {receivable['balance']}")
        payment = self.call(
            "payment",
            "POST",
            "/v1/payments",
            json={
                "account_id": account["id"],
                "amount": invoice["total"],
                "currency": "USD",
                "method": "bank_transfer",
                "reference": f"WIRE-{suffix}",
                "received_on": today.isoformat(),
            },
        )
        self.show(
            "payment",
            f"{payment['amount']} allocated {payment['allocated']}"
            " -> PaymentAllocated on q2c.payments",
        )

        self.step("invoice-svc: the invoice learns it is paid")
        paid = self.wait_for(
            "the invoice to be paid",
            lambda: (lambda current: current if current["payment_status"] == "paid" else None)(
                self.call("invoice", "GET", f"/v1/invoices/{invoice['id']}")
            ),
        )
        self.show(
            "invoice", f"{paid['number']} {paid['payment_status']}, balance {paid['balance']}"
        )
        print("\nQuote to cash: done.")


def _api_key(var_dir: Path) -> str:
    keys = os.environ.get("Q2C_API_KEYS", "")
    if keys.strip():
        return keys.split(",")[0].strip()
    key_file = var_dir / "api-key"
    if key_file.is_file():
        return key_file.read_text().strip()
    raise DemoError(
        f"no API key: set Q2C_API_KEYS or start the suite with `make run` (it writes {key_file})"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="q2c-dev demo",
        description="Walk one customer from quote to paid invoice against a running suite "
        "(`make run` in another terminal), printing each step.",
    )
    parser.add_argument(
        "--var-dir",
        type=Path,
        default=Path("var"),
        help="where `make run` keeps the API key (default: ./var)",
    )
    parser.add_argument(
        "--date",
        type=date.fromisoformat,
        default=date.today(),
        help="the quote's start date and the invoice run's date (default: today)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        help="seconds to wait for each event to cross the broker",
    )
    args = parser.parse_args(argv)
    try:
        Demo(_api_key(args.var_dir), timeout=args.timeout).run(args.date)
    except DemoError as error:
        print(f"\ndemo stopped: {error}", file=sys.stderr)
        return 1
    return 0
