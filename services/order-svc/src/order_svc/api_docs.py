"""What the API says the same way in orders' and contracts' schemas: the shared field
descriptions, the ids the request examples use, and the base of the Public (response) schemas."""

from pydantic import BaseModel, ConfigDict

# Ids the request examples use: the same account and products as quote-svc's examples.
ACCOUNT_ID = "0191b2c3-4d5e-7f60-8a1b-2c3d4e5f6a70"
SEAT_PRODUCT_ID = "0191b2c3-5e6f-7a01-9b2c-3d4e5f6a7b80"
ONBOARDING_PRODUCT_ID = "0191b2c3-5e6f-7a01-9b2c-3d4e5f6a7b81"

CHARGE_TYPE = (
    "`one_time` (billed once, on the start date), `recurring` (billed every period of the "
    "billing frequency) or `usage` (billed on consumption)."
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
INVOICE_GROUPING = (
    "What else splits invoices of the same bill-to, currency and payment term: "
    "`contract_number`, `order`, `po_number`, `legal_entity`, `separate` (an invoice of its "
    "own) or `invoice_group_id`. Null: no further split."
)
INVOICE_GROUP_ID = (
    "Your label: order products with the same one share an invoice when `invoice_grouping` is "
    "`invoice_group_id`."
)
PRODUCT_BILLING_ACCOUNT = "The account invoiced for this order product, when not the order's."
TAX_CODE = "The product's tax category; with the bill-to's address it picks the tax rate."
CREATED_AT = "When it was created; ISO 8601 date-time, UTC."


class Public(BaseModel):
    """Response schemas read their fields from the rows (`from_attributes`)."""

    model_config = ConfigDict(from_attributes=True)
