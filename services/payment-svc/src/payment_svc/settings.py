"""payment-svc settings: the shared environment with payment-svc's defaults."""

from q2c_shared.settings import ServiceSettings


class PaymentSettings(ServiceSettings):
    service_name: str = "payment-svc"
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:55432/q2c_payment"
    port: int = 8004
