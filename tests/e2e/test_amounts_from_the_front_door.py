"""Money through the front door (issue 11): a quote accepted, an amendment accepted, a payment
received, checked to the cent where the amounts end: the invoice, the credit note, the
receivable, the account's balance and the journal."""

import uuid

from test_quote_to_cash import _finished_run, _one, _quoted_and_activated

from q2c_shared.testing.waiting import eventually


async def _created(client, path, body):
    response = await client.post(path, json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def _account(quote_svc, *, name, billing_address):
    return await _created(
        quote_svc,
        "/v1/accounts",
        {
            "name": name,
            "currency": "USD",
            "email": "ap@example.com",
            "payment_term": "net_30",
            "legal_entity": "q2c Inc",
            "billing_address": billing_address,
        },
    )


async def _product(quote_svc, *, charge_type="recurring", frequency="monthly", tax_code=None):
    return await _created(
        quote_svc,
        "/v1/products",
        {
            "sku": f"sku-{uuid.uuid4().hex[:12]}",
            "name": "Seat" if charge_type == "recurring" else "Onboarding",
            "charge_type": charge_type,
            "billing_type": "advance",
            "billing_frequency": frequency if charge_type == "recurring" else None,
            "tax_code": tax_code,
        },
    )


async def _price_book(quote_svc, prices):
    book = await _created(quote_svc, "/v1/price-books", {"name": "USD", "currency": "USD"})
    for product, unit_price in prices:
        await _created(
            quote_svc,
            f"/v1/price-books/{book['id']}/entries",
            {"product_id": product["id"], "unit_price": unit_price, "pricing_model": "per_unit"},
        )
    return book


async def _run(invoice_svc, account_id, target_date, *, post=True):
    response = await invoice_svc.post(
        "/v1/invoice-runs",
        json={"target_date": target_date, "account_ids": [account_id], "post": post},
    )
    assert response.status_code == 202, response.text
    finished = await eventually(lambda: _finished_run(invoice_svc, response.json()["id"]))
    assert finished["status"] == "completed", finished
    return finished


async def _items(client, path, **params):
    response = await client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def test_a_quote_with_taxed_products_is_invoiced_with_tax_to_the_cent(suite):
    async with (
        suite.client("quote") as quote_svc,
        suite.client("order") as order_svc,
        suite.client("invoice") as invoice_svc,
        suite.client("payment") as payment_svc,
    ):
        tax_code = f"standard-{uuid.uuid4().hex[:8]}"
        await _created(
            invoice_svc,
            "/v1/tax-rates",
            {"country": "US", "region": "CA", "tax_code": tax_code, "rate_percent": "7.25"},
        )
        account = await _account(
            quote_svc,
            name="Taxed Inc",
            billing_address={"line1": "1 Market St", "city": "San Francisco", "region": "CA",
                             "postal_code": "94105", "country": "US"},
        )  # fmt: skip
        seat = await _product(quote_svc, tax_code=tax_code)
        onboarding = await _product(quote_svc, charge_type="one_time", tax_code=tax_code)
        book = await _price_book(quote_svc, [(seat, "31.00"), (onboarding, "500.00")])
        quote, order = await _quoted_and_activated(
            quote_svc,
            order_svc,
            {
                "account_id": account["id"],
                "price_book_id": book["id"],
                "start_date": "2026-01-15",
                "term_months": 12,
                "billing_day_of_month": 1,
                "lines": [
                    {"product_id": seat["id"], "quantity": "3", "discount_percent": "10"},
                    {"product_id": onboarding["id"], "quantity": "1"},
                ],
            },
        )
        assert [line["monthly_amount"] for line in quote["lines"]] == ["83.70", None]
        await eventually(
            lambda: _one(invoice_svc, f"/v1/billing-schedules?order_id={order['id']}")
        )

        # A draft first: posting taxes it again from the bill-to's address, so the account's
        # own event reaching invoice-svc after the run cannot leave the invoice untaxed.
        await _run(invoice_svc, account["id"], "2026-02-01", post=False)
        (draft,) = await _items(invoice_svc, "/v1/invoices", account_id=account["id"])
        posted = await invoice_svc.post(f"/v1/invoices/{draft['id']}/post")
        assert posted.status_code == 200, posted.text
        invoice = posted.json()

        lines = sorted(
            (line["period_start"], line["amount"], line["tax_rate_percent"], line["tax_amount"])
            for line in invoice["lines"]
        )
        assert lines == [
            ("2026-01-15", "45.90", "7.25", "3.33"),  # 83.70 x 17/31; 45.90 x 7.25% = 3.33
            ("2026-01-15", "500.00", "7.25", "36.25"),
            ("2026-02-01", "83.70", "7.25", "6.07"),  # 3 x 31.00 less 10%; 6.068 -> 6.07
        ]
        assert (invoice["subtotal"], invoice["tax_total"], invoice["total"]) == (
            "629.60",
            "45.65",
            "675.25",
        )

        receivable = await eventually(
            lambda: _one(payment_svc, f"/v1/receivables?invoice_id={invoice['id']}")
        )
        assert (
            receivable["subtotal"],
            receivable["tax_total"],
            receivable["total"],
            receivable["balance"],
        ) == ("629.60", "45.65", "675.25", "675.25")

        journal = await payment_svc.get(
            "/v1/journal-entries",
            params={"from": "2026-01-01", "to": "2026-12-31", "account_id": account["id"]},
        )
        assert journal.status_code == 200, journal.text
        (entry,) = journal.json()["entries"]
        assert [
            (line["ledger_account_code"], line["debit"], line["credit"]) for line in entry["lines"]
        ] == [("1100", "675.25", "0.00"), ("4000", "0.00", "629.60"), ("2200", "0.00", "45.65")]


async def test_a_quarterly_decrease_credits_exactly_the_unused_billed_days(suite):
    # Issue 11: 2 seats at 30.00/month billed quarterly on the 1st from 2026-02-01 (quarters
    # Feb, May, Aug, Nov); the 05-01 run bills May-July; an amendment to 1 seat from 05-16.
    async with (
        suite.client("quote") as quote_svc,
        suite.client("order") as order_svc,
        suite.client("invoice") as invoice_svc,
        suite.client("payment") as payment_svc,
    ):
        account = await _account(
            quote_svc,
            name="Quarterly Ltd",
            billing_address={"line1": "1 Main St", "city": "Austin", "country": "US"},
        )
        seat = await _product(quote_svc, frequency="quarterly")
        book = await _price_book(quote_svc, [(seat, "30.00")])
        _, first_order = await _quoted_and_activated(
            quote_svc,
            order_svc,
            {
                "account_id": account["id"],
                "price_book_id": book["id"],
                "start_date": "2026-02-01",
                "term_months": 12,
                "billing_day_of_month": 1,
                "lines": [{"product_id": seat["id"], "quantity": "2"}],
            },
        )
        await eventually(
            lambda: _one(invoice_svc, f"/v1/billing-schedules?order_id={first_order['id']}")
        )
        await _run(invoice_svc, account["id"], "2026-05-01")
        (billed,) = await _items(invoice_svc, "/v1/invoices", account_id=account["id"])
        assert billed["total"] == "360.00"  # Feb-Apr and May-Jul, 2 x 90.00 each

        contract = (await order_svc.get(f"/v1/contracts/{first_order['contract_id']}")).json()
        (subscription,) = contract["subscriptions"]
        quote, amendment = await _quoted_and_activated(
            quote_svc,
            order_svc,
            {
                "type": "amendment",
                "contract_id": contract["id"],
                "start_date": "2026-05-16",
                "lines": [{"subscription_id": subscription["id"], "quantity": "1"}],
            },
        )
        schedule = await eventually(
            lambda: _one(invoice_svc, f"/v1/billing-schedules?order_id={amendment['id']}")
        )
        assert [
            (p["period_start"], p["period_end"], p["billable_date"], p["amount"])
            for p in schedule["periods"]
        ] == [
            ("2026-05-16", "2026-07-31", "2026-05-16", "-75.33"),  # -90.00 x 77/92
            ("2026-08-01", "2026-10-31", "2026-08-01", "-90.00"),
            ("2026-11-01", "2027-01-31", "2026-11-01", "-90.00"),
        ]
        (line,) = quote["lines"]
        assert (line["quantity_delta"], line["net_total"]) == ("-1", "-255.33")

        await _run(invoice_svc, account["id"], "2026-05-16")
        (credit_note,) = await _items(invoice_svc, "/v1/credit-notes", account_id=account["id"])
        assert (credit_note["status"], credit_note["total"]) == ("issued", "75.33")
        await _run(invoice_svc, account["id"], "2026-08-01")
        await _run(invoice_svc, account["id"], "2026-11-01")
        invoices = await _items(invoice_svc, "/v1/invoices", account_id=account["id"])
        assert sorted(invoice["total"] for invoice in invoices) == ["360.00", "90.00", "90.00"]

        # Over the term: 2 seats to 05-15 and 1 seat after, 464.67, and no cent more credited.
        async def owed(total):
            response = await payment_svc.get(f"/v1/account-balances/{account['id']}")
            if response.status_code != 200:
                return None
            balance = response.json()
            return balance if balance["open_total"] == total else None

        balance = await eventually(lambda: owed("464.67"))
        assert balance["credit_balance"] == "0.00"
