"""Hostile input (issue 12) answers 422 problem+json saying what is wrong, and changes nothing.

Every case goes through the HTTP API of a running payment-svc: numbers past 18 digits or with
exponents, floats, more decimals than the currency has, NUL in strings and text filters, dates
outside 1900-2199 or sent as numbers, booleans as numbers, oversized lists, and references to
accounts and invoices payment-svc does not know. Before and after, the rows of every table a
payment, refund, batch or dunning run writes are counted: a refused request writes none.
"""

import uuid
from typing import Any

import pytest
from factories import announce_account, invoice_posted, post_invoice, record_payment
from sqlalchemy import func, select

from payment_svc.models import (
    DunningNotice,
    Payment,
    PaymentAllocation,
    Receivable,
    Refund,
)
from q2c_shared.outbox import OutboxEvent
from q2c_shared.problems import PROBLEM_MEDIA_TYPE

pytestmark = pytest.mark.usefixtures("outbox_drained")

NUL = "\x00"
DIGITS_19 = "1234567890123456789"
DIGITS_29 = "1" + "0" * 28
BAD_DATES = ["0001-01-01", "1899-12-31", "2200-01-01", "9999-12-31"]
"""Out of the business dates 1900-01-01..2199-12-31."""
BAD_NUMBERS = [DIGITS_19, DIGITS_29, "1e30", "1e999999", "1E5", 12.5, True, "NaN", "Infinity"]
"""Amounts refused whatever the currency: past 18 digits, exponents, floats, booleans."""


def _payment(account_id: str, **overrides: Any) -> dict[str, Any]:
    return {
        "account_id": account_id,
        "amount": "10.00",
        "currency": "USD",
        "method": "bank_transfer",
        "reference": "WIRE-1",
        "received_on": "2026-02-10",
    } | overrides


def _cases(account_id: str, invoice_id: str, payment_id: str) -> list[tuple[str, str, dict, str]]:
    """(method, path, body or query, the field the problem must name), one per bad input."""
    payments = "/v1/payments"
    batches = "/v1/payment-batches"
    refunds = f"/v1/payments/{payment_id}/refunds"
    cases: list[tuple[str, str, dict, str]] = []
    for number in [*BAD_NUMBERS, "10.001", "0", "-5.00", 0]:
        cases.append(("POST", payments, _payment(account_id, amount=number), "amount"))
        cases.append(
            ("POST", batches, {"payments": [_payment(account_id, amount=number)]}, "amount")
        )
        cases.append(("POST", refunds, {"amount": number}, "amount"))
        allocations = [{"invoice_id": invoice_id, "amount": number}]
        cases.append(("POST", payments, _payment(account_id, allocations=allocations), "amount"))
    yen = _payment(account_id, amount="400.5", currency="JPY")
    cases.append(("POST", payments, yen, "amount"))
    cases.append(("POST", batches, {"payments": [yen]}, "amount"))
    kwd = _payment(account_id, amount="1.0001", currency="KWD")
    cases.append(("POST", payments, kwd, "amount"))
    for date_value in [*BAD_DATES, 1700000000, True, "2026-02-30", "10/02/2026"]:
        body = _payment(account_id, received_on=date_value)
        cases.append(("POST", payments, body, "received_on"))
        cases.append(("POST", batches, {"payments": [body]}, "received_on"))
        cases.append(("POST", "/v1/dunning-runs", {"as_of": date_value}, "as_of"))
    for field, value in [
        ("reference", f"WIRE{NUL}1"),
        ("reference", "W" * 201),
        ("method", f"bank_transfer{NUL}"),
        ("currency", f"US{NUL}"),
        ("account_id", f"{account_id[:-1]}{NUL}"),
    ]:
        body = _payment(account_id) | {field: value}
        cases.append(("POST", payments, body, field))
        cases.append(("POST", batches, {"payments": [body]}, field))
    allocation = {"invoice_id": invoice_id, "amount": "0.01"}
    cases += [
        ("POST", payments, _payment(str(uuid.uuid4())), "account_id"),
        (
            "POST",
            batches,
            {"payments": [_payment(account_id), _payment(str(uuid.uuid4()))]},
            "account_id",
        ),
        ("POST", payments, _payment(account_id, allocations=[allocation] * 1001), "allocations"),
        (
            "POST",
            payments,
            _payment(account_id, allocations=[{"invoice_id": str(uuid.uuid4()), "amount": "1"}]),
            "invoice_id",
        ),
        ("POST", batches, {"payments": []}, "payments"),
        ("POST", refunds, {"amount": f"1{NUL}"}, "amount"),
    ]
    for date_value in [*BAD_DATES, "1700000000"]:
        cases += [
            ("GET", "/v1/reports/ar-aging", {"as_of": date_value}, "as_of"),
            ("GET", "/v1/reports/cash-receipts", {"from": date_value, "to": "2026-01-31"}, "from"),
            ("GET", "/v1/reports/cash-receipts", {"from": "2026-01-01", "to": date_value}, "to"),
            ("GET", "/v1/journal-entries", {"from": date_value, "to": "2026-01-31"}, "from"),
            ("GET", f"/v1/statements/{account_id}", {"to": date_value}, "to"),
            ("GET", f"/v1/statements/{account_id}", {"from": date_value}, "from"),
        ]
    currency = {"currency": f"U{NUL}D"}
    period = {"from": "2026-01-01", "to": "2026-01-31"}
    cases += [
        ("GET", "/v1/reports/ar-aging", currency, "currency"),
        ("GET", "/v1/reports/cash-receipts", period | currency, "currency"),
        ("GET", "/v1/journal-entries", period | currency, "currency"),
        ("GET", f"/v1/statements/{account_id}", currency, "currency"),
        ("GET", f"/v1/account-balances/{account_id}", currency, "currency"),
        ("GET", "/v1/dunning-notices", {"level": DIGITS_29}, "level"),
        ("GET", "/v1/dunning-notices", {"level": "0"}, "level"),
        ("GET", "/v1/payments", {"account_id": f"x{NUL}"}, "account_id"),
        ("GET", "/v1/receivables", {"invoice_id": f"x{NUL}"}, "invoice_id"),
        ("GET", "/v1/unmatched-payments", {"limit": DIGITS_29}, "limit"),
        ("GET", "/v1/unmatched-payments", {"cursor": f"AAAA{NUL}"}, ""),
    ]
    return cases


