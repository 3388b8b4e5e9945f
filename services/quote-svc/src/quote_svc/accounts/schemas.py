"""Account API schemas: Create / Update / Public shapes, apart from the table."""

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from q2c_shared.billing.terms import PaymentTerm
from q2c_shared.bounds import Flag
from q2c_shared.money import CurrencyCode
from quote_svc import api_docs as docs
from quote_svc.api_docs import (
    CURRENCY_PATTERN,
    NAME_LENGTH,
    REFERENCE_LENGTH,
    Public,
    not_null,
    text,
)

_Line = text(REFERENCE_LENGTH)
_Email = text(254)  # the longest address SMTP carries (RFC 5321)


class BillingAddress(BaseModel):
    """Where invoices are addressed; with a product's tax code it decides the tax rate."""

    line1: _Line = Field(description="Street and number.", examples=["1 Market St"])
    line2: _Line | None = Field(None, description="Suite, floor or building; optional.")
    city: _Line = Field(description="City or town.", examples=["San Francisco"])
    region: _Line | None = Field(
        None,
        description="State, province or county.",
        examples=["CA"],
    )
    postal_code: text(20) | None = Field(
        None, description="ZIP or postal code.", examples=["94105"]
    )
    country: text(2) = Field(min_length=2, description="ISO 3166-1 alpha-2.", examples=["US"])


class AccountCreate(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "Acme Corp",
                    "currency": "USD",
                    "email": "billing@acme.example",
                    "billing_address": {
                        "line1": "1 Market St",
                        "line2": "Suite 300",
                        "city": "San Francisco",
                        "region": "CA",
                        "postal_code": "94105",
                        "country": "US",
                    },
                    "payment_term": "net_30",
                    "legal_entity": "q2c Software Inc.",
                    "tax_exempt": False,
                }
            ]
        }
    )

    name: text(NAME_LENGTH) = Field(
        min_length=1,
        description="The customer's legal or trading name, as invoices show it.",
        examples=["Acme Corp"],
    )
    currency: CurrencyCode = Field(pattern=CURRENCY_PATTERN)
    email: _Email | None = Field(
        None,
        description="Where invoices and payment reminders are sent.",
        examples=["billing@acme.example"],
    )
    billing_address: BillingAddress | None = Field(
        None, description="Where invoices are addressed; the tax rate depends on it."
    )
    payment_term: PaymentTerm = Field(
        PaymentTerm.NET_30, description=f"Default for the account's quotes. {docs.PAYMENT_TERM}"
    )
    legal_entity: text(REFERENCE_LENGTH) | None = Field(
        None,
        examples=["Acme Holdings Ltd"],
        description="Your selling entity; invoices number per entity.",
    )
    tax_exempt: Flag = Field(False, description="True: the account's invoices carry no tax.")


class AccountUpdate(BaseModel):
    """Only the fields given change; `currency` is fixed once the account exists. `name`,
    `payment_term` and `tax_exempt` cannot be null (leave them out to keep them); the others
    can, to clear them."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"email": "ap@acme.example", "payment_term": "net_45"}]}
    )

    name: text(NAME_LENGTH) = Field(
        None, min_length=1, description="The customer's new name.", json_schema_extra=not_null
    )
    email: _Email | None = Field(None, description="Where invoices and payment reminders are sent.")
    billing_address: BillingAddress | None = Field(
        None, description="Replaces the whole billing address."
    )
    payment_term: PaymentTerm = Field(
        None,
        description=f"Default for quotes created from now on. {docs.PAYMENT_TERM}",
        json_schema_extra=not_null,
    )
    legal_entity: text(REFERENCE_LENGTH) | None = Field(
        None, description="Your selling entity; invoices number per entity."
    )
    tax_exempt: Flag = Field(
        None, description="True: the account's invoices carry no tax.", json_schema_extra=not_null
    )


class AccountPublic(Public):
    id: uuid.UUID = Field(description="The account's id (UUIDv7); the Kafka key of its events.")
    name: str = Field(description="The customer's legal or trading name, as invoices show it.")
    currency: str = Field(description="ISO 4217 code the account is quoted and invoiced in.")
    email: str | None = Field(description="Where invoices and payment reminders are sent.")
    billing_address: BillingAddress | None = Field(
        description="Where invoices are addressed; the tax rate depends on it."
    )
    payment_term: PaymentTerm = Field(description=f"Default for quotes. {docs.PAYMENT_TERM}")
    legal_entity: str | None = Field(description="Your selling entity; invoices number per entity.")
    tax_exempt: bool = Field(description="True: the account's invoices carry no tax.")
    created_at: datetime = Field(description="When it was created; ISO 8601 date-time, UTC.")
    updated_at: datetime = Field(description="When it last changed; ISO 8601 date-time, UTC.")
