"""Money under concurrency, through the front door (issue 12 held these; they must keep
holding): parallel payments never allocate more than an invoice's balance, parallel credit
notes never credit more than the invoice, concurrent posting numbers each draft once from a
gapless series."""

import asyncio
import re
from collections import defaultdict
from decimal import Decimal

from world import (
    PROBLEM,
    billed_account,
    first,
    invoice_run,
    items,
    posted_invoice,
)

from q2c_shared.testing.waiting import eventually


def _payment(account_id: str, amount: str, reference: str, **changes) -> dict:
    return {
        "account_id": account_id,
        "amount": amount,
        "currency": "USD",
        "method": "bank_transfer",
        "reference": reference,
        "received_on": "2026-02-10",
    } | changes


async def _invoice_settled(suite, invoice_id: str, amount_paid: str) -> dict:
    async with suite.client("invoice") as invoice_svc:

        async def settled():
            invoice = (await invoice_svc.get(f"/v1/invoices/{invoice_id}")).json()
            return invoice if invoice["amount_paid"] == amount_paid else None

        return await eventually(settled, timeout=60)


async def test_20_parallel_payments_allocate_exactly_the_invoice_balance(suite):
    customer, invoice = await posted_invoice(suite, name="Twenty Payers Ltd")
    async with suite.client("payment") as payment_svc:
        responses = await asyncio.gather(
            *(
                payment_svc.post(
                    "/v1/payments", json=_payment(customer["id"], "5.00", f"WIRE-P{n}")
                )
                for n in range(20)
            )
        )
        assert [r.status_code for r in responses] == [201] * 20, [r.text for r in responses]
        payments = [r.json() for r in responses]
        receivable = await first(payment_svc, "/v1/receivables", invoice_id=invoice["id"])
        balance = (await payment_svc.get(f"/v1/account-balances/{customer['id']}")).json()

    allocated = sum(Decimal(p["allocated"]) for p in payments)
    assert allocated == Decimal("48.00")
    for payment in payments:
        assert Decimal(payment["allocated"]) + Decimal(payment["unallocated"]) == Decimal("5.00")
        assert sum(Decimal(a["amount"]) for a in payment["allocations"]) == Decimal(
            payment["allocated"]
        )
    assert (receivable["amount_paid"], receivable["balance"], receivable["status"]) == (
        "48.00",
        "0.00",
        "paid",
    )
    assert (balance["open_total"], balance["credit_balance"]) == ("0.00", "52.00")
    settled = await _invoice_settled(suite, invoice["id"], "48.00")
    assert (settled["balance"], settled["payment_status"]) == ("0.00", "paid")


async def test_20_parallel_allocations_to_one_invoice_never_pass_its_balance(suite):
    customer, invoice = await posted_invoice(suite, name="Twenty Allocators Ltd")
    allocation = [{"invoice_id": invoice["id"], "amount": "5.00"}]
    async with suite.client("payment") as payment_svc:
        responses = await asyncio.gather(
            *(
                payment_svc.post(
                    "/v1/payments",
                    json=_payment(customer["id"], "5.00", f"WIRE-A{n}", allocations=allocation),
                )
                for n in range(20)
            )
        )
        receivable = await first(payment_svc, "/v1/receivables", invoice_id=invoice["id"])
        recorded = await items(payment_svc, "/v1/payments", account_id=customer["id"])

    accepted = [r for r in responses if r.status_code == 201]
    refused = [r for r in responses if r.status_code != 201]
    assert len(accepted) == 9, [r.text for r in responses]  # 9 x 5.00 of 48.00; 3.00 is left
    for response in refused:
        assert response.status_code in (409, 422), response.text
        assert response.headers["content-type"] == PROBLEM
    assert len(recorded) == 9  # a refused payment is not recorded at all
    assert (receivable["amount_paid"], receivable["balance"]) == ("45.00", "3.00")
    await _invoice_settled(suite, invoice["id"], "45.00")


async def test_10_parallel_credit_notes_never_credit_more_than_the_invoice(suite):
    _, invoice = await posted_invoice(suite, name="Ten Credits Ltd")
    (line,) = [line for line in invoice["lines"] if line["amount"] == "31.00"]
    body = {"reason": "Goodwill", "lines": [{"invoice_line_id": line["id"], "amount": "10.00"}]}
    async with suite.client("invoice") as invoice_svc:
        responses = await asyncio.gather(
            *(
                invoice_svc.post(f"/v1/invoices/{invoice['id']}/credit-notes", json=body)
                for _ in range(10)
            )
        )
        current = (await invoice_svc.get(f"/v1/invoices/{invoice['id']}")).json()
        notes = await items(invoice_svc, "/v1/credit-notes", invoice_id=invoice["id"])

    accepted = [r for r in responses if r.status_code == 201]
    assert len(accepted) == 3, [r.text for r in responses]  # 3 x 10.00 of the 31.00 line
    for response in responses:
        if response.status_code != 201:
            assert response.status_code in (409, 422), response.text
            assert response.headers["content-type"] == PROBLEM
    assert current["credited_total"] == "30.00"
    assert len(notes) == 3
    assert sum(Decimal(note["total"]) for note in notes) == Decimal("30.00")


async def test_concurrent_posting_numbers_each_draft_once_from_a_gapless_series(suite):
    customers = [await billed_account(suite, name=f"Drafted {n} Ltd") for n in range(4)]
    async with suite.client("invoice") as invoice_svc, suite.client("payment") as payment_svc:
        await invoice_run(invoice_svc, [c["id"] for c in customers], "2026-02-01", post=False)
        drafts = [await first(invoice_svc, "/v1/invoices", account_id=c["id"]) for c in customers]
        assert all(d is not None and d["status"] == "draft" for d in drafts), drafts

        # each draft posted twice at once, all eight requests together
        responses = await asyncio.gather(
            *(
                invoice_svc.post(f"/v1/invoices/{draft['id']}/post")
                for draft in drafts
                for _ in range(2)
            )
        )
        by_invoice = defaultdict(list)
        for draft, response in zip([d for d in drafts for _ in range(2)], responses, strict=True):
            by_invoice[draft["id"]].append(response)
        numbers = []
        for invoice_id, answers in by_invoice.items():
            assert sorted(r.status_code for r in answers) == [200, 409], [r.text for r in answers]
            (posted,) = [r.json() for r in answers if r.status_code == 200]
            current = (await invoice_svc.get(f"/v1/invoices/{invoice_id}")).json()
            assert (current["status"], current["number"]) == ("posted", posted["number"])
            numbers.append(posted["number"])
        assert len(set(numbers)) == len(numbers) == 4

        series = defaultdict(list)
        for invoice in await items(invoice_svc, "/v1/invoices", status="posted"):
            prefix, digits = re.fullmatch(r"(.*?)(\d+)", invoice["number"]).groups()
            series[(invoice.get("legal_entity"), prefix)].append(int(digits))
        for key, taken in series.items():
            assert sorted(taken) == list(range(1, len(taken) + 1)), f"gaps in {key}: {taken}"

        for draft in drafts:
            receivables = await eventually(
                lambda draft=draft: first(payment_svc, "/v1/receivables", invoice_id=draft["id"]),
                timeout=30,
            )
            assert receivables["total"] == draft["total"]
            assert len(await items(payment_svc, "/v1/receivables", invoice_id=draft["id"])) == 1
