"""Catalog API schemas: products, price books and their entries."""

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from q2c_shared.billing import charges
from q2c_shared.billing.catalog import ChargeType
from q2c_shared.billing.periods import BillingFrequency, BillingType
from q2c_shared.money import CurrencyCode, Price, Quantity
from quote_svc import api_docs as docs
from quote_svc.api_docs import (
    CODE_LENGTH,
    CURRENCY_PATTERN,
    NAME_LENGTH,
    NonNegativePrice,
    PositiveQuantity,
    Public,
    text,
)
from quote_svc.core.pricing import PricingModel

MAX_TIERS = 100
"""Most bands a volume or tiered price has."""


class ProductCreate(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "sku": "SEAT-PRO",
                    "name": "Pro seat",
                    "charge_type": "recurring",
                    "billing_type": "advance",
                    "billing_frequency": "monthly",
                    "tax_code": "SAAS",
                }
            ]
        }
    )

    sku: text(CODE_LENGTH) = Field(
        min_length=1,
        description="Stock keeping unit; unique across the catalog (a second one is a 409).",
        examples=["SEAT-PRO"],
    )
    name: text(NAME_LENGTH) = Field(
        min_length=1,
        description="What quotes and invoices call the product.",
        examples=["Pro seat"],
    )
    charge_type: ChargeType = Field(description=docs.CHARGE_TYPE, examples=["recurring"])
    billing_type: BillingType = Field(BillingType.ADVANCE, description=docs.BILLING_TYPE)
    billing_frequency: BillingFrequency | None = Field(
        None,
        description="Required for recurring products (default `monthly`): `monthly`, "
        "`quarterly`, `semiannual` or `annual` periods of 1, 3, 6 or 12 months.",
        examples=["monthly"],
    )
    tax_code: text(50) | None = Field(
        None,
        description="The product's tax category; with the bill-to's address it picks the tax rate.",
        examples=["SAAS"],
    )

    @model_validator(mode="after")
    def _frequency_for_recurring(self) -> "ProductCreate":
        if charges.rule(self.charge_type).recurs and self.billing_frequency is None:
            self.billing_frequency = BillingFrequency.MONTHLY
        return self


class ProductPublic(Public):
    id: uuid.UUID = Field(description="The product's id (UUIDv7).")
    sku: str = Field(description="Stock keeping unit; unique across the catalog.")
    name: str = Field(description="What quotes and invoices call the product.")
    charge_type: ChargeType = Field(description=docs.CHARGE_TYPE)
    billing_type: BillingType = Field(description=docs.BILLING_TYPE)
    billing_frequency: BillingFrequency | None = Field(description=docs.BILLING_FREQUENCY)
    tax_code: str | None = Field(
        description="The product's tax category; with the bill-to's address it picks the tax rate."
    )
    created_at: datetime = Field(description="When it was created; ISO 8601 date-time, UTC.")


class PriceBookCreate(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"name": "Standard USD", "currency": "USD"}]}
    )

    name: text(NAME_LENGTH) = Field(
        min_length=1,
        description="What sales reps pick the price book by.",
        examples=["Standard USD"],
    )
    currency: CurrencyCode = Field(pattern=CURRENCY_PATTERN)


class PriceBookPublic(Public):
    id: uuid.UUID = Field(description="The price book's id (UUIDv7).")
    name: str = Field(description="What sales reps pick the price book by.")
    currency: str = Field(description="ISO 4217 code of every price in it and of its quotes.")
    created_at: datetime = Field(description="When it was created; ISO 8601 date-time, UTC.")


class PriceTierIn(BaseModel):
    """One band of a volume or tiered price: units above the previous tier's `up_to`."""

    up_to: PositiveQuantity | None = Field(
        None, description="Last unit of the tier, above 0; null for the last."
    )
    unit_price: NonNegativePrice = Field(
        description="Per unit in this tier (per month for recurring products), in the price "
        "book's currency, not negative."
    )


class PriceTierPublic(Public):
    """One band of a volume or tiered price, as the price book has it."""

    up_to: Quantity | None = Field(description="Last unit of the tier; null for the last.")
    unit_price: Price = Field(
        description="Per unit in this tier (per month for recurring products), in the price "
        "book's currency."
    )


class PriceBookEntryCreate(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "product_id": docs.SEAT_PRODUCT_ID,
                    "unit_price": "49.00",
                    "pricing_model": "per_unit",
                },
                {
                    "product_id": docs.SEAT_PRODUCT_ID,
                    "unit_price": "49.00",
                    "pricing_model": "tiered",
                    "tiers": [
                        {"up_to": "10", "unit_price": "49.00"},
                        {"up_to": "50", "unit_price": "44.00"},
                        {"up_to": None, "unit_price": "39.00"},
                    ],
                },
            ]
        }
    )

    product_id: uuid.UUID = Field(description="The product priced; it must exist (else 422).")
    unit_price: NonNegativePrice = Field(
        description="Per month for recurring products, once for one-time ones; in the price "
        "book's currency, not negative. `flat`: the whole line's price; `volume` and `tiered` "
        "price from `tiers` instead."
    )
    pricing_model: PricingModel = Field(PricingModel.PER_UNIT, description=docs.PRICING_MODEL)
    tiers: list[PriceTierIn] | None = Field(
        None,
        max_length=MAX_TIERS,
        description=f"For volume and tiered pricing: ascending `up_to`, the last one null; at "
        f"most {MAX_TIERS} tiers.",
    )

    @model_validator(mode="after")
    def _tiers_fit_model(self) -> "PriceBookEntryCreate":
        if self.pricing_model in (PricingModel.VOLUME, PricingModel.TIERED):
            if not self.tiers:
                raise ValueError(f"{self.pricing_model} pricing needs tiers")
            bounds = [tier.up_to for tier in self.tiers]
            if bounds[-1] is not None or any(bound is None for bound in bounds[:-1]):
                raise ValueError("only the last tier may (and must) have up_to null")
            if any(a >= b for a, b in zip(bounds[:-2], bounds[1:-1], strict=True)):
                raise ValueError("tiers must be in ascending order of up_to")
        return self


class PriceBookEntryPublic(Public):
    id: uuid.UUID = Field(description="The entry's id (UUIDv7).")
    price_book_id: uuid.UUID = Field(description="The price book the price belongs to.")
    product_id: uuid.UUID = Field(description="The product priced; one entry per product.")
    unit_price: Price = Field(
        description="Per month for recurring products, once for one-time ones; in the price "
        "book's currency."
    )
    pricing_model: PricingModel = Field(description=docs.PRICING_MODEL)
    tiers: list[PriceTierPublic] | None = Field(
        description="Volume and tiered pricing: the bands, ascending; null otherwise."
    )
