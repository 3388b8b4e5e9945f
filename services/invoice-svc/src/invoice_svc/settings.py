"""invoice-svc settings: the shared environment plus invoice-run knobs and document brands."""

from typing import Literal

from pydantic import BaseModel, Field, FilePath

from q2c_shared.settings import ServiceSettings


class BankDetails(BaseModel):
    """Where customers pay an entity's invoices, printed under "How to pay". Give what the
    entity's bank needs: IBAN and BIC/SWIFT in Europe, account and routing number in the US."""

    bank_name: str = Field(min_length=1, examples=["Deutsche Bank AG"])
    account_holder: str | None = Field(
        None, description="Unset: the seller's legal name.", examples=["Northwind Trading GmbH"]
    )
    iban: str | None = Field(None, examples=["DE89 3704 0044 0532 0130 00"])
    account_number: str | None = Field(None, examples=["000123456789"])
    swift_bic: str | None = Field(None, examples=["DEUTDEFFXXX"])
    routing_number: str | None = Field(None, description="ABA routing number.")
    sort_code: str | None = Field(None, description="UK sort code.")
    payment_reference_hint: str = Field(
        "Please quote {number} with your payment.",
        description="What to write in the transfer's reference; `{number}` becomes the "
        "invoice number.",
    )


class DocumentBrand(BaseModel):
    """How the invoices of one selling legal entity look and whom they name as the seller."""

    display_name: str = Field(
        min_length=1, max_length=80, description="The wordmark (when there is no logo)."
    )
    legal_name: str | None = Field(
        None,
        description="The seller's registered name, printed as the seller; unset: the invoice's "
        "legal entity, else the display name.",
    )
    color: str = Field(
        "#1F4E79",
        pattern=r"^#(?:[0-9a-fA-F]{3}){1,2}$",
        description="Hex colour of the wordmark, headings and rules.",
    )
    logo_path: FilePath | None = Field(
        None,
        description="PNG, JPEG, GIF, WebP or SVG file, embedded in the document; unset: a text "
        "wordmark of the display name.",
    )
    address_lines: list[str] = Field(default_factory=list, examples=[["Friedrichstr. 68"]])
    email: str | None = Field(None, description="Where customers ask about invoices.")
    tax_id: str | None = Field(None, examples=["DE123456789"])
    tax_id_label: str = Field("Tax ID", examples=["VAT ID", "EIN"])
    bank_details: BankDetails | None = Field(
        None, description="Unset: the invoice shows no payment instructions."
    )
    footer: str | None = Field(
        None, description="Footer on every page; unset: the seller and the invoice number."
    )


class InvoiceSettings(ServiceSettings):
    service_name: str = "invoice-svc"
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:55432/q2c_invoice"
    port: int = 8003
    invoice_run_poll_interval_seconds: float = Field(
        0.2, gt=0, description="How often an idle invoice-run worker looks for queued runs."
    )
    invoice_run_concurrency: int = Field(
        2, ge=1, description="Invoice runs one process executes at the same time."
    )
    invoice_run_batch_accounts: int = Field(
        1000,
        ge=1,
        description="Bill-to accounts billed per batch (one transaction each). Larger batches "
        "make fewer round trips and commits per invoice and hold their locks longer: the "
        "series of a legal entity that numbers a batch's invoices is held until it commits.",
    )
    invoice_run_batches_in_flight: int = Field(
        3,
        ge=1,
        description="Batches of one run billed at the same time, each in its own transaction: "
        "while one waits on PostgreSQL the process prepares the next. 1 bills them one by one "
        "(invoice numbers then follow the account order across batches too).",
    )
    posting_lock_timeout_ms: int = Field(
        25_000,
        ge=0,
        description="How long posting (an invoice run's batches, an invoice posted by hand, a "
        "credit note issued) may wait for its legal entity's number series, which another "
        "posting holds until it commits: longer than the service-wide "
        "`database_lock_timeout_ms`, since queueing there is by design (0: no limit). Also "
        "raises those transactions' `statement_timeout` to it when that is shorter. Below "
        "`request_timeout_seconds` (30 s), so that a request waiting for the series answers "
        "503 `lock_timeout` (retry) rather than `request_timeout`.",
    )

    # The invoice document (GET /v1/invoices/{id}/pdf). Both brands are JSON in the
    # environment, e.g. DOCUMENT_BRANDS='{"q2c GmbH": {"display_name": "q2c", ...}}'.
    document_brands: dict[str, DocumentBrand] = Field(
        default_factory=dict,
        description="The brand of each selling legal entity, keyed by its `legal_entity` name.",
    )
    document_default_brand: DocumentBrand = Field(
        DocumentBrand(display_name="q2c"),
        description="The brand of invoices whose legal entity has none in `document_brands` "
        "(or that have no legal entity).",
    )
    document_page_size: Literal["A4", "Letter"] = "A4"

    def document_brand(self, legal_entity: str | None) -> DocumentBrand:
        """The brand an invoice of `legal_entity` is printed with."""
        if legal_entity is not None and legal_entity in self.document_brands:
            return self.document_brands[legal_entity]
        return self.document_default_brand
