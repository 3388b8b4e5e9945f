"""One customer from quote to paid invoice, across the four services, over the real broker."""

from decimal import Decimal

from q2c_shared.testing.waiting import eventually


async def _one(client, path):
    response = await client.get(path)
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    return items[0] if items else None


async def _accepted_quote(quote_svc, *, name="Acme Corp", accept_headers=None):
    account = (
        await quote_svc.post(
            "/v1/accounts",
            json={
                "name": name,
                "currency": "USD",
                "email": "ap@acme.example",
                "payment_term": "net_30",
                "legal_entity": "q2c Inc",
                "billing_address": {"line1": "1 Main St", "city": "Austin", "country": "US"},
            },
        )
    ).json()
    book = (await quote_svc.post("/v1/price-books", json={"name": "USD", "currency": "USD"})).json()
    product = (
        await quote_svc.post(
            "/v1/products",
            json={
                "sku": f"seat-{account['id'][-6:]}",
                "name": "Seat",
                "charge_type": "recurring",
                "billing_type": "advance",
                "billing_frequency": "monthly",
            },
        )
    ).json()
    await quote_svc.post(
        f"/v1/price-books/{book['id']}/entries",
        json={"product_id": product["id"], "unit_price": "31.00", "pricing_model": "per_unit"},
    )
    quote = (
        await quote_svc.post(
            "/v1/quotes",
            json={
                "account_id": account["id"],
                "price_book_id": book["id"],
                "start_date": "2026-01-15",
                "term_months": 12,
                "billing_day_of_month": 1,
                "lines": [{"product_id": product["id"], "quantity": "1"}],
            },
        )
    ).json()
    await quote_svc.post(f"/v1/quotes/{quote['id']}/submit")
    accepted = await quote_svc.post(f"/v1/quotes/{quote['id']}/accept", headers=accept_headers)
    assert accepted.json()["status"] == "accepted", accepted.text
    return account, quote


async def test_a_quote_reaches_a_paid_invoice(suite):
    async with (
        suite.client("quote") as quote_svc,
        suite.client("order") as order_svc,
        suite.client("invoice") as invoice_svc,
        suite.client("payment") as payment_svc,
    ):
        account, quote = await _accepted_quote(quote_svc)

        order = await eventually(lambda: _one(order_svc, f"/v1/orders?quote_id={quote['id']}"))
        activated = await order_svc.post(f"/v1/orders/{order['id']}/activate")
        assert activated.json()["status"] == "activated"

        schedule = await eventually(
            lambda: _one(invoice_svc, f"/v1/billing-schedules?order_id={order['id']}")
        )
        amounts = [period["amount"] for period in schedule["periods"]]
        assert amounts == ["17.00"] + ["31.00"] * 11 + ["14.00"]

        run = (
            await invoice_svc.post(
                "/v1/invoice-runs",
                json={"target_date": "2026-02-01", "account_ids": [account["id"]], "post": True},
            )
        ).json()
        finished = await eventually(lambda: _finished_run(invoice_svc, run["id"]))
        assert finished["status"] == "completed"
        invoice = await _one(invoice_svc, f"/v1/invoices?account_id={account['id']}")
        assert invoice["number"].startswith("INV-")
        assert invoice["total"] == "48.00"  # 17.00 for January's part + 31.00 for February
        assert invoice["payment_status"] == "unpaid"

        receivable = await eventually(
            lambda: _one(payment_svc, f"/v1/receivables?invoice_id={invoice['id']}")
        )
        assert receivable["balance"] == "48.00"
        payment = await payment_svc.post(
            "/v1/payments",
            json={
                "account_id": account["id"],
                "amount": "50.00",
                "currency": "USD",
                "method": "bank_transfer",
                "reference": "wire-1",
                "received_on": "2026-02-10",
            },
        )
        assert payment.status_code == 201, payment.text
        assert [(a["invoice_id"], a["amount"]) for a in payment.json()["allocations"]] == [
            (invoice["id"], "48.00")
        ]
        assert Decimal(payment.json()["unallocated"]) == Decimal("2.00")

        async def paid():
            current = (await invoice_svc.get(f"/v1/invoices/{invoice['id']}")).json()
            return current if current["payment_status"] == "paid" else None

        settled = await eventually(paid)
        assert (settled["amount_paid"], settled["balance"]) == ("48.00", "0.00")


async def _finished_run(invoice_svc, run_id):
    run = (await invoice_svc.get(f"/v1/invoice-runs/{run_id}")).json()
    return run if run["status"] in ("completed", "failed") else None


async def test_a_stopped_service_catches_up_and_applies_each_event_once(suite):
    order_process = suite.services["order"]
    async with suite.client("quote") as quote_svc, suite.client("order") as order_svc:
        order_process.stop()
        # Accepted while order-svc is down: the event waits in the broker.
        _, first = await _accepted_quote(quote_svc, name="Down Ltd")
        order_process.start()
        await eventually(lambda: _one(order_svc, f"/v1/orders?quote_id={first['id']}"))

        # Stopped again right after it applied events: restarting re-reads nothing twice.
        order_process.stop()
        order_process.start()
        _, second = await _accepted_quote(quote_svc, name="Later Ltd")
        await eventually(lambda: _one(order_svc, f"/v1/orders?quote_id={second['id']}"))

        for quote in (first, second):
            orders = (await order_svc.get(f"/v1/orders?quote_id={quote['id']}")).json()["items"]
            assert len(orders) == 1


