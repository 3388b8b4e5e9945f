"""The states and kinds order-svc's rows take, as the API names them."""

from enum import StrEnum


class OrderStatus(StrEnum):
    """`draft` until activated; `activated` once it made or changed its contract."""

    DRAFT = "draft"
    ACTIVATED = "activated"


class OrderType(StrEnum):
    """`new` business, an `amendment` of a contract, or its `renewal`."""

    NEW = "new"
    AMENDMENT = "amendment"
    RENEWAL = "renewal"
