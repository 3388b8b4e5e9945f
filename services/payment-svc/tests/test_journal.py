"""The journal export over HTTP, from a history made through the real flow (real PostgreSQL,
real broker): a known history's lines exactly, balance over ranges, CSV, and agreement with the
AR aging."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal
from itertools import combinations_with_replacement

import pytest
from history import History, seed_history

pytestmark = pytest.mark.usefixtures("outbox_drained")

D = Decimal


async def _journal(service, **params) -> dict:
    response = await service.client.get("/v1/journal-entries", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def _lines(entry: dict) -> list[tuple[str, str, str]]:
    return [(line["ledger_account_code"], line["debit"], line["credit"]) for line in entry["lines"]]


async def test_a_known_history_exports_exactly_these_entries(service, settings):
    history: History = await seed_history(service, settings)
    today = history.today.isoformat()
    wire_id = history.wire["id"]

    export = await _journal(
        service, **{"from": "2026-01-01", "to": today, "account_id": history.usd_account}
    )

    entries = [
        (
            entry["entry_id"],
            entry["entry_date"],
            entry["source_type"],
            entry["source_number"],
            entry["description"],
            _lines(entry),
        )
        for entry in export["entries"]
    ]
    first, second = history.first_invoice["invoice_id"], history.second_invoice["invoice_id"]
    credit_note_id = history.credit_note["credit_note_id"]
    assert entries == [
        (f"invoice:{first}", "2026-01-01", "invoice", "INV-000001", "Invoice INV-000001",
         [("1100", "110.00", "0.00"), ("4000", "0.00", "100.00"), ("2200", "0.00", "10.00")]),
        (f"payment:{wire_id}", "2026-02-10", "payment", "WIRE-1",
         "Payment WIRE-1 (bank_transfer)",
         [("1000", "150.00", "0.00"), ("1100", "0.00", "110.00"), ("2300", "0.00", "40.00")]),
        (f"invoice:{second}", "2026-03-01", "invoice", "INV-000002", "Invoice INV-000002",
         [("1100", "50.00", "0.00"), ("4000", "0.00", "50.00")]),
        (f"credit_note:{credit_note_id}", "2026-03-05", "credit_note", "CN-000001",
         "Credit note CN-000001",
         [("4000", "20.00", "0.00"), ("2200", "2.00", "0.00"), ("2400", "0.00", "22.00")]),
        # The credit note's excess pays INV-000002 in the same transaction: on its issue date.
        (f"allocation:{history.credit_allocation_id}", "2026-03-05", "allocation", "INV-000002",
         "Credit CN-000001 applied to INV-000002",
         [("2400", "10.00", "0.00"), ("1100", "0.00", "10.00")]),
        # WIRE-1's unapplied cash paid INV-000002 when it posted: the day it was recorded.
        (f"allocation:{history.later_allocation_id}", today, "allocation", "INV-000002",
         "Payment WIRE-1 applied to INV-000002",
         [("2300", "40.00", "0.00"), ("1100", "0.00", "40.00")]),
        (f"allocation_unapplied:{history.unapplied_allocation_id}", today,
         "allocation_unapplied", "INV-000001", "Payment WIRE-1 unapplied from INV-000001",
         [("1100", "110.00", "0.00"), ("2300", "0.00", "110.00")]),
        *sorted(
            [
                (f"refund:{history.wire_refund['id']}", today, "refund", "WIRE-1",
                 "Refund of payment WIRE-1",
                 [("2300", "30.00", "0.00"), ("1000", "0.00", "30.00")]),
                (f"refund:{history.credit_refund['id']}", today, "refund", "CN-000001",
                 "Refund of credit CN-000001",
                 [("2400", "5.00", "0.00"), ("1000", "0.00", "5.00")]),
            ]
        ),
    ]  # fmt: skip
    assert {entry["account_id"] for entry in export["entries"]} == {history.usd_account}
    assert {entry["currency"] for entry in export["entries"]} == {"USD"}
    assert export["totals"] == [{"currency": "USD", "debit": "527.00", "credit": "527.00"}]
    assert (export["from"], export["to"]) == ("2026-01-01", today)


async def test_every_range_balances_in_each_currency(service, settings):
    history = await seed_history(service, settings)
    days = [
        date(2025, 12, 31),
        date(2026, 1, 1),
        date(2026, 2, 10),
        date(2026, 2, 20),
        date(2026, 3, 4),
        date(2026, 3, 5),
        history.today - timedelta(days=1),
        history.today,
    ]
    seen = set()
    for start, end in combinations_with_replacement(sorted(days), 2):
        export = await _journal(service, **{"from": start.isoformat(), "to": end.isoformat()})
        for total in export["totals"]:
            assert total["debit"] == total["credit"], (start, end, total)
        for entry in export["entries"]:
            assert start.isoformat() <= entry["entry_date"] <= end.isoformat()
            debits = sum(D(line["debit"]) for line in entry["lines"])
            credits = sum(D(line["credit"]) for line in entry["lines"])
            assert debits == credits, entry
            seen.add(entry["entry_id"])
    everything = await _journal(service, **{"from": "2026-01-01", "to": history.today.isoformat()})
    assert seen == {entry["entry_id"] for entry in everything["entries"]}
    assert [total["currency"] for total in everything["totals"]] == ["EUR", "USD"]


async def test_the_journal_to_a_day_leaves_on_receivables_what_the_aging_shows(service, settings):
    """Accounts Receivable (1100) of each account in the journal up to a day equals what the AR
    aging says the account owed at the end of that day: both read the same dates."""
    history = await seed_history(service, settings)
    for as_of in (
        date(2026, 1, 31),
        date(2026, 2, 10),
        date(2026, 3, 1),
        date(2026, 3, 5),
        history.today,
    ):
        export = await _journal(service, **{"from": "2026-01-01", "to": as_of.isoformat()})
        receivable: dict[str, Decimal] = {}
        for entry in export["entries"]:
            for line in entry["lines"]:
                if line["ledger_account_code"] == "1100":
                    change = D(line["debit"]) - D(line["credit"])
                    account = entry["account_id"]
                    receivable[account] = receivable.get(account, D(0)) + change
        for currency, account_id in (("USD", history.usd_account), ("EUR", history.eur_account)):
            response = await service.client.get(
                "/v1/reports/ar-aging", params={"as_of": as_of.isoformat(), "currency": currency}
            )
            assert response.status_code == 200, response.text
            aged = {row["account_id"]: D(row["total"]) for row in response.json()["accounts"]}
            assert aged.get(account_id, D(0)) == receivable.get(account_id, D(0)), (as_of, currency)


async def test_the_journal_to_today_agrees_with_the_account_balances(service, settings):
    history = await seed_history(service, settings)
    export = await _journal(service, **{"from": "2026-01-01", "to": history.today.isoformat()})
    ledger: dict[str, Decimal] = {}
    for entry in export["entries"]:
        if entry["account_id"] != history.usd_account:
            continue
        for line in entry["lines"]:
            code = line["ledger_account_code"]
            ledger[code] = ledger.get(code, D(0)) + D(line["debit"]) - D(line["credit"])
    response = await service.client.get(f"/v1/account-balances/{history.usd_account}")
    balance = response.json()

    assert ledger["1100"] == D(balance["open_total"]) == D("110.00")
    assert -(ledger["2300"] + ledger["2400"]) == D(balance["credit_balance"]) == D("87.00")
    assert ledger["1000"] == D("115.00")  # 150 received, 35 refunded


async def test_the_export_as_csv_has_one_row_per_line(service, settings):
    history = await seed_history(service, settings)
    params = {"from": "2026-01-01", "to": history.today.isoformat()}
    as_json = await _journal(service, **params)

    by_header = await service.client.get(
        "/v1/journal-entries", params=params, headers={"Accept": "text/csv"}
    )
    by_format = await service.client.get("/v1/journal-entries", params=params | {"format": "csv"})

    assert by_header.status_code == 200, by_header.text
    assert by_header.headers["content-type"].startswith("text/csv")
    assert "attachment" in by_header.headers["content-disposition"]
    assert by_format.text == by_header.text
    rows = list(csv.DictReader(io.StringIO(by_header.text)))
    assert list(rows[0]) == [
        "entry_id",
        "entry_date",
        "source_type",
        "source_id",
        "source_number",
        "account_id",
        "currency",
        "description",
        "line",
        "ledger_account_code",
        "ledger_account_name",
        "debit",
        "credit",
    ]
    expected = [
        (
            entry["entry_id"],
            entry["entry_date"],
            entry["currency"],
            str(number),
            line["ledger_account_code"],
            line["ledger_account_name"],
            line["debit"],
            line["credit"],
        )
        for entry in as_json["entries"]
        for number, line in enumerate(entry["lines"], start=1)
    ]
    assert [
        (
            row["entry_id"],
            row["entry_date"],
            row["currency"],
            row["line"],
            row["ledger_account_code"],
            row["ledger_account_name"],
            row["debit"],
            row["credit"],
        )
        for row in rows
    ] == expected
    for currency in ("USD", "EUR"):
        mine = [row for row in rows if row["currency"] == currency]
        assert sum(D(r["debit"]) for r in mine) == sum(D(r["credit"]) for r in mine) > 0


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-03-02", "to": "2026-03-01"}, "from"),
        ({"from": "2026-02-30", "to": "2026-03-01"}, "from"),
        ({"from": "2026-03-01", "to": "yesterday"}, "to"),
        ({"to": "2026-03-01"}, "from"),
        ({"from": "2026-03-01", "to": "2026-03-02", "currency": "XYZ"}, "currency"),
        ({"from": "2026-03-01", "to": "2026-03-02", "format": "pdf"}, "format"),
    ],
)
async def test_bad_input_is_a_422_problem(service, params, field):
    response = await service.client.get("/v1/journal-entries", params=params)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == 422
    assert field in [str(part) for error in problem["errors"] for part in error["loc"]]
