"""What an amendment's or a renewal's order products do to a contract's subscriptions.

Pure: quantities and dates in, the subscription's new terms out. Activation
(contracts/service.py) loads and locks the rows and writes what these functions say.

An amendment order product carries the change of quantity (the delta), not the new total, so
two amendments activated one after the other both apply, whatever each saw when it was quoted.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

_ONE_DAY = timedelta(days=1)


class AmendmentRefused(ValueError):
    """The change cannot apply to the subscription as it is now."""


@dataclass(frozen=True)
class SubscriptionTerms:
    quantity: Decimal
    end_date: date | None


def amended_subscription(
    *,
    quantity: Decimal,
    start_date: date,
    end_date: date | None,
    quantity_delta: Decimal,
    amendment_start: date,
) -> SubscriptionTerms:
    """The subscription after a change of `quantity_delta` from `amendment_start`.

    The quantity becomes current + delta. Down to 0 cancels it: it ends the day before the
    amendment starts (the credit for the rest is billed from the amendment's own order
    product). Below 0, or a change outside the subscription's own dates (before it started,
    after it ended), is refused.
    """
    if amendment_start < start_date:
        raise AmendmentRefused(
            f"the subscription starts on {start_date}, after the amendment starts on "
            f"{amendment_start}"
        )
    if end_date is not None and end_date < amendment_start:
        raise AmendmentRefused(
            f"the subscription ended on {end_date}, before the amendment starts on "
            f"{amendment_start}"
        )
    new_quantity = quantity + quantity_delta
    if new_quantity < 0:
        raise AmendmentRefused(
            f"the subscription has {quantity}; a change of {quantity_delta} would leave "
            f"{new_quantity}"
        )
    if new_quantity == 0:
        return SubscriptionTerms(quantity=new_quantity, end_date=amendment_start - _ONE_DAY)
    return SubscriptionTerms(quantity=new_quantity, end_date=end_date)


def renewal_starts_after(contract_end: date | None, renewal_start: date) -> bool:
    """A renewal continues the contract: it starts the day after the contract's current end
    (so a second renewal quoted against the same end is refused once the first applied)."""
    return contract_end is not None and renewal_start == contract_end + _ONE_DAY
