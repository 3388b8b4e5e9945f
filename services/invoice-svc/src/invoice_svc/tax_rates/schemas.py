"""Tax rate API schemas."""

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from invoice_svc.api_texts import CREATED_AT
from q2c_shared.bounds import Text
from q2c_shared.money import PercentOfHundred


class Public(BaseModel):
    model_config = ConfigDict(from_attributes=True)


RatePercent = PercentOfHundred
"""A tax rate: a percent from 0 to 100, at most six decimals."""


class TaxRateCreate(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"country": "DE", "tax_code": "SAAS", "rate_percent": "19"},
                {"country": "US", "region": "NY", "tax_code": "SAAS", "rate_percent": "8.875"},
            ]
        }
    )

    country: str = Field(
        pattern=r"^[A-Za-z]{2}$",
        description="ISO 3166-1 alpha-2 code of the bill-to address's country; stored upper case.",
        examples=["DE"],
    )
    region: Text | None = Field(
        None,
        min_length=1,
        max_length=100,
        description="A state, province or county as the billing addresses spell it (compared "
        "without case; stored upper case). Its rate beats the country's for addresses in it. "
        "Omit for the country-wide rate.",
        examples=["NY"],
    )
    tax_code: Text = Field(
        min_length=1,
        max_length=50,
        description="The product tax code it applies to (quote-svc products' `tax_code`).",
        examples=["SAAS"],
    )
    rate_percent: RatePercent = Field(description="The rate, 0 to 100.", examples=["19"])


class TaxRateUpdate(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"rate_percent": "20"}]})

    rate_percent: RatePercent = Field(
        description="The new rate, 0 to 100. Invoices posted before keep the rate they were "
        "taxed at; drafts are taxed again when posted.",
        examples=["20"],
    )


class TaxRatePublic(Public):
    id: uuid.UUID = Field(description="The tax rate's id.")
    country: str = Field(description="ISO 3166-1 alpha-2, upper case.", examples=["DE"])
    region: Text | None = Field(description="The region it is limited to; null: the country.")
    tax_code: str = Field(description="The product tax code it applies to.")
    rate_percent: RatePercent = Field(description="The rate, 0 to 100.")
    created_at: datetime = Field(description=CREATED_AT)
    updated_at: datetime = Field(description="When the rate last changed; ISO 8601, UTC.")
