"""AR aging and cash receipts over HTTP, from receivables and payments made through the real
flow (real PostgreSQL, real broker)."""

import uuid
from datetime import date

import pytest
from factories import (
    account_event,
    announce_account,
    credit_note_issued,
    invoice_posted,
    issue_credit_note,
    post_invoice,
    publish_account_events,
    record_payment,
)

from q2c_shared.testing.waiting import eventually

pytestmark = pytest.mark.usefixtures("outbox_drained")

BUCKETS = ("current", "1_30", "31_60", "61_90", "over_90", "total")


def _row(values: dict) -> tuple[str, ...]:
    return tuple(values[bucket] for bucket in BUCKETS)


async def _invoice(service, settings, account_id, number, total, invoiced, due, currency="USD"):
    return await post_invoice(
        service,
        settings,
        invoice_posted(
            account_id=account_id,
            number=number,
            total=total,
            currency=currency,
            invoice_date=date.fromisoformat(invoiced),
            due_date=date.fromisoformat(due),
        ),
    )


async def _aging(service, **params):
    response = await service.client.get("/v1/reports/ar-aging", params=params)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
async def two_accounts(service, settings):
    """Account A (named Acme GmbH): A1 100.00 dated 1 Mar due 31 Mar, A2 200.00 dated 1 Jan due
    31 Jan, and a payment of 150.00 received 15 Mar (it pays A2 first). Account B (no name
    known): B1 300.00 dated 1 Feb due 28 Feb."""
    account_a, account_b = str(uuid.uuid4()), str(uuid.uuid4())
    await publish_account_events(
        settings, account_event(account_id=account_a, name="Acme GmbH", currency="USD")
    )
    await _invoice(service, settings, account_a, "INV-A1", "100.00", "2026-03-01", "2026-03-31")
    await _invoice(service, settings, account_a, "INV-A2", "200.00", "2026-01-01", "2026-01-31")
    await _invoice(service, settings, account_b, "INV-B1", "300.00", "2026-02-01", "2026-02-28")
    paid = await record_payment(
        service.client, account_id=account_a, amount="150.00", received_on="2026-03-15"
    )
    assert paid.status_code == 201, paid.text

    async def named() -> bool:
        balance = await service.client.get(f"/v1/account-balances/{account_a}")
        return balance.json().get("account_name") == "Acme GmbH"

    await eventually(named, message="the account event was not applied")
    return account_a, account_b


async def test_aging_as_of_a_day_before_the_payment(service, two_accounts):
    account_a, account_b = two_accounts

    report = await _aging(service, as_of="2026-03-10")

    assert (report["as_of"], report["currency"]) == ("2026-03-10", "USD")
    # A1 is due in 21 days; A2 is 38 days past due; B1 10 days.
    assert _row(report["totals"]) == ("100.00", "300.00", "200.00", "0.00", "0.00", "600.00")
    assert report["totals"]["currency"] == "USD"
    assert [
        (row["account_id"], row["name"], row["currency"], _row(row)) for row in report["accounts"]
    ] == sorted(
        [
            (account_a, "Acme GmbH", "USD", ("100.00", "0.00", "200.00", "0.00", "0.00", "300.00")),
            (account_b, None, "USD", ("0.00", "300.00", "0.00", "0.00", "0.00", "300.00")),
        ]
    )


async def test_aging_as_of_a_day_counts_what_was_paid_and_invoiced_by_then(service, two_accounts):
    account_a, account_b = two_accounts

    after_payment = await _aging(service, as_of="2026-03-31")
    before_a1 = await _aging(service, as_of="2026-02-15")
    before_everything = await _aging(service, as_of="2025-12-31")

    rows = {row["account_id"]: _row(row) for row in after_payment["accounts"]}
    # A2's 50.00 left is 59 days past due; A1 is due that day (current); B1 31 days.
    assert rows[account_a] == ("100.00", "0.00", "50.00", "0.00", "0.00", "150.00")
    assert rows[account_b] == ("0.00", "0.00", "300.00", "0.00", "0.00", "300.00")
    # A1 was not invoiced yet.
    rows = {row["account_id"]: _row(row) for row in before_a1["accounts"]}
    assert rows[account_a] == ("0.00", "200.00", "0.00", "0.00", "0.00", "200.00")
    assert rows[account_b] == ("300.00", "0.00", "0.00", "0.00", "0.00", "300.00")
    assert before_everything == {
        "as_of": "2025-12-31",
        "currency": None,
        "totals": {**dict.fromkeys(BUCKETS, "0"), "currency": None},
        "accounts": [],
    }


async def test_aging_lowers_a_balance_by_its_credit_notes_from_their_issue_date(
    service, settings, two_accounts
):
    account_a, _ = two_accounts
    receivables = await service.client.get("/v1/receivables", params={"account_id": account_a})
    (a1,) = [r for r in receivables.json()["items"] if r["invoice_number"] == "INV-A1"]
    await issue_credit_note(
        service,
        settings,
        credit_note_issued(
            account_id=account_a,
            total="40.00",
            invoice_id=a1["invoice_id"],
            issue_date=date(2026, 4, 10),
        ),
    )

    before = await _aging(service, as_of="2026-04-09")
    after = await _aging(service, as_of="2026-04-10")

    # A1 100.00 is 9 days past due; A2's 50.00 left is 68 days past due.
    rows = {row["account_id"]: _row(row) for row in before["accounts"]}
    assert rows[account_a] == ("0.00", "100.00", "0.00", "50.00", "0.00", "150.00")
    # From the credit note's issue date A1 owes 100.00 - 40.00.
    rows = {row["account_id"]: _row(row) for row in after["accounts"]}
    assert rows[account_a] == ("0.00", "60.00", "0.00", "50.00", "0.00", "110.00")


