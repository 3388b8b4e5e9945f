"""The quote as invoice-svc's preview takes it, and the invoices of successive billing dates
made of its previews: pure, table-driven."""

import uuid
from datetime import date
from decimal import Decimal

import pytest

from quote_svc.documents.first_invoices import (
    billing_dates,
    documents_of_each_date,
    preview_request,
)
from quote_svc.documents.invoice_client import (
    PreviewAnswer,
    PreviewedCreditNote,
    PreviewedInvoice,
    PreviewedLine,
)
from quote_svc.models import Quote, QuoteLine

ACCOUNT = uuid.uuid4()
PAYER = uuid.uuid4()


def _quote(**fields) -> Quote:
    return Quote(
        id=uuid.uuid4(),
        number="Q-000001",
        type=fields.pop("type", "new"),
        status="draft",
        account_id=ACCOUNT,
        price_book_id=uuid.uuid4(),
        currency="USD",
        start_date=date(2026, 1, 15),
        term_months=12,
        end_date=date(2027, 1, 14),
        billing_day_of_month=1,
        payment_term="net_15",
        billing_account_id=PAYER,
        po_number="PO-1",
        legal_entity="q2c GmbH",
        one_time_total=Decimal("0"),
        monthly_recurring_total=Decimal("0"),
        total_contract_value=Decimal("0"),
        **fields,
    )


def _line(**fields) -> QuoteLine:
    recurring = fields.get("charge_type", "recurring") == "recurring"
    return QuoteLine(
        id=uuid.uuid4(),
        quote_id=uuid.uuid4(),
        position=1,
        product_id=uuid.uuid4(),
        sku="seat",
        product_name="Seat",
        charge_type="recurring",
        billing_type="advance",
        billing_frequency="monthly" if recurring else None,
        tax_code="SAAS",
        pricing_model="per_unit",
        quantity=Decimal("3"),
        list_unit_price=Decimal("31.00"),
        net_unit_price=Decimal("27.90"),
        monthly_amount=Decimal("83.70") if recurring else None,
        amount=None if recurring else Decimal("500.00"),
        net_total=Decimal("1004.40"),
    ).model_copy(update=fields)


def test_the_proposed_order_carries_every_billing_field_of_the_rows():
    quote = _quote()
    seat = _line(
        billing_account_id=PAYER, invoice_grouping="invoice_group_id", invoice_group_id="EU"
    )

    body = preview_request(quote, [seat], date(2026, 2, 1))

    assert (body["target_date"], body["invoice_date"]) == ("2026-02-01", "2026-02-01")
    order = body["proposed_order"]
    assert {key: value for key, value in order.items() if key != "order_products"} == {
        "account_id": str(ACCOUNT),
        "billing_account_id": str(PAYER),
        "currency": "USD",
        "payment_term": "net_15",
        "po_number": "PO-1",
        "legal_entity": "q2c GmbH",
        "billing_day_of_month": 1,
    }
    assert order["order_products"] == [
        {
            "id": str(seat.id),
            "product_id": str(seat.product_id),
            "sku": "seat",
            "product_name": "Seat",
            "charge_type": "recurring",
            "billing_type": "advance",
            "billing_frequency": "monthly",
            "tax_code": "SAAS",
            "quantity": "3",
            "net_unit_price": "27.90",
            "monthly_amount": "83.70",
            "amount": None,
            "billing_account_id": str(PAYER),
            "invoice_grouping": "invoice_group_id",
            "invoice_group_id": "EU",
            "start_date": "2026-01-15",
            "end_date": "2027-01-14",
            "subscription_id": None,
            "subscription_start_date": None,
        }
    ]


def test_an_amendment_orders_the_change_of_quantity():
    subscription = uuid.uuid4()
    change = _line(
        quantity=Decimal("1"),
        quantity_delta=Decimal("-2"),
        monthly_amount=Decimal("-55.80"),
        subscription_id=subscription,
        subscription_start_date=date(2025, 11, 1),
    )

    (product,) = preview_request(_quote(type="amendment"), [change], date(2026, 2, 1))[
        "proposed_order"
    ]["order_products"]

    assert (product["quantity"], product["monthly_amount"], product["subscription_id"]) == (
        "-2",
        "-55.80",
        str(subscription),
    )
    # Cut on the grid of the subscription it changes, as the amendment order will be billed.
    assert product["subscription_start_date"] == "2025-11-01"


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        # Advance from the 15th on the 1st: the part month, then whole months.
        ([_line()], [date(2026, 1, 15), date(2026, 2, 1), date(2026, 3, 1)]),
        # Arrears: each period billed on its last day.
        (
            [_line(billing_type="arrears")],
            [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31)],
        ),
        # A one-time fee on the start date, shared with the first recurring date.
        (
            [_line(charge_type="one_time"), _line(billing_frequency="quarterly")],
            [date(2026, 1, 15), date(2026, 2, 1), date(2026, 5, 1)],
        ),
        # Usage is billed as consumed: no date.
        ([_line(charge_type="usage", monthly_amount=None)], []),
    ],
)
def test_billing_dates(lines, expected):
    assert billing_dates(_quote(), lines) == expected


