"""order-svc settings."""

from q2c_shared.settings import ServiceSettings


class OrderSettings(ServiceSettings):
    service_name: str = "order-svc"
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:55432/q2c_order"
    port: int = 8002
