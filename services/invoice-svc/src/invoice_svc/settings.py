"""invoice-svc settings: the shared environment plus invoice-run knobs."""

from pydantic import Field

from q2c_shared.settings import ServiceSettings


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
        500, ge=1, description="Bill-to accounts billed per batch (one transaction each)."
    )