_WRITTEN = (Payment, PaymentAllocation, Refund, Receivable, DunningNotice, OutboxEvent)


async def _row_counts(service: Any) -> dict[str, int]:
    async with service.database.transaction() as session:
        return {
            model.__tablename__: await session.scalar(select(func.count()).select_from(model))
            for model in _WRITTEN
        }


async def test_every_bad_input_is_a_422_problem_naming_it_and_changes_nothing(service, settings):
    account_id = str(uuid.uuid4())
    await announce_account(service, settings, account_id)
    invoice = await post_invoice(service, settings, invoice_posted(account_id=account_id))
    payment = (await record_payment(service.client, account_id=account_id, amount="150.00")).json()
    cases = _cases(account_id, invoice["invoice_id"], payment["id"])
    before = await _row_counts(service)
    balance_before = (await service.client.get(f"/v1/account-balances/{account_id}")).json()

    answers = []
    for method, path, payload, field in cases:
        if method == "POST":
            response = await service.client.post(path, json=payload)
        else:
            response = await service.client.get(path, params=payload)
        answers.append((method, path, payload, field, response))

    wrong = [
        (method, path, repr(payload)[:160], response.status_code, response.text[:300])
        for method, path, payload, field, response in answers
        if response.status_code != 422
        or response.headers["content-type"] != PROBLEM_MEDIA_TYPE
        or not response.json().get("code")
        or (field and not _names(response.json(), field))
    ]
    assert wrong == []
    assert len(answers) > 100  # the table was built, not emptied by a typo
    assert await _row_counts(service) == before
    balance = (await service.client.get(f"/v1/account-balances/{account_id}")).json()
    assert balance == balance_before


def _names(problem: dict[str, Any], field: str) -> bool:
    """The problem points at the field: in an `errors` location, else in its detail."""
    locations = [item["loc"] for item in problem.get("errors") or []]
    return any(field in [str(part) for part in loc] for loc in locations) or field in problem.get(
        "detail", ""
    )


async def test_an_unknown_account_is_named_with_its_batch_position(service, settings):
    known = str(uuid.uuid4())
    stranger = str(uuid.uuid4())
    await announce_account(service, settings, known)

    single = await record_payment(service.client, account_id=stranger, amount="10.00")
    batch = await service.client.post(
        "/v1/payment-batches",
        json={"payments": [_payment(known), _payment(stranger), _payment(known)]},
    )
    payments = (await service.client.get("/v1/payments")).json()

    assert (single.status_code, single.json()["code"]) == (422, "unknown_account")
    assert single.json()["errors"] == [
        {"loc": ["body", "account_id"], "msg": f"unknown account {stranger}"}
    ]
    assert (batch.status_code, batch.json()["code"]) == (422, "unknown_account")
    assert batch.json()["errors"] == [
        {"loc": ["body", "payments", 1, "account_id"], "msg": f"unknown account {stranger}"}
    ]
    assert payments["items"] == []


async def test_an_account_known_from_its_account_event_or_an_invoice_can_pay(service, settings):
    announced, invoiced = str(uuid.uuid4()), str(uuid.uuid4())
    await announce_account(service, settings, announced)
    await post_invoice(service, settings, invoice_posted(account_id=invoiced, total="30.00"))

    credit = await record_payment(service.client, account_id=announced, amount="10.00")
    paying = await record_payment(service.client, account_id=invoiced, amount="30.00")

    assert credit.status_code == paying.status_code == 201, (credit.text, paying.text)
    assert (credit.json()["allocated"], credit.json()["unallocated"]) == ("0.00", "10.00")
    assert (paying.json()["allocated"], paying.json()["unallocated"]) == ("30.00", "0.00")
