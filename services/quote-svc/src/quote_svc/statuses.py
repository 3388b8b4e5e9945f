"""The states and kinds quote-svc's rows take, as the API names them."""

from enum import StrEnum


class QuoteType(StrEnum):
    """`new` business, an `amendment` of a running contract, or its `renewal`."""

    NEW = "new"
    AMENDMENT = "amendment"
    RENEWAL = "renewal"


class QuoteStatus(StrEnum):
    """Where a quote is in its approval flow, from `draft` to `accepted`."""

    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    ACCEPTED = "accepted"
