"""Approval: where a submitted quote goes, by its lines' discounts (CONTRACT.md, quote-svc).

Pure: the lines' effective discounts and the threshold in, the status and its reason out.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from quote_svc.statuses import QuoteStatus


@dataclass(frozen=True)
class LineDiscount:
    position: int
    sku: str
    percent: Decimal
    """The line's discount as a percent of its priced amount
    (`pricing.effective_discount_percent`)."""


@dataclass(frozen=True)
class Submission:
    status: QuoteStatus
    reason: str | None
    """Why the quote waits in review: each line over the threshold; none when approved."""


def submitted(discounts: Iterable[LineDiscount], threshold_percent: Decimal) -> Submission:
    """`in_review` when any line's discount exceeds the threshold (strictly: exactly 20% off
    under a 20% threshold is approved), else `approved` at once."""
    over = [line for line in discounts if line.percent > threshold_percent]
    if not over:
        return Submission(status=QuoteStatus.APPROVED, reason=None)
    return Submission(
        status=QuoteStatus.IN_REVIEW,
        reason="; ".join(
            f"line {line.position} ({line.sku}) discount {line.percent:.2f}% exceeds "
            f"{threshold_percent}%"
            for line in over
        ),
    )