def _invoice(bill_to, invoice_date, *lines) -> PreviewedInvoice:
    subtotal = sum((Decimal(amount) for _, _, amount, _ in lines), Decimal("0.00"))
    tax = sum((Decimal(tax) for _, _, _, tax in lines), Decimal("0.00"))
    return PreviewedInvoice(
        account_id=bill_to,
        currency="USD",
        invoice_date=invoice_date,
        due_date=invoice_date,
        lines=[
            PreviewedLine(
                order_product_id=product,
                description="Seat",
                period_start=start,
                period_end=start,
                amount=Decimal(amount),
                tax_rate_percent=Decimal("7.25"),
                tax_amount=Decimal(tax),
            )
            for product, start, amount, tax in lines
        ],
        subtotal=subtotal,
        tax_total=tax,
        total=subtotal + tax,
        grouping={},
    )


def test_each_dates_invoices_leave_out_what_an_earlier_date_billed():
    seat, setup = uuid.uuid4(), uuid.uuid4()
    jan, feb = date(2026, 1, 15), date(2026, 2, 1)
    first = [
        _invoice(ACCOUNT, jan, (seat, jan, "45.90", "3.33")),
        _invoice(PAYER, jan, (setup, jan, "500.00", "36.25")),
    ]
    # By 1 Feb everything due so far, on the same two invoices: the payer's has nothing new.
    second = [
        _invoice(ACCOUNT, feb, (seat, jan, "45.90", "3.33"), (seat, feb, "83.70", "6.07")),
        _invoice(PAYER, feb, (setup, jan, "500.00", "36.25")),
    ]

    invoices = documents_of_each_date(
        [PreviewAnswer(items=first), PreviewAnswer(items=second)], payment_term="net_15"
    )

    assert invoices[:2] == first
    (february,) = invoices[2:]
    assert (february.account_id, february.invoice_date) == (ACCOUNT, feb)
    assert [line.period_start for line in february.lines] == [feb]
    assert (february.subtotal, february.tax_total, february.total) == (
        Decimal("83.70"),
        Decimal("6.07"),
        Decimal("89.77"),
    )


def _credit_note(bill_to, issue_date, *lines) -> PreviewedCreditNote:
    invoice = _invoice(bill_to, issue_date, *lines)
    return PreviewedCreditNote(
        issue_date=issue_date,
        **invoice.model_dump(include={"account_id", "currency", "lines", "grouping"}),
        **{name: getattr(invoice, name) for name in ("subtotal", "tax_total", "total")},
    )


def test_each_dates_credit_notes_leave_out_what_an_earlier_date_credited():
    seat = uuid.uuid4()
    may, aug, nov = date(2026, 5, 16), date(2026, 8, 1), date(2026, 11, 1)
    first = _credit_note(ACCOUNT, may, (seat, may, "75.33", "5.46"))
    # Everything credited by 1 Aug, on one credit note: only the August quarter is new.
    second = _credit_note(ACCOUNT, aug, (seat, may, "75.33", "5.46"), (seat, aug, "90.00", "6.53"))

    documents = documents_of_each_date(
        [
            PreviewAnswer(items=[], credit_notes=[first]),
            PreviewAnswer(items=[], credit_notes=[second]),
        ],
        payment_term="net_15",
    )

    assert documents[0] == first
    (august,) = documents[1:]
    assert isinstance(august, PreviewedCreditNote)
    assert (august.issue_date, [line.period_start for line in august.lines]) == (aug, [aug])
    assert (august.subtotal, august.tax_total, august.total) == (
        Decimal("90.00"),
        Decimal("6.53"),
        Decimal("96.53"),
    )
    assert nov not in {line.period_start for document in documents for line in document.lines}


def test_what_is_left_of_a_credit_note_is_an_invoice_when_it_is_a_charge():
    seat, addon = uuid.uuid4(), uuid.uuid4()
    may, aug = date(2026, 5, 16), date(2026, 8, 1)
    first = _credit_note(ACCOUNT, may, (seat, may, "75.33", "5.46"))
    # By 1 Aug the may credit still outweighs the add-on charged in August; without it, the
    # August run bills the add-on alone: an invoice, due by the quote's payment term.
    second = _credit_note(
        ACCOUNT, aug, (seat, may, "75.33", "5.46"), (addon, aug, "-30.00", "-2.18")
    )

    documents = documents_of_each_date(
        [
            PreviewAnswer(items=[], credit_notes=[first]),
            PreviewAnswer(items=[], credit_notes=[second]),
        ],
        payment_term="net_15",
    )

    (august,) = documents[1:]
    assert isinstance(august, PreviewedInvoice)
    assert (august.invoice_date, august.due_date) == (aug, date(2026, 8, 16))
    assert [(line.amount, line.tax_amount) for line in august.lines] == [
        (Decimal("30.00"), Decimal("2.18"))
    ]
    assert august.total == Decimal("32.18")
