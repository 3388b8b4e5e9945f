"""Invoice preview API schemas: what to preview, and the invoices a run would make of it."""

import uuid
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from invoice_svc.api_texts import ACCOUNT_ID, PAYMENT_TERM
from q2c_shared.billing import charges
from q2c_shared.billing.catalog import ChargeType, InvoiceGrouping
from q2c_shared.billing.periods import BillingFrequency, BillingType
from q2c_shared.billing.terms import PaymentTerm
from q2c_shared.bounds import MAX_LINES, BusinessDate, Text
from q2c_shared.money import Amount, CurrencyCode, Percent, Price, Quantity

PREVIEW_MAX_INVOICES = 1000
"""At most this many invoices in one preview: narrow a larger one by account or order."""

_ORDER_ID = "0191b2c3-4d5e-7f60-8a1b-2c3d4e5f6a80"
_PRODUCT_ID = "0191b2c3-4d5e-7f60-8a1b-2c3d4e5f6a90"
_SUBSCRIPTION_ID = "0191b2c3-4d5e-7f60-8a1b-2c3d4e5f6aa0"


class ProposedOrderProduct(BaseModel):
    """An order product that does not exist yet (a quote line), with `OrderActivated`'s
    billing fields: scheduled and billed as it would be once its order is activated."""

    id: uuid.UUID | None = Field(
        None,
        description="The order product's id once it exists (e.g. the quote line's); shown on "
        "its lines and splits `separate` grouping. Null: the preview gives it none.",
    )
    product_id: uuid.UUID = Field(description="The quote-svc product.")
    sku: Text = Field(min_length=1, max_length=100, description="The product's SKU.")
    product_name: Text = Field(
        min_length=1, max_length=200, description="What its invoice lines say."
    )
    charge_type: ChargeType = Field(description="`one_time`, `recurring` or `usage`.")
    billing_type: BillingType = Field(description="`advance` or `arrears`.")
    billing_frequency: BillingFrequency | None = Field(
        None, description="Recurring: `monthly`, `quarterly`, `semiannual` or `annual`."
    )
    tax_code: Text | None = Field(
        None, min_length=1, max_length=50, description="The product tax code it is taxed by."
    )
    quantity: Quantity = Field(description="Units; amendments: the change.")
    net_unit_price: Price = Field(description="Per unit after discounts.")
    monthly_amount: Amount | None = Field(
        None,
        description="Per month, recurring products (required for them); in the order "
        "currency's minor units.",
    )
    amount: Amount | None = Field(
        None,
        description="Once, one-time products (required for them); in the order currency's "
        "minor units.",
    )
    billing_account_id: uuid.UUID | None = Field(
        None, description="Who pays this product, when not the order's payer."
    )
    invoice_grouping: InvoiceGrouping | None = Field(
        None, description="What else splits its invoices (as on order products)."
    )
    invoice_group_id: Text | None = Field(
        None, min_length=1, max_length=100, description="The label of `invoice_group_id` grouping."
    )
    start_date: BusinessDate = Field(description="First day billed; ISO date YYYY-MM-DD.")
    end_date: BusinessDate | None = Field(
        None, description="Last day billed (required for recurring products)."
    )
    subscription_id: uuid.UUID | None = Field(
        None, description="Amendments: the contract subscription it changes."
    )
    subscription_start_date: BusinessDate | None = Field(
        None,
        description="Amendments: the start of the subscription it changes, on or before "
        "`start_date`. Its periods are then cut on that subscription's period grid, as the "
        "amendment's order will be billed (a change from mid-period first bills or credits the "
        "rest of the period already billed). Null: it starts a grid of its own.",
    )

    @model_validator(mode="after")
    def _subscription_started_first(self) -> "ProposedOrderProduct":
        if (
            self.subscription_start_date is not None
            and self.subscription_start_date > self.start_date
        ):
            raise ValueError("`subscription_start_date` must not be after `start_date`")
        if self.end_date is not None and self.end_date < self.start_date:
            raise ValueError("`end_date` must not be before `start_date`")
        return self


class ProposedOrder(BaseModel):
    """An order that does not exist yet (an accepted quote's), with `OrderActivated`'s header
    fields and its contract's number."""

    id: uuid.UUID | None = Field(
        None,
        description="The order's id once it exists; shown on its lines and splits `order` "
        "grouping. Null: the preview gives it none.",
    )
    account_id: uuid.UUID = Field(description="The order's account.")
    billing_account_id: uuid.UUID | None = Field(
        None, description="Who pays the order, when not its account."
    )
    currency: CurrencyCode = Field(
        pattern=r"^[A-Z]{3}$", description="ISO 4217 code of the order's amounts, e.g. USD."
    )
    payment_term: PaymentTerm = Field(PaymentTerm.NET_30, description=PAYMENT_TERM)
    po_number: Text | None = Field(
        None, min_length=1, max_length=100, description="The customer's purchase order number."
    )
    legal_entity: Text | None = Field(
        None, min_length=1, max_length=200, description="Your selling entity."
    )
    billing_day_of_month: int | None = Field(
        None, ge=1, le=31, description="Day the periods start on; null: the start date's day."
    )
    contract_number: Text | None = Field(
        None, min_length=1, max_length=50, description="The contract's number, if known."
    )
    order_products: list[ProposedOrderProduct] = Field(
        min_length=1,
        max_length=MAX_LINES,
        description=f"Its order products, at most {MAX_LINES:,}.",
    )


