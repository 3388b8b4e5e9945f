"""Customer statements over HTTP (JSON and PDF), from a history made through the real flow
(real PostgreSQL, real broker); the PDF read back with pypdf and drawn with pypdfium2."""

import io
import os
import uuid
from datetime import date
from pathlib import Path

import pypdf
import pypdfium2
import pytest
from factories import account_event, invoice_posted, post_invoice, publish_account_events
from history import History, seed_history

from payment_svc.reports.documents.brand import StatementBrand
from q2c_shared.testing.waiting import eventually

pytestmark = pytest.mark.usefixtures("outbox_drained")


@pytest.fixture
def settings(settings, tmp_path):
    """The sender every statement is printed as."""
    logo = tmp_path / "northwind.svg"
    logo.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40">'
        '<rect width="40" height="40" rx="8" fill="#0e7c66"/>'
        '<text x="50" y="29" font-family="sans-serif" font-size="22" font-weight="bold" '
        'fill="#0e7c66">Northwind</text></svg>'
    )
    return settings.model_copy(
        update={
            "statement_brand": StatementBrand(
                display_name="Northwind",
                legal_name="Northwind Trading GmbH",
                color="#0E7C66",
                logo_path=logo,
                address_lines=["Friedrichstr. 68", "10117 Berlin", "Germany"],
                email="receivables@northwind.example",
                payment_instructions=[
                    "Bank: Deutsche Bank · IBAN DE89 3704 0044 0532 0130 00 · BIC DEUTDEFFXXX",
                    "Please quote your account name and the invoice numbers you pay.",
                ],
            )
        }
    )


async def _named(service, settings, history: History) -> None:
    await publish_account_events(
        settings,
        account_event(
            account_id=history.usd_account,
            name="Acme Corporation",
            email="accounts.payable@acme.example",
            currency="USD",
        ),
    )

    async def known() -> bool:
        response = await service.client.get(f"/v1/account-balances/{history.usd_account}")
        return response.json().get("account_name") == "Acme Corporation"

    await eventually(known, message="the account event was not applied")


async def _statement(service, account_id: str, **params) -> dict:
    response = await service.client.get(f"/v1/statements/{account_id}", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    return response.json()


def _entries(statement: dict) -> list[tuple]:
    return [
        (e["entry_date"], e["type"], e["number"], e["description"], e["amount"], e["balance"])
        for e in statement["entries"]
    ]


async def test_a_statement_runs_from_the_opening_to_the_closing_balance(service, settings):
    history = await seed_history(service, settings)
    await _named(service, settings, history)
    today = history.today.isoformat()

    statement = await _statement(
        service, history.usd_account, **{"from": "2026-02-01", "to": today}
    )

    assert (statement["account_id"], statement["name"], statement["email"]) == (
        history.usd_account,
        "Acme Corporation",
        "accounts.payable@acme.example",
    )
    assert (statement["currency"], statement["from"], statement["to"]) == (
        "USD",
        "2026-02-01",
        today,
    )
    # INV-000001 (110.00) was owed before the period.
    assert statement["opening_balance"] == "110.00"
    assert _entries(statement) == [
        ("2026-02-10", "payment", "WIRE-1", "Payment WIRE-1 received by bank transfer",
         "-150.00", "-40.00"),
        ("2026-03-01", "invoice", "INV-000002", "Invoice INV-000002", "50.00", "10.00"),
        # The credit note's excess became a credit_note payment: the credit note shows it once.
        ("2026-03-05", "credit_note", "CN-000001",
         "Credit note CN-000001 for invoice INV-000001", "-22.00", "-12.00"),
        (today, "refund", "CN-000001", "Refund of account credit CN-000001", "5.00", "-7.00"),
        (today, "refund", "WIRE-1", "Refund of payment WIRE-1", "30.00", "23.00"),
    ]  # fmt: skip
    assert statement["entries"][1]["due_date"] == "2026-03-31"
    assert statement["entries"][0]["document_id"] == history.wire["id"]
    assert statement["closing_balance"] == "23.00"
    assert statement["totals"] == {
        "invoiced": "50.00",
        "credited": "22.00",
        "paid": "150.00",
        "refunded": "35.00",
    }
    # What the account owes (INV-000001 again, unapplied) less its unused money.
    assert statement["aging"] == {
        "current": "0.00",
        "1_30": "0.00",
        "31_60": "0.00",
        "61_90": "0.00",
        "over_90": "110.00",
        "total": "110.00",
    }
    assert statement["unapplied_credit"] == "87.00"
    balance = (await service.client.get(f"/v1/account-balances/{history.usd_account}")).json()
    assert (balance["open_total"], balance["credit_balance"]) == ("110.00", "87.00")


async def test_consecutive_statements_chain_and_age_at_their_end(service, settings):
    history = await seed_history(service, settings)

    january = await _statement(
        service, history.usd_account, **{"from": "2026-01-01", "to": "2026-01-31"}
    )
    february = await _statement(
        service, history.usd_account, **{"from": "2026-02-01", "to": "2026-02-28"}
    )

    assert january["opening_balance"] == "0.00"
    assert _entries(january) == [
        ("2026-01-01", "invoice", "INV-000001", "Invoice INV-000001", "110.00", "110.00")
    ]
    assert january["closing_balance"] == february["opening_balance"] == "110.00"
    assert (january["aging"]["current"], january["aging"]["total"]) == ("110.00", "110.00")
    assert january["unapplied_credit"] == "0.00"
    # WIRE-1 paid INV-000001 on 10 Feb and left 40.00 of credit.
    assert february["closing_balance"] == "-40.00"
    assert (february["aging"]["total"], february["unapplied_credit"]) == ("0.00", "40.00")


async def test_the_period_defaults_to_this_month_until_today(service, settings):
    history = await seed_history(service, settings)

    statement = await _statement(service, history.usd_account)

    assert statement["to"] == history.today.isoformat()
    assert statement["from"] == history.today.replace(day=1).isoformat()
    assert statement["closing_balance"] == "23.00"


async def test_a_statement_is_a_pdf_to_send_the_customer(service, settings, tmp_path):
    history = await seed_history(service, settings)
    await _named(service, settings, history)
    params = {"from": "2026-01-01", "to": history.today.isoformat()}

    by_header = await service.client.get(
        f"/v1/statements/{history.usd_account}",
        params=params,
        headers={"Accept": "application/pdf"},
    )
    by_format = await service.client.get(
        f"/v1/statements/{history.usd_account}", params=params | {"format": "pdf"}
    )

    for response in (by_header, by_format):
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
        assert response.headers["content-disposition"] == (
            f'inline; filename="statement-{history.usd_account}-2026-01-01-'
            f'{history.today.isoformat()}.pdf"'
        )
    # Drawn, to look at: STATEMENT_PNG=/tmp/statement.png pytest -k pdf_to_send
    document = pypdfium2.PdfDocument(by_header.content)
    image = document[0].render(scale=2).to_pil()
    image.save(Path(os.environ.get("STATEMENT_PNG", tmp_path / "statement.png")))
    assert len(document) == 1
    reader = pypdf.PdfReader(io.BytesIO(by_header.content))
    assert reader.metadata.title == f"Statement of account, 1 Jan \N{EN DASH} {_day(history.today)}"
    # Case-blind: headings and labels are set in capitals by the stylesheet.
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split()).lower()
    for expected in [
        "Statement of account",
        "Northwind Trading GmbH",
        "Acme Corporation",
        "accounts.payable@acme.example",
        "Balance due",
        "USD 23.00",
        "Invoice INV-000001",
        "Payment WIRE-1 received by bank transfer",
        "Credit note CN-000001 for invoice INV-000001",
        "Refund of payment WIRE-1",
        "150.00",
        "(40.00)",  # a balance in the customer's favour
        "Over 90 days",
        "DE89 3704 0044 0532 0130 00",
        "receivables@northwind.example",
    ]:
        assert expected.lower() in text, expected


