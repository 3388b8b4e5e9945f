"""What credit notes credit: in full, by line, the tax with it, and what is refused."""

import uuid
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from invoice_svc.core.crediting import (
    CreditableLine,
    CreditRefused,
    credit_by_line,
    credit_in_full,
    credit_totals,
    run_credits,
)
from invoice_svc.core.drafting import DraftLine, DueCharge, InvoiceDraft
from invoice_svc.core.grouping import invoice_key


def _line(amount="31.00", tax="5.89", rate="19", credited="0.00", credited_tax="0.00", **kw):
    return CreditableLine(
        invoice_line_id=kw.get("invoice_line_id", uuid.uuid4()),
        order_id=uuid.uuid4(),
        order_product_id=uuid.uuid4(),
        product_id=uuid.uuid4(),
        description="Seat",
        period_start=date(2026, 2, 1),
        period_end=date(2026, 2, 28),
        quantity=Decimal(1),
        amount=Decimal(amount),
        tax_rate_percent=None if rate is None else Decimal(rate),
        tax_amount=Decimal(tax),
        credited_amount=Decimal(credited),
        credited_tax=Decimal(credited_tax),
    )


def test_in_full_credits_what_is_left_of_every_line_with_its_tax():
    lines = [_line(), _line("17.00", "3.23", credited="5.00", credited_tax="0.95")]

    credits = credit_in_full(lines)

    assert [(c.amount, c.tax_amount) for c in credits] == [
        (Decimal("31.00"), Decimal("5.89")),
        (Decimal("12.00"), Decimal("2.28")),
    ]
    totals = credit_totals(credits, "EUR")
    assert (totals.subtotal, totals.tax_total, totals.total) == (
        Decimal("43.00"),
        Decimal("8.17"),
        Decimal("51.17"),
    )


def test_in_full_gives_back_an_invoices_own_credit_lines_so_it_totals_what_is_left():
    lines = [_line("62.00", "11.78"), _line("-31.00", "-5.89")]
    totals = credit_totals(credit_in_full(lines), "EUR")
    assert totals.total == Decimal("36.89")


def test_in_full_refuses_an_invoice_credited_already():
    lines = [_line(credited="31.00", credited_tax="5.89")]
    with pytest.raises(CreditRefused) as refused:
        credit_in_full(lines)
    assert refused.value.code == "invoice_fully_credited"


def test_by_line_credits_the_amount_asked_with_its_tax_at_the_lines_rate():
    line = _line()
    (credit,) = credit_by_line([line], [(line.invoice_line_id, Decimal("10.00"))], currency="EUR")
    assert (credit.amount, credit.tax_amount, credit.tax_rate_percent) == (
        Decimal("10.00"),
        Decimal("1.90"),
        Decimal("19"),
    )
    assert credit.invoice_line_id == line.invoice_line_id


def test_by_line_the_rest_of_a_line_takes_the_rest_of_its_tax_exactly():
    # A line whose tax was rounded up: 0.05 x 10% = 0.005 -> 0.01. Credited 0.02, then 0.03.
    line = _line("0.05", "0.01", rate="10")
    (first,) = credit_by_line([line], [(line.invoice_line_id, Decimal("0.02"))], currency="USD")
    assert first.tax_amount == Decimal("0.00")  # 0.002 rounds to 0.00
    rest = _line("0.05", "0.01", rate="10", credited="0.02", credited_tax="0.00")
    (last,) = credit_by_line([rest], [(rest.invoice_line_id, Decimal("0.03"))], currency="USD")
    assert last.tax_amount == Decimal("0.01")  # what is left, though 0.003 would round to 0


@pytest.mark.parametrize(
    ("amount", "code"),
    [
        ("31.01", "credit_exceeds_line"),
        ("1.001", "amount_not_in_minor_units"),
    ],
)
def test_by_line_refuses_what_the_line_cannot_take(amount, code):
    line = _line()
    with pytest.raises(CreditRefused) as refused:
        credit_by_line([line], [(line.invoice_line_id, Decimal(amount))], currency="EUR")
    assert refused.value.code == code


def test_by_line_refuses_unknown_repeated_and_credit_lines():
    charge, credit = _line(), _line("-31.00", "-5.89")
    cases = [
        ([(uuid.uuid4(), Decimal(1))], "invoice_line_not_on_invoice"),
        ([(charge.invoice_line_id, Decimal(1))] * 2, "invoice_line_repeated"),
        ([(credit.invoice_line_id, Decimal(1))], "invoice_line_not_a_charge"),
    ]
    for requested, code in cases:
        with pytest.raises(CreditRefused) as refused:
            credit_by_line([charge, credit], requested, currency="EUR")
        assert refused.value.code == code


@given(
    cents=st.integers(min_value=1, max_value=1_000_000),
    rate=st.sampled_from(["0", "7", "8.875", "19", "20", "33.333"]),
    cuts=st.lists(st.integers(min_value=1, max_value=1_000_000), min_size=1, max_size=6),
)
def test_crediting_a_line_in_parts_never_credits_more_than_it_bore(cents, rate, cuts):
    """However a line is credited piece by piece, the amounts and the tax credited never exceed
    the line's, and crediting the rest clears both to the cent."""
    amount = Decimal(cents).scaleb(-2)
    tax = (amount * Decimal(rate) / 100).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
    line_id = uuid.uuid4()
    credited, credited_tax = Decimal("0.00"), Decimal("0.00")
    for cut in cuts:
        left = amount - credited
        if left <= 0:
            break
        piece = min(Decimal(cut).scaleb(-2), left)
        line = _line(str(amount), str(tax), rate, str(credited), str(credited_tax))
        line = CreditableLine(**{**line.__dict__, "invoice_line_id": line_id})
        (credit,) = credit_by_line([line], [(line_id, piece)], currency="USD")
        credited += credit.amount
        credited_tax += credit.tax_amount
        assert credited <= amount and Decimal(0) <= credited_tax <= tax
    if credited < amount:
        line = _line(str(amount), str(tax), rate, str(credited), str(credited_tax))
        (rest,) = credit_in_full([line])
        credited += rest.amount
        credited_tax += rest.tax_amount
    assert (credited, credited_tax) == (amount, tax)


def test_a_runs_negative_draft_becomes_credit_lines_with_the_signs_turned():
    acme = uuid.uuid4()
    period = DueCharge(
        billing_period_id=uuid.uuid4(),
        billing_schedule_id=uuid.uuid4(),
        period_start=date(2026, 3, 10),
        period_end=date(2026, 3, 31),
        amount=Decimal("-22.00"),
        order_id=uuid.uuid4(),
        order_product_id=uuid.uuid4(),
        product_id=uuid.uuid4(),
        description="Seat",
        quantity=Decimal(-1),
        account_id=acme,
        bill_to_account_id=acme,
        currency="EUR",
        payment_term="net_30",
    )
    draft = InvoiceDraft(
        key=invoice_key(period),
        legal_entity=None,
        invoice_date=date(2026, 3, 10),
        due_date=date(2026, 4, 9),
        lines=(
            DraftLine(period=period, tax_rate_percent=Decimal(19), tax_amount=Decimal("-4.18")),
        ),
        subtotal=Decimal("-22.00"),
        tax_total=Decimal("-4.18"),
        total=Decimal("-26.18"),
    )
    (credit,) = run_credits(draft)
    assert (credit.quantity, credit.amount, credit.tax_amount) == (
        Decimal(1),
        Decimal("22.00"),
        Decimal("4.18"),
    )
    assert credit.billing_period_id == period.billing_period_id
    assert credit.invoice_line_id is None