class InvoicePreviewRequest(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"account_id": ACCOUNT_ID, "target_date": "2026-02-01"},
                {
                    "target_date": "2026-01-15",
                    "proposed_order": {
                        "account_id": ACCOUNT_ID,
                        "currency": "USD",
                        "payment_term": "net_30",
                        "billing_day_of_month": 1,
                        "order_products": [
                            {
                                "product_id": _PRODUCT_ID,
                                "sku": "seat",
                                "product_name": "Seat",
                                "charge_type": "recurring",
                                "billing_type": "advance",
                                "billing_frequency": "monthly",
                                "tax_code": "SAAS",
                                "quantity": "10",
                                "net_unit_price": "30.00",
                                "monthly_amount": "300.00",
                                "start_date": "2026-01-15",
                                "end_date": "2027-01-14",
                            }
                        ],
                    },
                },
                {
                    "account_id": ACCOUNT_ID,
                    "target_date": "2026-05-16",
                    "proposed_order": {
                        "account_id": ACCOUNT_ID,
                        "currency": "USD",
                        "billing_day_of_month": 1,
                        "order_products": [
                            {
                                "product_id": _PRODUCT_ID,
                                "sku": "seat",
                                "product_name": "Seat",
                                "charge_type": "recurring",
                                "billing_type": "advance",
                                "billing_frequency": "quarterly",
                                "quantity": "-1",
                                "net_unit_price": "30.00",
                                "monthly_amount": "-30.00",
                                "start_date": "2026-05-16",
                                "end_date": "2027-01-31",
                                "subscription_id": _SUBSCRIPTION_ID,
                                "subscription_start_date": "2026-02-01",
                            }
                        ],
                    },
                },
            ]
        }
    )

    account_id: uuid.UUID | None = Field(
        None,
        description="Only this bill-to account's pending periods.",
        examples=[ACCOUNT_ID],
    )
    order_id: uuid.UUID | None = Field(
        None, description="Only this order's pending periods.", examples=[_ORDER_ID]
    )
    target_date: BusinessDate = Field(
        description="Preview the periods billable on or before it, as a run for it would.",
        examples=["2026-02-01"],
    )
    invoice_date: BusinessDate | None = Field(
        None,
        description="The invoices' date, from which due dates count. Default: target date. As "
        "for a run: within 366 days of the target date and on or before 2199-10-02, else 422; "
        "periods starting after the date their invoice would fall due are left out, as a run "
        "leaves them pending.",
    )
    proposed_order: ProposedOrder | None = Field(
        None,
        description="An order that does not exist yet, billed as if it were activated. With "
        "neither `account_id` nor `order_id`, only it is previewed; with one of them, it is "
        "billed beside that account's or order's pending periods.",
    )

    @model_validator(mode="after")
    def _products_billable(self) -> "InvoicePreviewRequest":
        for position, product in enumerate(
            self.proposed_order.order_products if self.proposed_order else ()
        ):
            for name in charges.rule(product.charge_type).needs:
                if getattr(product, name) is None:
                    raise ValueError(
                        f"proposed_order.order_products[{position}]: a {product.charge_type} "
                        f"product needs `{name}`"
                    )
        return self


class InvoiceLinePreview(BaseModel):
    order_id: uuid.UUID | None = Field(
        description="The order billed; null for a proposed order given without an id."
    )
    order_product_id: uuid.UUID | None = Field(
        description="The order product billed; null for a proposed one given without an id."
    )
    product_id: uuid.UUID = Field(description="The quote-svc product billed.")
    description: str = Field(description="What the line says: the product's name.")
    period_start: date = Field(description="First day of the service billed.")
    period_end: date = Field(description="Last day of the service billed, inclusive.")
    quantity: Quantity = Field(description="Units billed; negative for a credited reduction.")
    amount: Amount = Field(description="Before tax; negative for a credit.")
    tax_rate_percent: Percent | None = Field(
        description="The rate the line is taxed at; null when it bears no tax."
    )
    tax_amount: Amount = Field(description="Tax on the line, rounded half-up per line.")