async def test_aging_never_adds_up_currencies(service, settings, two_accounts):
    euro_account = str(uuid.uuid4())
    await _invoice(
        service, settings, euro_account, "INV-E1", "70.00", "2026-01-01", "2026-01-31", "EUR"
    )

    several = await service.client.get("/v1/reports/ar-aging", params={"as_of": "2026-03-10"})
    euros = await _aging(service, as_of="2026-03-10", currency="EUR")
    dollars = await _aging(service, as_of="2026-03-10", currency="USD")
    yen = await _aging(service, as_of="2026-03-10", currency="JPY")

    assert several.status_code == 422
    assert several.headers["content-type"].startswith("application/problem+json")
    assert several.json()["code"] == "currency_required"
    assert "EUR, USD" in several.json()["detail"]
    assert euros["currency"] == "EUR"
    assert [(row["account_id"], _row(row)) for row in euros["accounts"]] == [
        (euro_account, ("0.00", "0.00", "70.00", "0.00", "0.00", "70.00"))
    ]
    assert dollars["totals"]["total"] == "600.00"
    assert (yen["currency"], yen["totals"]["total"], yen["accounts"]) == ("JPY", "0", [])


@pytest.mark.parametrize(
    "params",
    [
        {"as_of": "2026-02-30"},
        {"as_of": "tomorrow"},
        {"as_of": "2026-03-01", "currency": "XYZ"},
        {"as_of": "2026-03-01", "currency": "US"},
    ],
)
async def test_aging_refuses_bad_input_with_a_422_problem(service, params):
    response = await service.client.get("/v1/reports/ar-aging", params=params)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"]


async def test_aging_defaults_to_today(service, settings):
    account_id = str(uuid.uuid4())
    await _invoice(service, settings, account_id, "INV-1", "10.00", "2026-01-01", "2026-01-31")

    report = await _aging(service)

    assert report["totals"]["total"] == "10.00"
    assert report["totals"]["over_90"] == "10.00"  # today is long past 2026-01-31


# --- cash receipts --------------------------------------------------------------------------


async def test_cash_receipts_per_day_currency_and_method(service, settings):
    account_id, euro_account = str(uuid.uuid4()), str(uuid.uuid4())
    invoice = await _invoice(
        service, settings, account_id, "INV-1", "100.00", "2026-01-01", "2026-01-31"
    )
    await announce_account(service, settings, euro_account, currency="EUR")
    for amount, method, day, currency, payer in [
        ("100.00", "bank_transfer", "2026-02-10", "USD", account_id),
        ("20.00", "card", "2026-02-10", "USD", account_id),
        ("5.50", "card", "2026-02-10", "USD", account_id),
        ("7.00", "check", "2026-02-10", "EUR", euro_account),
        ("1.00", "cash", "2026-02-12", "USD", account_id),
        ("999.00", "card", "2026-02-13", "USD", account_id),  # after the period
    ]:
        response = await record_payment(
            service.client,
            account_id=payer,
            amount=amount,
            method=method,
            received_on=day,
            currency=currency,
        )
        assert response.status_code == 201, response.text
    # A credit note's excess is a `credit_note` payment: no money received.
    await issue_credit_note(
        service,
        settings,
        credit_note_issued(
            account_id=account_id,
            total="30.00",
            invoice_id=invoice["invoice_id"],
            issue_date=date(2026, 2, 11),
        ),
    )

    response = await service.client.get(
        "/v1/reports/cash-receipts", params={"from": "2026-02-01", "to": "2026-02-12"}
    )

    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["from"], report["to"]) == ("2026-02-01", "2026-02-12")
    assert report["days"] == [
        {
            "received_on": "2026-02-10",
            "currency": "EUR",
            "count": 1,
            "amount": "7.00",
            "by_method": [{"method": "check", "count": 1, "amount": "7.00"}],
        },
        {
            "received_on": "2026-02-10",
            "currency": "USD",
            "count": 3,
            "amount": "125.50",
            "by_method": [
                {"method": "bank_transfer", "count": 1, "amount": "100.00"},
                {"method": "card", "count": 2, "amount": "25.50"},
            ],
        },
        {
            "received_on": "2026-02-12",
            "currency": "USD",
            "count": 1,
            "amount": "1.00",
            "by_method": [{"method": "cash", "count": 1, "amount": "1.00"}],
        },
    ]
    assert report["totals"] == [
        {
            "currency": "EUR",
            "count": 1,
            "amount": "7.00",
            "by_method": [{"method": "check", "count": 1, "amount": "7.00"}],
        },
        {
            "currency": "USD",
            "count": 4,
            "amount": "126.50",
            "by_method": [
                {"method": "bank_transfer", "count": 1, "amount": "100.00"},
                {"method": "card", "count": 2, "amount": "25.50"},
                {"method": "cash", "count": 1, "amount": "1.00"},
            ],
        },
    ]

    only_euros = await service.client.get(
        "/v1/reports/cash-receipts",
        params={"from": "2026-02-01", "to": "2026-02-12", "currency": "EUR"},
    )
    assert [day["currency"] for day in only_euros.json()["days"]] == ["EUR"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-02-13", "to": "2026-02-12"}, "from"),
        ({"from": "2026-02-01", "to": "2026-02-31"}, "to"),
        ({"from": "2026-02-01"}, "to"),
        ({"from": "2026-02-01", "to": "2026-02-12", "currency": "XYZ"}, "currency"),
    ],
)
async def test_cash_receipts_refuse_bad_input_with_a_422_problem(service, params, field):
    response = await service.client.get("/v1/reports/cash-receipts", params=params)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in [str(part) for error in response.json()["errors"] for part in error["loc"]]
