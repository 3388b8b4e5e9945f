"""What the API says the same way in every feature's schemas: the shared field descriptions,
the ids the request examples share (so one example refers to what another created), and the
base of the Public (response) schemas."""

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

ACCOUNT_ID = "0191b2c3-4d5e-7f60-8a1b-2c3d4e5f6a70"
BILLING_ACCOUNT_ID = "0191b2c3-4d5e-7f60-8a1b-2c3d4e5f6a71"
SEAT_PRODUCT_ID = "0191b2c3-5e6f-7a01-9b2c-3d4e5f6a7b80"
ONBOARDING_PRODUCT_ID = "0191b2c3-5e6f-7a01-9b2c-3d4e5f6a7b81"
SUPPORT_PRODUCT_ID = "0191b2c3-5e6f-7a01-9b2c-3d4e5f6a7b82"
PRICE_BOOK_ID = "0191b2c3-6f70-7b12-8c3d-4e5f6a7b8c90"
CONTRACT_ID = "0191d4e5-7081-7c23-9d4e-5f6a7b8c9da0"
SUBSCRIPTION_ID = "0191d4e5-8192-7d34-8e5f-6a7b8c9dae0b"

CHARGE_TYPE = (
    "`one_time` (billed once, on the start date), `recurring` (billed every period of the "
    "billing frequency) or `usage` (billed on consumption; not priced on quotes)."
)
BILLING_TYPE = "`advance`: a period is billed from its first day; `arrears`: from its last day."
BILLING_FREQUENCY = (
    "How many months a billing period spans: `monthly` 1, `quarterly` 3, `semiannual` 6, "
    "`annual` 12. Null for one-time and usage products."
)
PAYMENT_TERM = (
    "Days from invoice date to due date: `due_on_receipt` 0, `net_15`, `net_30`, `net_45`, "
    "`net_60`, `net_90`."
)
PRICING_MODEL = (
    "`per_unit`: unit price x quantity; `flat`: the unit price whatever the quantity; `volume`: "
    "every unit at the price of the tier the quantity falls in; `tiered`: each unit at the price "
    "of its own tier (graduated)."
)
INVOICE_GROUPING = (
    "What else splits invoices of the same bill-to, currency and payment term: "
    "`contract_number`, `order`, `po_number`, `legal_entity`, `separate` (an invoice of its "
    "own) or `invoice_group_id`. Null: no further split."
)
INVOICE_GROUP_ID = (
    "Your label: lines with the same one share an invoice when `invoice_grouping` is "
    "`invoice_group_id`."
)
LINE_BILLING_ACCOUNT = (
    "The account invoiced for this line, when not the quote's bill-to; an account of quote-svc."
)


Percent = Annotated[Decimal, Field(ge=0, le=100, examples=["10"])]


class Public(BaseModel):
    """Response schemas read their fields from the rows (`from_attributes`)."""

    model_config = ConfigDict(from_attributes=True)
