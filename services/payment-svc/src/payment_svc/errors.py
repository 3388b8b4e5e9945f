"""payment-svc's errors: one class per problem, each with its HTTP status and stable code,
rendered as RFC 9457 problem details (`q2c_shared.problems`). Each route lists the ones it can
raise in `responses=` (`problem_responses`), so the OpenAPI document shows them.

The payment gateways' own errors (`invalid_signature`, `invalid_event`,
`gateway_not_configured`) live with the gateways (`gateways/base.py`).
"""

from q2c_shared.problems import (
    Conflict,
    NotFound,
    Unprocessable,
)
from q2c_shared.problems import problem_responses as problem_responses


class PaymentNotFound(NotFound):
    """No payment has this id."""

    code = "payment_not_found"


class ReceivableNotFound(NotFound):
    """No receivable has this id."""

    code = "receivable_not_found"


class InvalidAllocations(Unprocessable):
    """The allocations asked for name an invoice that is not open, or ask for more than its
    balance or than the payment."""

    code = "invalid_allocations"


class UnknownAccount(Unprocessable):
    """payment-svc knows no such account: no account event of it arrived and no invoice of it
    was posted. Money is never credited to an account nobody can find."""

    code, title = "unknown_account", "Unknown account"


class UnknownInvoice(Unprocessable):
    """An allocation names an invoice payment-svc has no receivable of."""

    code, title = "unknown_invoice", "Unknown invoice"


class InvoiceOfAnotherAccount(Unprocessable):
    """An allocation names an invoice another account owes."""

    code, title = "invoice_of_another_account", "Invoice of another account"


class InvoiceInAnotherCurrency(Unprocessable):
    """An allocation names an invoice in another currency than the payment's."""

    code, title = "invoice_in_another_currency", "Invoice in another currency"


class GatewayPaymentExists(Conflict):
    """A gateway's payment (its reference) is already recorded; nothing was changed."""

    code, title = "gateway_payment_exists", "Gateway payment already recorded"


class RefundNotPositive(Unprocessable):
    """The refund rounds to nothing (or less) in the payment's currency."""

    code = "refund_not_positive"


class RefundExceedsUnallocated(Conflict):
    """The refund is more than the payment's unallocated money."""

    code = "refund_exceeds_unallocated"


class AllocationNotFound(NotFound):
    """The payment has no such allocation."""

    code = "allocation_not_found"


class AllocationAlreadyUnapplied(Conflict):
    """The allocation was taken back already."""

    code = "allocation_already_unapplied"


class AccountNotFound(NotFound):
    """payment-svc has no receivable, payment nor account event of the account."""

    code = "account_not_found"


class CurrencyRequired(Unprocessable):
    """The account (or the report) has money in several currencies: name one."""

    code = "currency_required"


class UnknownCurrency(Unprocessable):
    """Not an ISO 4217 currency code payment-svc knows."""

    code = "unknown_currency"


class InvalidPeriod(Unprocessable):
    """The period starts after it ends."""

    code = "invalid_period"


class UnsupportedFormat(Unprocessable):
    """The route does not offer the `format` asked for."""

    code = "unsupported_format"
