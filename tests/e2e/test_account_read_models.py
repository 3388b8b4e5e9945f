"""quote-svc's account events keep the account read models of invoice-svc and payment-svc."""

from test_quote_to_cash import _accepted_quote, _finished_run, _one

from q2c_shared.testing.waiting import eventually


async def test_account_changes_reach_invoices_and_balances(suite):
    async with (
        suite.client("quote") as quote_svc,
        suite.client("order") as order_svc,
        suite.client("invoice") as invoice_svc,
        suite.client("payment") as payment_svc,
    ):
        account, quote = await _accepted_quote(quote_svc, name="Globex")
        changed = await quote_svc.patch(
            f"/v1/accounts/{account['id']}",
            json={"name": "Globex Corporation", "email": "ar@globex.example", "tax_exempt": True},
        )
        assert changed.status_code == 200, changed.text

        async def balance_named(name):
            response = await payment_svc.get(f"/v1/account-balances/{account['id']}")
            if response.status_code != 200:
                return None  # 404 until the first account event arrived
            return response.json() if response.json()["account_name"] == name else None

        balance = await eventually(lambda: balance_named("Globex Corporation"))
        assert (balance["email"], balance["currency"], balance["open_total"]) == (
            "ar@globex.example",
            "USD",
            "0.00",
        )

        order = await eventually(lambda: _one(order_svc, f"/v1/orders?quote_id={quote['id']}"))
        await order_svc.post(f"/v1/orders/{order['id']}/activate")
        await eventually(lambda: _one(invoice_svc, f"/v1/billing-schedules?order_id={order['id']}"))
        run = (
            await invoice_svc.post(
                "/v1/invoice-runs",
                json={"target_date": "2026-02-01", "account_ids": [account["id"]]},
            )
        ).json()
        assert (await eventually(lambda: _finished_run(invoice_svc, run["id"])))["status"] == (
            "completed"
        )
        listed = await _one(invoice_svc, f"/v1/invoices?account_id={account['id']}")

        # q2c.accounts and q2c.orders are separate topics with no order between them, so the
        # account events may reach invoice-svc after the order did: wait for the bill-to.
        async def invoice_billed_to(name):
            invoice = (await invoice_svc.get(f"/v1/invoices/{listed['id']}")).json()
            return invoice if (invoice["bill_to"] or {}).get("name") == name else None

        invoice = await eventually(lambda: invoice_billed_to("Globex Corporation"))
        assert invoice["bill_to"] == {
            "name": "Globex Corporation",
            "email": "ar@globex.example",
            "billing_address": {
                "line1": "1 Main St",
                "line2": None,
                "city": "Austin",
                "region": None,
                "postal_code": None,
                "country": "US",
            },
            "tax_exempt": True,
        }