class InvoicePreview(BaseModel):
    """An invoice a run would make: a draft, numbered and written nowhere."""

    number: None = Field(None, description="Always null: numbers are given at posting.")
    status: str = Field("draft", description="Always `draft`.")
    account_id: uuid.UUID = Field(description="The bill-to account.")
    legal_entity: str | None = Field(description="Your selling entity, which would number it.")
    currency: str = Field(description="ISO 4217 code of every amount on the invoice.")
    payment_term: PaymentTerm = Field(description=PAYMENT_TERM)
    invoice_date: date = Field(description="The invoice's date.")
    due_date: date = Field(description="Invoice date + the payment term's days.")
    lines: list[InvoiceLinePreview] = Field(description="What it bills, period by period.")
    subtotal: Amount = Field(description="Sum of the lines' amounts, before tax.")
    tax_total: Amount = Field(description="Sum of the lines' tax amounts.")
    total: Amount = Field(description="Subtotal + tax total.")
    grouping: dict[str, Any] = Field(description="Why these lines share this invoice.")


class CreditNoteLinePreview(BaseModel):
    order_id: uuid.UUID | None = Field(
        description="The order credited; null for a proposed order given without an id."
    )
    order_product_id: uuid.UUID | None = Field(
        description="The order product credited; null for a proposed one given without an id."
    )
    product_id: uuid.UUID = Field(description="The quote-svc product credited.")
    description: str = Field(description="What the line says: the product's name.")
    period_start: date = Field(description="First day of the service credited.")
    period_end: date = Field(description="Last day of the service credited, inclusive.")
    quantity: Quantity = Field(description="The units credited (positive for a removal).")
    amount: Amount = Field(
        description="Credited, before tax; negative for a charge the run nets against its credits."
    )
    tax_rate_percent: Percent | None = Field(
        description="The rate of the tax credited; null when the line bears no tax."
    )
    tax_amount: Amount = Field(description="Tax credited with the line, rounded per line.")


class CreditNotePreview(BaseModel):
    """A credit note a run would issue for a bill-to whose credits outweigh its charges: a
    draft, numbered and written nowhere; it credits the account, not an invoice."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "number": None,
                    "status": "draft",
                    "account_id": ACCOUNT_ID,
                    "legal_entity": "q2c Inc",
                    "currency": "USD",
                    "invoice_id": None,
                    "reason": "Credits for changes to your subscriptions (removed quantities)",
                    "issue_date": "2026-05-16",
                    "lines": [
                        {
                            "order_id": _ORDER_ID,
                            "order_product_id": "0191b2c3-4d5e-7f60-8a1b-2c3d4e5f6a91",
                            "product_id": _PRODUCT_ID,
                            "description": "Seat",
                            "period_start": "2026-05-16",
                            "period_end": "2026-07-31",
                            "quantity": "1",
                            "amount": "75.33",
                            "tax_rate_percent": "7.25",
                            "tax_amount": "5.46",
                        }
                    ],
                    "subtotal": "75.33",
                    "tax_total": "5.46",
                    "total": "80.79",
                    "grouping": {"bill_to_account_id": ACCOUNT_ID, "currency": "USD"},
                }
            ]
        }
    )

    number: None = Field(None, description="Always null: numbers are given at issuing.")
    status: str = Field("draft", description="Always `draft`.")
    account_id: uuid.UUID = Field(description="The bill-to account credited.")
    legal_entity: str | None = Field(description="Your selling entity, which would number it.")
    currency: str = Field(description="ISO 4217 code of every amount on it.")
    invoice_id: None = Field(None, description="Always null: it credits the account.")
    reason: str = Field(description="Why it would be issued, as a run's credit note says.")
    issue_date: date = Field(description="Its date: the invoice date of the run.")
    lines: list[CreditNoteLinePreview] = Field(description="What it credits, period by period.")
    subtotal: Amount = Field(description="Sum of the lines' amounts, before tax.")
    tax_total: Amount = Field(description="Sum of the lines' tax amounts.")
    total: Amount = Field(description="Subtotal + tax total: what is credited.")
    grouping: dict[str, Any] = Field(description="Why these lines share this credit note.")


class InvoicePreviewPublic(BaseModel):
    items: list[InvoicePreview] = Field(
        description=f"The invoices a run would make, at most {PREVIEW_MAX_INVOICES:,}, in the "
        "order a run makes them. Bill-tos whose credits outweigh their charges get a credit "
        "note from a run, not an invoice: they are in `credit_notes`, not here."
    )
    credit_notes: list[CreditNotePreview] = Field(
        default_factory=list,
        description="The credit notes the same run would issue: one per would-be invoice that "
        "totals below zero (e.g. an amendment removing seats from mid-period credits the rest "
        "of the period already billed), its lines' signs turned so that it shows what is "
        "credited. Invoices and credit notes together are at most "
        f"{PREVIEW_MAX_INVOICES:,}.",
    )
