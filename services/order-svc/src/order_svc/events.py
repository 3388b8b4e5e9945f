"""The one writer of each event order-svc emits: `OrderActivated`, built from the domain rows.

Never from the public API models: a field the API does not show would silently vanish from the
event, and invoice-svc bills from the event alone. Each field of the contract model is named
here, from the row that holds it.
"""

import uuid
from collections.abc import Sequence

from order_svc.models import Contract, Order, OrderProduct, Subscription
from q2c_shared.events import contracts


def order_activated(
    order: Order,
    products: Sequence[OrderProduct],
    contract: Contract,
    subscriptions: Sequence[Subscription],
) -> contracts.OrderActivated:
    """The activated order with every order product's billing fields, and the contract it
    created, amended or renewed with all its subscriptions."""
    return contracts.OrderActivated(
        order=contracts.OrderSnapshot(
            id=str(order.id),
            number=order.number,
            type=order.type,
            contract_id=_id_or_none(order.contract_id),
            account_id=str(order.account_id),
            billing_account_id=_id_or_none(order.billing_account_id),
            quote_id=_id_or_none(order.quote_id),
            currency=order.currency,
            payment_term=order.payment_term,
            po_number=order.po_number,
            legal_entity=order.legal_entity,
            billing_day_of_month=order.billing_day_of_month,
            activated_on=order.activated_on,
            order_products=[_order_product_snapshot(product) for product in products],
        ),
        contract=contracts.ContractSnapshot(
            id=str(contract.id),
            number=contract.number,
            account_id=str(contract.account_id),
            start_date=contract.start_date,
            end_date=contract.end_date,
            subscriptions=[_subscription_snapshot(item) for item in subscriptions],
        ),
    )


def _order_product_snapshot(product: OrderProduct) -> contracts.OrderProductSnapshot:
    return contracts.OrderProductSnapshot(
        id=str(product.id),
        product_id=str(product.product_id),
        sku=product.sku,
        product_name=product.product_name,
        charge_type=product.charge_type,
        billing_type=product.billing_type,
        billing_frequency=product.billing_frequency,
        tax_code=product.tax_code,
        quantity=product.quantity,
        net_unit_price=product.net_unit_price,
        monthly_amount=product.monthly_amount,
        amount=product.amount,
        billing_account_id=_id_or_none(product.billing_account_id),
        invoice_grouping=product.invoice_grouping,
        invoice_group_id=product.invoice_group_id,
        start_date=product.start_date,
        end_date=product.end_date,
        subscription_id=_id_or_none(product.subscription_id),
    )


def _subscription_snapshot(subscription: Subscription) -> contracts.SubscriptionSnapshot:
    return contracts.SubscriptionSnapshot(
        id=str(subscription.id),
        product_id=str(subscription.product_id),
        quantity=subscription.quantity,
        net_unit_price=subscription.net_unit_price,
        start_date=subscription.start_date,
        end_date=subscription.end_date,
    )


def _id_or_none(value: uuid.UUID | None) -> str | None:
    return str(value) if value is not None else None
