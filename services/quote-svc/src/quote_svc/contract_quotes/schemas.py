"""Amendment and renewal quote requests: changes to a running contract, and its next term."""

import uuid
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from q2c_shared.billing.catalog import InvoiceGrouping
from q2c_shared.bounds import MAX_LINES, BusinessDate
from quote_svc import api_docs as docs
from quote_svc.api_docs import (
    CODE_LENGTH,
    NonNegativeAmount,
    NonNegativeQuantity,
    Percent,
    UpliftPercent,
    text,
)


class AmendmentLineCreate(BaseModel):
    """A change to the contract: an existing subscription's new total, or a product to add."""

    subscription_id: uuid.UUID | None = Field(
        None, description="The contract's subscription to change; or give `product_id`."
    )
    product_id: uuid.UUID | None = Field(
        None, description="A product to add, priced from the price book; or `subscription_id`."
    )
    quantity: NonNegativeQuantity = Field(
        description="The NEW TOTAL quantity of the subscription (0 cancels it), or the quantity "
        "of the product added.",
    )
    discount_percent: Percent | None = Field(None, description="Added products only.")
    discount_amount: NonNegativeAmount | None = Field(
        None, description="Added products only; in the contract's currency."
    )
    billing_account_id: uuid.UUID | None = Field(
        None, description=f"Added products only. {docs.LINE_BILLING_ACCOUNT}"
    )
    invoice_grouping: InvoiceGrouping | None = Field(None, description=docs.INVOICE_GROUPING)
    invoice_group_id: text(CODE_LENGTH) | None = Field(None, description=docs.INVOICE_GROUP_ID)

    @model_validator(mode="after")
    def _subscription_or_product(self) -> "AmendmentLineCreate":
        if (self.subscription_id is None) == (self.product_id is None):
            raise ValueError("give subscription_id or product_id, exactly one")
        if self.subscription_id is not None and (
            self.discount_percent is not None or self.discount_amount is not None
        ):
            raise ValueError(
                "a subscription keeps its net unit price: discounts apply to added products only"
            )
        if self.product_id is not None and self.quantity <= 0:
            raise ValueError("an added product needs a quantity above 0")
        if self.discount_percent is not None and self.discount_amount is not None:
            raise ValueError("give discount_percent or discount_amount, not both")
        return self


class AmendmentQuoteCreate(BaseModel):
    """Change a running contract from `start_date` to its end (co-terminated)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "amendment",
                    "contract_id": docs.CONTRACT_ID,
                    "start_date": "2026-03-10",
                    "po_number": "PO-2026-0342",
                    "lines": [
                        {"subscription_id": docs.SUBSCRIPTION_ID, "quantity": "30"},
                        {
                            "product_id": docs.SUPPORT_PRODUCT_ID,
                            "quantity": "1",
                            "discount_percent": "5",
                        },
                    ],
                }
            ]
        }
    )

    type: Literal["amendment"] = Field(description="Marks the body as an amendment quote.")
    contract_id: uuid.UUID = Field(description="The order-svc contract to amend.")
    account_id: uuid.UUID | None = Field(
        None, description="Default: the contract's account; if given it must be that account."
    )
    start_date: BusinessDate = Field(
        description="The first day the change applies; within the contract.",
        examples=["2026-03-10"],
    )
    price_book_id: uuid.UUID | None = Field(
        None,
        description="Prices added products. Default: the price book of the quote the contract "
        "came from; required when there is none and a product is added.",
    )
    po_number: text(CODE_LENGTH) | None = Field(None, description="Default: the contract's.")
    expires_on: BusinessDate | None = Field(
        None, description="Last day it can be accepted (later: 409); ISO date YYYY-MM-DD."
    )
    lines: list[AmendmentLineCreate] = Field(
        default_factory=list,
        max_length=MAX_LINES,
        description="Subscriptions left out, or given their current quantity, stay as they are; "
        f"at most {MAX_LINES:,} lines.",
    )


class RenewalQuoteCreate(BaseModel):
    """The contract's next term, from the day after it ends."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "renewal",
                    "contract_id": docs.CONTRACT_ID,
                    "uplift_percent": "5",
                    "term_months": 12,
                    "po_number": "PO-2027-0015",
                    "expires_on": "2026-12-31",
                }
            ]
        }
    )

    type: Literal["renewal"] = Field(description="Marks the body as a renewal quote.")
    contract_id: uuid.UUID = Field(description="The order-svc contract to renew.")
    account_id: uuid.UUID | None = Field(
        None, description="Default: the contract's account; if given it must be that account."
    )
    uplift_percent: UpliftPercent = Field(
        Decimal(0),
        description="Raises every subscription's net unit price by this percent (-100 to "
        "999.999999).",
        examples=["5"],
    )
    term_months: int | None = Field(
        None, ge=1, le=120, description="Default: the contract's original term."
    )
    price_book_id: uuid.UUID | None = Field(
        None,
        description="Prices products added to the renewal. Default: the price book of the quote "
        "the contract came from.",
    )
    po_number: text(CODE_LENGTH) | None = Field(None, description="Default: the contract's.")
    expires_on: BusinessDate | None = Field(
        None, description="Last day it can be accepted (later: 409); ISO date YYYY-MM-DD."
    )
