"""Bill-to account API schemas (shown on invoices)."""

from pydantic import BaseModel, ConfigDict, Field


class Public(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class BillingAddressPublic(Public):
    line1: str = Field(description="Street and number.")
    line2: str | None = Field(None, description="Suite, floor or building.")
    city: str = Field(description="City or town.")
    region: str | None = Field(None, description="State, province or county.")
    postal_code: str | None = Field(None, description="ZIP or postal code.")
    country: str = Field(description="ISO 3166-1 alpha-2.", examples=["DE"])


class BillToPublic(Public):
    """The bill-to account as quote-svc's account events last described it."""

    name: str = Field(description="The customer's name, as the invoice shows it.")
    email: str | None = Field(description="Where the invoice is sent.")
    billing_address: BillingAddressPublic | None = Field(
        description="Where the invoice is addressed."
    )
    tax_exempt: bool = Field(description="True: the account's invoices carry no tax.")
