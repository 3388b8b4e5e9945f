"""quote-svc's errors: one class per problem, each with its HTTP status and stable code,
rendered as RFC 9457 problem details (`q2c_shared.problems`). Each route lists the ones it can
raise in `responses=` (`problem_responses`), so the OpenAPI document shows them."""

from q2c_shared.problems import Conflict, NotFound, ServiceUnavailable, Unprocessable
from q2c_shared.problems import problem_responses as problem_responses


class AccountNotFound(NotFound):
    """No account has this id."""

    code = "account_not_found"


class ProductNotFound(NotFound):
    """No product has this id."""

    code = "product_not_found"


class PriceBookNotFound(NotFound):
    """No price book has this id."""

    code = "price_book_not_found"


class QuoteNotFound(NotFound):
    """No quote has this id."""

    code = "quote_not_found"


class QuoteLineNotFound(NotFound):
    """The quote has no line with this id."""

    code = "quote_line_not_found"


class SkuTaken(Conflict):
    """Another product has this SKU."""

    code = "sku_taken"


class EntryExists(Conflict):
    """The product already has a price in this price book."""

    code = "entry_exists"


class IdempotencyKeyReused(Conflict):
    """The `Idempotency-Key` was used for another request; nothing was changed."""

    code = "idempotency_key_reused"


class QuoteNotDraft(Conflict):
    """Only a draft quote's lines can change, and only a draft can be submitted."""

    code = "quote_not_draft"


class QuoteEmpty(Conflict):
    """A quote without lines cannot be submitted."""

    code = "quote_empty"


class QuoteNotInReview(Conflict):
    """Only a quote in review can be approved or rejected."""

    code = "quote_not_in_review"


class QuoteNotApproved(Conflict):
    """Only an approved quote can be accepted."""

    code = "quote_not_approved"


class QuoteExpired(Conflict):
    """The quote is past `expires_on`."""

    code = "quote_expired"


class UnknownAccount(Unprocessable):
    """The account or billing account named does not exist."""

    code = "unknown_account"


class UnknownProduct(Unprocessable):
    """The product named does not exist."""

    code = "unknown_product"


class UnknownPriceBook(Unprocessable):
    """The price book named does not exist."""

    code = "unknown_price_book"


class ProductNotInPriceBook(Unprocessable):
    """The product has no price in the quote's price book."""

    code = "product_not_in_price_book"


class CurrencyMismatch(Unprocessable):
    """The price book's currency is not the account's (or the contract's)."""

    code = "currency_mismatch"


class UnknownContract(Unprocessable):
    """order-svc has no contract with this id."""

    code = "unknown_contract"


class ContractOfAnotherAccount(Unprocessable):
    """The contract belongs to another account than the one given."""

    code = "contract_of_another_account"


class ContractWithoutEndDate(Unprocessable):
    """The contract has no end date to co-terminate with or renew after."""

    code = "contract_without_end_date"


class AmendmentOutsideContract(Unprocessable):
    """An amendment starts within its contract's term."""

    code = "amendment_outside_contract"


class PriceBookRequired(Unprocessable):
    """The contract came from no quote here: name the price book."""

    code = "price_book_required"


class UnknownSubscription(Unprocessable):
    """The contract has no such subscription."""

    code = "unknown_subscription"


class SubscriptionListedTwice(Unprocessable):
    """A subscription's new total is given once."""

    code = "subscription_listed_twice"


class SubscriptionNotStarted(Unprocessable):
    """The subscription starts after the amendment does."""

    code = "subscription_not_started"


class SubscriptionEnded(Unprocessable):
    """The subscription ended before the amendment starts."""

    code = "subscription_ended"


class SubscriptionPriceFixed(Unprocessable):
    """A subscription keeps its net unit price: no discount on its line."""

    code = "subscription_price_fixed"


class NoQuantityChange(Unprocessable):
    """The new total is the subscription's current quantity."""

    code = "no_quantity_change"


class NothingToRenew(Unprocessable):
    """No subscription of the contract runs at its end."""

    code = "nothing_to_renew"


class TooManyLines(Unprocessable):
    """A quote has at most 1,000 lines (CONTRACT.md, HTTP conventions): the request would pass
    it; nothing was changed."""

    code = "too_many_lines"


class QuoteNotInvoiceable(Unprocessable):
    """invoice-svc refuses to draft the quote's first invoices (a due date past the business
    calendar, ...): the document cannot show them, so it is not rendered."""

    code = "quote_not_invoiceable"


class OrderServiceUnavailable(ServiceUnavailable):
    """order-svc, read for amendments and renewals, is away; nothing was changed."""

    code, title = "order_service_unavailable", "Order service unavailable"


class InvoiceServiceUnavailable(ServiceUnavailable):
    """invoice-svc, which drafts a quote document's first invoices, is away; nothing rendered."""

    code, title = "invoice_service_unavailable", "Invoice service unavailable"
