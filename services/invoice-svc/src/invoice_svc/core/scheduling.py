"""Which billing periods an order product gets: the order's terms fed to the period engine.

Pure: the `OrderActivated` snapshots in, periods out (`q2c_shared.billing.charges` says what
each charge type bills, the same dispatch quote pricing and previews use).
"""

from datetime import date

from q2c_shared.billing import charges, periods
from q2c_shared.events.contracts import ContractSnapshot, OrderProductSnapshot, OrderSnapshot


class UnschedulableOrderProduct(ValueError):
    """The order product lacks what its charge type needs to be billed."""


def periods_of(
    order: OrderSnapshot, product: OrderProductSnapshot, contract: ContractSnapshot
) -> list[periods.BillingPeriod]:
    """The billing periods of one order product, in date order, as `charges.billing_periods`
    (the one dispatch per charge type) cuts them.

    Recurring: from its start to its end date, aligned to the order's billing day of month
    (default: the start date's day) on the period grid of its subscription, which starts on the
    subscription's own start date: an amendment's delta from mid-term is cut on the grid the
    subscription was billed on, so a decrease credits exactly the unused billed days.
    One-time: once, on the start date. Usage: none.

    An evergreen subscription (no end date) is not offered yet: refusing the event (it is
    dead-lettered) is safer than silently never billing it.
    """
    try:
        return charges.billing_periods(
            charge_type=product.charge_type,
            start_date=product.start_date,
            end_date=product.end_date,
            monthly_amount=product.monthly_amount,
            amount=product.amount,
            billing_frequency=product.billing_frequency,
            billing_type=product.billing_type,
            currency=order.currency,
            billing_day_of_month=order.billing_day_of_month,
            grid_start=_subscription_start(contract, product),
        )
    except charges.UnbillableCharge as unbillable:
        raise UnschedulableOrderProduct(
            f"{product.charge_type} order product {product.id}: {unbillable}"
        ) from None


def _subscription_start(contract: ContractSnapshot, product: OrderProductSnapshot) -> date | None:
    """The start of the subscription the order product changes (None: it starts its own)."""
    for subscription in contract.subscriptions:
        if subscription.id == product.subscription_id:
            return min(subscription.start_date, product.start_date)
    return None
