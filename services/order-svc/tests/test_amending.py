"""What amendment deltas and renewals do to a subscription: worked tables."""

from datetime import date
from decimal import Decimal

import pytest

from order_svc.core.amending import AmendmentRefused, amended_subscription, renewal_starts_after

D = Decimal
START, END = date(2026, 1, 15), date(2027, 1, 14)


@pytest.mark.parametrize(
    ("quantity", "end_date", "delta", "start", "expected"),
    [
        pytest.param("1", END, "1", "2026-03-10", ("2", END), id="one-more"),
        pytest.param("10", END, "-3", "2026-03-10", ("7", END), id="three-fewer"),
        pytest.param(
            "10", END, "-10", "2026-03-10", ("0", date(2026, 3, 9)), id="cancel-ends-day-before"
        ),
        pytest.param(
            "5", END, "-5", "2026-01-15", ("0", date(2026, 1, 14)), id="cancel-from-the-start"
        ),
        pytest.param("2.5", END, "0.5", "2027-01-14", ("3.0", END), id="fractional-on-last-day"),
        pytest.param("3", None, "2", "2026-03-10", ("5", None), id="evergreen"),
    ],
)
def test_amended_subscription(
    quantity: str, end_date: date | None, delta: str, start: str, expected: tuple
) -> None:
    terms = amended_subscription(
        quantity=D(quantity),
        start_date=START,
        end_date=end_date,
        quantity_delta=D(delta),
        amendment_start=date.fromisoformat(start),
    )
    assert (str(terms.quantity), terms.end_date) == expected


@pytest.mark.parametrize(
    ("quantity", "end_date", "delta", "start", "message"),
    [
        pytest.param("2", END, "-3", "2026-03-10", "would leave -1", id="below-zero"),
        pytest.param(
            "0", date(2026, 3, 9), "1", "2026-04-01", "ended on 2026-03-09", id="already-ended"
        ),
        pytest.param("1", END, "1", "2026-01-14", "starts on 2026-01-15", id="before-it-started"),
    ],
)
def test_amended_subscription_refuses(
    quantity: str, end_date: date, delta: str, start: str, message: str
) -> None:
    with pytest.raises(AmendmentRefused, match=message):
        amended_subscription(
            quantity=D(quantity),
            start_date=START,
            end_date=end_date,
            quantity_delta=D(delta),
            amendment_start=date.fromisoformat(start),
        )


@pytest.mark.parametrize(
    ("contract_end", "renewal_start", "expected"),
    [
        pytest.param(END, date(2027, 1, 15), True, id="the-day-after"),
        pytest.param(END, date(2027, 1, 14), False, id="overlapping"),
        pytest.param(END, date(2027, 1, 16), False, id="a-gap"),
        pytest.param(date(2028, 1, 14), date(2027, 1, 15), False, id="renewed-already"),
        pytest.param(None, date(2027, 1, 15), False, id="no-end-to-renew-after"),
    ],
)
def test_renewal_starts_after(contract_end: date | None, renewal_start: date, expected: bool):
    assert renewal_starts_after(contract_end, renewal_start) is expected