def _day(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


async def test_an_account_in_several_currencies_names_one(service, settings):
    history = await seed_history(service, settings)
    await post_invoice(
        service,
        settings,
        invoice_posted(account_id=history.usd_account, currency="EUR", number="INV-E1"),
    )

    response = await service.client.get(f"/v1/statements/{history.usd_account}")
    euros = await _statement(service, history.usd_account, currency="EUR", to="2026-12-31")

    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "currency_required"
    assert [(e["number"], e["amount"]) for e in euros["entries"]] == []
    assert euros["opening_balance"] == "100.00"  # the EUR invoice of 1 Jan, before December


async def test_an_account_payment_svc_never_heard_of_is_a_404(service):
    response = await service.client.get(f"/v1/statements/{uuid.uuid4()}")

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "account_not_found"


async def test_an_account_known_only_from_its_account_events_has_an_empty_statement(
    service, settings
):
    account_id = str(uuid.uuid4())
    await publish_account_events(settings, account_event(account_id=account_id, currency="EUR"))

    async def known():
        response = await service.client.get(f"/v1/account-balances/{account_id}")
        return response.status_code == 200

    await eventually(known, message="the account event was not applied")
    statement = await _statement(service, account_id, **{"from": "2026-01-01", "to": "2026-01-31"})

    assert (statement["currency"], statement["name"]) == ("EUR", "Acme GmbH")
    assert (statement["opening_balance"], statement["closing_balance"]) == ("0.00", "0.00")
    assert statement["entries"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-03-02", "to": "2026-03-01"}, "from"),
        ({"from": "2026-02-29"}, "from"),
        ({"to": "soon"}, "to"),
        ({"currency": "XYZ"}, "currency"),
        ({"format": "csv"}, "format"),
    ],
)
async def test_bad_input_is_a_422_problem(service, settings, params, field):
    account_id = str(uuid.uuid4())
    await post_invoice(service, settings, invoice_posted(account_id=account_id))

    response = await service.client.get(f"/v1/statements/{account_id}", params=params)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in [str(part) for error in response.json()["errors"] for part in error["loc"]]


async def test_a_malformed_account_id_is_a_422(service):
    response = await service.client.get("/v1/statements/not-an-id", params={"to": "2026-01-01"})

    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
