"""The one writer of each event quote-svc emits: `AccountCreated`, `AccountUpdated` and
`QuoteAccepted`, built from the domain rows.

Never from the public API models: a field the API does not show (a line's `tax_code`) would
silently vanish from the event, and every consumer downstream would bill without it. Each field
of the contract model is named here, from the row that holds it.
"""

import uuid
from collections.abc import Sequence

from q2c_shared.events import contracts
from quote_svc.models import Account, Quote, QuoteLine


def account_created(account: Account) -> contracts.AccountCreated:
    return contracts.AccountCreated(account=account_snapshot(account))


def account_updated(account: Account) -> contracts.AccountUpdated:
    return contracts.AccountUpdated(account=account_snapshot(account))


def quote_accepted(
    quote: Quote, lines: Sequence[QuoteLine], account: Account
) -> contracts.QuoteAccepted:
    """The accepted quote with every line's billing fields, and its account as it is now."""
    return contracts.QuoteAccepted(
        quote=contracts.QuoteSnapshot(
            id=str(quote.id),
            number=quote.number,
            type=quote.type,
            account_id=str(quote.account_id),
            price_book_id=str(quote.price_book_id),
            currency=quote.currency,
            start_date=quote.start_date,
            end_date=quote.end_date,
            term_months=quote.term_months,
            billing_day_of_month=quote.billing_day_of_month,
            payment_term=quote.payment_term,
            billing_account_id=_id_or_none(quote.billing_account_id),
            po_number=quote.po_number,
            legal_entity=quote.legal_entity,
            contract_id=_id_or_none(quote.contract_id),
            one_time_total=quote.one_time_total,
            monthly_recurring_total=quote.monthly_recurring_total,
            total_contract_value=quote.total_contract_value,
            lines=[_line_snapshot(line) for line in lines],
        ),
        account=account_snapshot(account),
    )


def account_snapshot(account: Account) -> contracts.AccountSnapshot:
    return contracts.AccountSnapshot(
        id=str(account.id),
        name=account.name,
        currency=account.currency,
        email=account.email,
        billing_address=(
            contracts.BillingAddress.model_validate(account.billing_address)
            if account.billing_address is not None
            else None
        ),
        payment_term=account.payment_term,
        legal_entity=account.legal_entity,
        tax_exempt=account.tax_exempt,
    )


def _line_snapshot(line: QuoteLine) -> contracts.QuoteLineSnapshot:
    """A line as its order product will carry it; the product's billing fields (charge and
    billing type, frequency, tax code) were copied onto the line when it was added."""
    return contracts.QuoteLineSnapshot(
        id=str(line.id),
        product_id=str(line.product_id),
        sku=line.sku,
        product_name=line.product_name,
        charge_type=line.charge_type,
        billing_type=line.billing_type,
        billing_frequency=line.billing_frequency,
        tax_code=line.tax_code,
        quantity=line.quantity,
        net_unit_price=line.net_unit_price,
        monthly_amount=line.monthly_amount,
        amount=line.amount,
        billing_account_id=_id_or_none(line.billing_account_id),
        invoice_grouping=line.invoice_grouping,
        invoice_group_id=line.invoice_group_id,
        list_unit_price=line.list_unit_price,
        net_total=line.net_total,
        discount_percent=line.discount_percent,
        discount_amount=line.discount_amount,
        subscription_id=_id_or_none(line.subscription_id),
        quantity_delta=line.quantity_delta,
    )


def _id_or_none(value: uuid.UUID | None) -> str | None:
    return str(value) if value is not None else None
