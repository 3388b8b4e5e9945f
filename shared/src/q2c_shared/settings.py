"""Settings every service reads from its environment (pydantic-settings)."""

from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """The environment a q2c service honours. Each service subclasses it with its own defaults."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    service_name: str = Field("q2c-svc", description="Name in logs, CloudEvents `source`, groups.")
    database_url: str = Field(
        "postgresql+asyncpg://postgres@127.0.0.1:55432/q2c",
        description="SQLAlchemy URL of the service's own PostgreSQL database.",
    )
    database_pool_size: int = Field(10, ge=1)
    kafka_bootstrap_servers: str = Field("127.0.0.1:9092")
    kafka_enable_idempotence: bool = Field(
        False, description="Idempotent producer; off for Tansu, which lacks InitProducerId."
    )
    kafka_compression_type: Literal["gzip", "none"] = Field(
        "gzip",
        description="Compression of the batches the service produces: `gzip` keeps the largest "
        "events (a 1,000-line order) well below the broker's message size limit.",
    )
    kafka_max_request_bytes: int = Field(
        16 * 1024 * 1024,
        ge=1024,
        description="Largest event the producer accepts before compression; the broker's "
        "`message.max.bytes` limits what it stores after compression.",
    )
    kafka_topic_prefix: str = Field(
        "", description="Prefix for every topic name (isolates environments sharing a cluster)."
    )
    kafka_session_timeout_ms: int = Field(
        10_000,
        description="Consumer group session timeout; a dead consumer's partitions "
        "move to another after this long.",
    )
    kafka_heartbeat_interval_ms: int = Field(3_000)
    q2c_api_keys: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Comma-separated bearer keys accepted on /v1."
    )
    port: int = 8000
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = Field(
        "text",
        description="`text`: one readable line per record (`make run`); `json`: one JSON object "
        "per line with request and trace ids, for a log pipeline (production).",
    )
    otel_service_name: str | None = Field(
        None, description="`service.name` of the traces; unset: the service's name."
    )
    otel_traces_exporter: Literal["none", "console", "otlp"] = Field(
        "none",
        description="Where finished spans go: nowhere (trace context is still propagated), "
        "stdout, or OTLP/HTTP (needs `opentelemetry-exporter-otlp-proto-http` installed and "
        "the `OTEL_EXPORTER_OTLP_*` variables).",
    )
    shutdown_grace_seconds: float = Field(
        25,
        gt=0,
        description="On SIGTERM: how long consumers, the relay and jobs get to finish what they "
        "hold before they are cancelled (below Kubernetes' 30 s termination grace period).",
    )

    database_statement_timeout_ms: int = Field(
        30_000,
        ge=0,
        description="PostgreSQL `statement_timeout` of every connection: a statement running "
        "longer is cancelled (0: no limit).",
    )
    database_lock_timeout_ms: int = Field(
        10_000,
        ge=0,
        description="PostgreSQL `lock_timeout`: a statement waiting longer for a lock fails "
        "(0: no limit). Jobs that queue on a lock on purpose set their own for the transaction.",
    )
    database_idle_in_transaction_timeout_ms: int = Field(
        60_000,
        ge=0,
        description="PostgreSQL `idle_in_transaction_session_timeout`: a transaction left open "
        "without a statement this long is ended by the server, releasing its locks.",
    )
    request_timeout_seconds: float = Field(
        30,
        gt=0,
        description="Most time an HTTP request may take; then its work is cancelled and rolled "
        "back, and it answers 503 `request_timeout`.",
    )
    max_request_body_bytes: int = Field(
        1_048_576, ge=1, description="Largest request body accepted; larger: 413 (1 MiB)."
    )
    retention_outbox_hours: float = Field(
        168, gt=0, description="Published outbox events are kept this long, then pruned."
    )
    retention_inbox_hours: float = Field(
        336,
        gt=0,
        description="Inbox rows (events applied) are kept this long; keep it above the "
        "broker's retention so a redelivered event is still recognised.",
    )
    retention_idempotency_hours: float = Field(
        24, gt=0, description="Idempotency keys answer retries this long (like Stripe's 24 h)."
    )
    retention_batch_size: int = Field(
        1_000, ge=1, description="Rows the retention job deletes per statement."
    )
    retention_interval_seconds: float = Field(
        300, gt=0, description="Pause between two passes of the retention job."
    )

    outbox_batch_size: int = Field(500, ge=1)
    outbox_poll_interval_seconds: float = Field(0.2, gt=0)
    consumer_max_attempts: int = Field(
        5, ge=1, description="Tries before a failing message goes to `<topic>.dlq`."
    )
    consumer_max_concurrent_partitions: int = Field(
        4,
        ge=1,
        description="Partitions whose messages are applied at the same time, each holding a "
        "database connection; a slow or failing message holds up its own partition only.",
    )
    consumer_retry_backoff_seconds: float = Field(0.2, ge=0)
    run_background_workers: bool = Field(
        True, description="Run consumers, outbox relay and job workers inside the API process."
    )

    @field_validator("q2c_api_keys", mode="before")
    @classmethod
    def _split_keys(cls, value: object) -> object:
        if isinstance(value, str):
            return [key.strip() for key in value.split(",") if key.strip()]
        return value

    def topic(self, name: str) -> str:
        """The broker-side name of a contract topic (`q2c.orders` plus any prefix)."""
        return self.kafka_topic_prefix + name
