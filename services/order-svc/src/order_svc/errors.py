"""order-svc's errors: one class per problem, each with its HTTP status and stable code,
rendered as RFC 9457 problem details (`q2c_shared.problems`). Each route lists the ones it can
raise in `responses=` (`problem_responses`), so the OpenAPI document shows them."""

from q2c_shared.problems import (
    Conflict,
    NotFound,
    Unprocessable,
)
from q2c_shared.problems import problem_responses as problem_responses


class OrderNotFound(NotFound):
    """No order has this id."""

    code = "order_not_found"


class ContractNotFound(NotFound):
    """No contract has this id."""

    code = "contract_not_found"


class OrderProductOutsideTerm(Unprocessable):
    """An order product starts before the order's start or after its end (start + term)."""

    code = "start_outside_term"


class IdempotencyKeyReused(Conflict):
    """The `Idempotency-Key` was used for another request; nothing was changed."""

    code = "idempotency_key_reused"


class OrderNotDraft(Conflict):
    """Only a draft order can be activated."""

    code = "order_not_draft"


class OrderEmpty(Conflict):
    """An order without order products cannot be activated."""

    code = "order_empty"


class ContractNotChangeable(Conflict):
    """The amendment or renewal names no contract of its account."""

    code = "contract_not_changeable"


class AmendmentOutsideContract(Conflict):
    """The amendment starts outside its contract's term."""

    code = "amendment_outside_contract"


class ContractChanged(Conflict):
    """The contract's end moved since the amendment was quoted: quote it again."""

    code = "contract_changed"


class UnknownSubscription(Conflict):
    """The contract has no subscription the order product changes."""

    code = "unknown_subscription"


class SubscriptionChangeRefused(Conflict):
    """The change no longer fits the subscription (a quantity below 0, outside its dates)."""

    code = "amendment_refused"


class RenewalOutOfDate(Conflict):
    """The renewal does not start the day after the contract's end: renewed already?"""

    code = "renewal_out_of_date"
