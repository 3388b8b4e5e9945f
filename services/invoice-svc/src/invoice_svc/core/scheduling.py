"""Which billing periods an order product gets: the order's terms fed to the period engine.

Pure: the `OrderActivated` snapshots in, periods out (q2c_shared.billing.periods does the
arithmetic, the same engine quote previews use).
"""

from datetime import date

from q2c_shared.billing import periods
from q2c_shared.billing.catalog import ChargeType
from q2c_shared.billing.periods import BillingFrequency, BillingType
from q2c_shared.events.contracts import ContractSnapshot, OrderProductSnapshot, OrderSnapshot


class UnschedulableOrderProduct(ValueError):
    """The order product lacks what its charge type needs to be billed."""


def periods_of(
    order: OrderSnapshot, product: OrderProductSnapshot, contract: ContractSnapshot
) -> list[periods.BillingPeriod]:
    """The billing periods of one order product, in date order.

    Recurring: from its start to its end date, aligned to the order's billing day of month
    (default: the start date's day) on the period grid of its subscription, which starts on the
    subscription's own start date: an amendment's delta from mid-term is cut on the grid the
    subscription was billed on, so a decrease credits exactly the unused billed days.
    One-time: once, on the start date. Usage: none.
    """
    match ChargeType(product.charge_type):
        case ChargeType.RECURRING:
            if product.monthly_amount is None:
                raise UnschedulableOrderProduct(
                    f"recurring order product {product.id} has no monthly_amount"
                )
            if product.end_date is None:
                # Evergreen subscriptions (no end date) are not offered yet; refusing the event
                # (it is dead-lettered) is safer than silently never billing it.
                raise UnschedulableOrderProduct(
                    f"recurring order product {product.id} has no end_date"
                )
            return periods.recurring_periods(
                start_date=product.start_date,
                end_date=product.end_date,
                monthly_amount=product.monthly_amount,
                frequency=BillingFrequency(product.billing_frequency or BillingFrequency.MONTHLY),
                billing_type=BillingType(product.billing_type),
                currency=order.currency,
                billing_day_of_month=order.billing_day_of_month,
                grid_start=_subscription_start(contract, product),
            )
        case ChargeType.ONE_TIME:
            if product.amount is None:
                raise UnschedulableOrderProduct(
                    f"one-time order product {product.id} has no amount"
                )
            return [
                periods.one_time_period(
                    start_date=product.start_date, amount=product.amount, currency=order.currency
                )
            ]
        case ChargeType.USAGE:
            # Usage is billed from rated consumption once it is recorded (a later issue), not
            # from periods cut in advance: its schedule has no periods yet.
            return []
    raise AssertionError(f"unhandled charge type {product.charge_type!r}")


def _subscription_start(contract: ContractSnapshot, product: OrderProductSnapshot) -> date | None:
    """The start of the subscription the order product changes (None: it starts its own)."""
    for subscription in contract.subscriptions:
        if subscription.id == product.subscription_id:
            return min(subscription.start_date, product.start_date)
    return None