async def _activated_contract(quote_svc, order_svc, *, name):
    """One seat at 31.00 a month from 2026-01-15 for 12 months, billed on the 1st, active."""
    account, quote = await _accepted_quote(quote_svc, name=name)
    order = await eventually(lambda: _one(order_svc, f"/v1/orders?quote_id={quote['id']}"))
    activated = await order_svc.post(f"/v1/orders/{order['id']}/activate")
    assert activated.status_code == 200, activated.text
    contract = await order_svc.get(f"/v1/contracts/{activated.json()['contract_id']}")
    return account, order, contract.json()


async def _quoted_and_activated(quote_svc, order_svc, body):
    """Quote a change of a contract, accept it, activate order-svc's order: the order."""
    response = await quote_svc.post("/v1/quotes", json=body)
    assert response.status_code == 201, response.text
    quote = response.json()
    await quote_svc.post(f"/v1/quotes/{quote['id']}/submit")
    accepted = await quote_svc.post(f"/v1/quotes/{quote['id']}/accept")
    assert accepted.json()["status"] == "accepted", accepted.text
    order = await eventually(lambda: _one(order_svc, f"/v1/orders?quote_id={quote['id']}"))
    activated = await order_svc.post(f"/v1/orders/{order['id']}/activate")
    assert activated.status_code == 200, activated.text
    return quote, activated.json()


async def test_an_amendment_bills_the_added_seat_prorated_from_its_start(suite):
    async with (
        suite.client("quote") as quote_svc,
        suite.client("order") as order_svc,
        suite.client("invoice") as invoice_svc,
    ):
        account, first_order, contract = await _activated_contract(
            quote_svc, order_svc, name="Amend Ltd"
        )
        (seat,) = contract["subscriptions"]

        quote, order = await _quoted_and_activated(
            quote_svc,
            order_svc,
            {
                "type": "amendment",
                "contract_id": contract["id"],
                "start_date": "2026-03-10",
                "lines": [{"subscription_id": seat["id"], "quantity": "2"}],  # one seat more
            },
        )
        (line,) = quote["lines"]
        assert (quote["end_date"], line["quantity_delta"], line["net_total"]) == (
            "2027-01-14",
            "1",
            "315.00",  # 22.00 + 9 x 31.00 + 14.00: what the schedule below bills
        )
        assert (order["type"], order["contract_id"]) == ("amendment", contract["id"])
        amended = (await order_svc.get(f"/v1/contracts/{contract['id']}")).json()
        assert [s["quantity"] for s in amended["subscriptions"]] == ["2"]

        schedule = await eventually(
            lambda: _one(invoice_svc, f"/v1/billing-schedules?order_id={order['id']}")
        )
        periods = schedule["periods"]
        assert schedule["order_type"] == "amendment"
        assert [p["amount"] for p in periods] == ["22.00"] + ["31.00"] * 9 + ["14.00"]
        assert (periods[0]["period_start"], periods[0]["period_end"]) == (
            "2026-03-10",  # 31.00 x 22/31 = 22.00, on the contract's billing day (the 1st)
            "2026-03-31",
        )
        assert [p["period_start"] for p in periods[1:3]] == ["2026-04-01", "2026-05-01"]
        assert (periods[-1]["period_start"], periods[-1]["period_end"]) == (
            "2027-01-01",
            "2027-01-14",
        )

        run = (
            await invoice_svc.post(
                "/v1/invoice-runs",
                json={"target_date": "2026-03-10", "account_ids": [account["id"]], "post": True},
            )
        ).json()
        finished = await eventually(lambda: _finished_run(invoice_svc, run["id"]))
        assert finished["status"] == "completed"
        invoice = await _one(invoice_svc, f"/v1/invoices?account_id={account['id']}")
        assert invoice["total"] == "101.00"  # 17.00 + 31.00 + 31.00, and the added seat's 22.00
        added = [i for i in invoice["lines"] if i["order_id"] == order["id"]]
        assert [
            (i["period_start"], i["period_end"], i["quantity"], i["amount"]) for i in added
        ] == [("2026-03-10", "2026-03-31", "1", "22.00")]
        assert first_order["id"] != order["id"]


async def test_a_renewal_extends_the_contract_and_bills_the_next_term(suite):
    async with (
        suite.client("quote") as quote_svc,
        suite.client("order") as order_svc,
        suite.client("invoice") as invoice_svc,
    ):
        _, _, contract = await _activated_contract(quote_svc, order_svc, name="Renew Ltd")

        quote, order = await _quoted_and_activated(
            quote_svc,
            order_svc,
            {"type": "renewal", "contract_id": contract["id"], "uplift_percent": "10"},
        )

        assert (quote["start_date"], quote["end_date"], quote["term_months"]) == (
            "2027-01-15",
            "2028-01-14",
            12,
        )
        assert quote["lines"][0]["net_unit_price"] == "34.10"  # 31.00 + 10%
        renewed = (await order_svc.get(f"/v1/contracts/{contract['id']}")).json()
        assert renewed["end_date"] == "2028-01-14"
        assert [(s["net_unit_price"], s["end_date"]) for s in renewed["subscriptions"]] == [
            ("34.10", "2028-01-14")
        ]
        schedule = await eventually(
            lambda: _one(invoice_svc, f"/v1/billing-schedules?order_id={order['id']}")
        )
        assert schedule["order_type"] == "renewal"
        assert [p["amount"] for p in schedule["periods"]] == (
            ["18.70"] + ["34.10"] * 11 + ["15.40"]  # 34.10 x 17/31, ..., 34.10 x 14/31
        )
        assert schedule["periods"][0]["period_start"] == "2027-01-15"
        assert schedule["periods"][-1]["period_end"] == "2028-01-14"
