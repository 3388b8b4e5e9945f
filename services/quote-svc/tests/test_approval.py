"""Where a submitted quote goes (core.approval): a table, then the threshold's edge."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quote_svc.core.approval import LineDiscount, submitted
from quote_svc.statuses import QuoteStatus

D = Decimal


@pytest.mark.parametrize(
    ("percents", "threshold", "status", "reason"),
    [
        pytest.param([], "20", QuoteStatus.APPROVED, None, id="no-lines-no-review"),
        pytest.param(["0", "10"], "20", QuoteStatus.APPROVED, None, id="within"),
        pytest.param(["20"], "20", QuoteStatus.APPROVED, None, id="exactly-the-threshold"),
        pytest.param(
            ["35", "5", "20.004"],
            "20",
            QuoteStatus.IN_REVIEW,
            "line 1 (sku1) discount 35.00% exceeds 20%; line 3 (sku3) discount 20.00% exceeds 20%",
            id="each-line-over-named",
        ),
        pytest.param(["0.5"], "0", QuoteStatus.IN_REVIEW, None, id="any-discount-at-zero"),
    ],
)
def test_submitted(percents, threshold, status, reason):
    lines = [
        LineDiscount(position=i, sku=f"sku{i}", percent=D(p)) for i, p in enumerate(percents, 1)
    ]

    outcome = submitted(lines, D(threshold))

    assert outcome.status is status
    if reason is not None or status is QuoteStatus.APPROVED:
        assert outcome.reason == reason


@given(
    percents=st.lists(st.decimals(min_value=0, max_value=100, places=3), max_size=10),
    threshold=st.decimals(min_value=0, max_value=100, places=2),
)
def test_review_exactly_when_a_line_is_over(percents, threshold):
    lines = [LineDiscount(position=i, sku="s", percent=p) for i, p in enumerate(percents, 1)]

    outcome = submitted(lines, threshold)

    over = [p for p in percents if p > threshold]
    assert (outcome.status is QuoteStatus.IN_REVIEW) == bool(over)
    assert (outcome.reason is None) == (not over)
    if over:
        assert outcome.reason.count("exceeds") == len(over)
