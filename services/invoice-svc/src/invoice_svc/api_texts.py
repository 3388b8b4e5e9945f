"""Descriptions and example ids the API schemas of several features share."""

ACCOUNT_ID = "0191b2c3-4d5e-7f60-8a1b-2c3d4e5f6a70"


PAYMENT_TERM = (
    "Days from invoice date to due date: `due_on_receipt` 0, `net_15`, `net_30`, `net_45`, "
    "`net_60`, `net_90`."
)


CREATED_AT = "When it was created; ISO 8601 date-time, UTC."
