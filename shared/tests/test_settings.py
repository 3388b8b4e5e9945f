"""Service settings: what the environment says, and the broker-side topic names."""

import pytest

from q2c_shared.settings import ServiceSettings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """Each test states its own environment; nothing leaks in from the shell running pytest."""
    for name in ServiceSettings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    return monkeypatch


@pytest.mark.parametrize(
    ("raw", "keys"),
    [
        ("one", ["one"]),
        ("one,two", ["one", "two"]),
        (" one , two ,", ["one", "two"]),
        ("one,,two", ["one", "two"]),
        ("", []),
        (" , ", []),
    ],
)
def test_api_keys_are_split_on_commas_and_trimmed(
    clean_environment: pytest.MonkeyPatch, raw: str, keys: list[str]
) -> None:
    clean_environment.setenv("Q2C_API_KEYS", raw)

    assert ServiceSettings().q2c_api_keys == keys


def test_api_keys_may_be_given_as_a_list() -> None:
    assert ServiceSettings(q2c_api_keys=["a", "b"]).q2c_api_keys == ["a", "b"]


def test_without_keys_no_key_is_accepted() -> None:
    assert ServiceSettings().q2c_api_keys == []


def test_the_environment_sets_the_connections(clean_environment: pytest.MonkeyPatch) -> None:
    clean_environment.setenv("DATABASE_URL", "postgresql+asyncpg://u@db:5432/orders")
    clean_environment.setenv("KAFKA_BOOTSTRAP_SERVERS", "kafka:9092")
    clean_environment.setenv("CONSUMER_MAX_ATTEMPTS", "7")
    clean_environment.setenv("RUN_BACKGROUND_WORKERS", "false")

    settings = ServiceSettings()

    assert settings.database_url == "postgresql+asyncpg://u@db:5432/orders"
    assert settings.kafka_bootstrap_servers == "kafka:9092"
    assert settings.consumer_max_attempts == 7
    assert settings.run_background_workers is False


@pytest.mark.parametrize(
    ("prefix", "topic", "expected"),
    [
        ("", "q2c.orders", "q2c.orders"),
        ("staging.", "q2c.orders", "staging.q2c.orders"),
        ("t1a2b.", "q2c.payments.dlq", "t1a2b.q2c.payments.dlq"),
    ],
)
def test_topic_names_carry_the_prefix(prefix: str, topic: str, expected: str) -> None:
    assert ServiceSettings(kafka_topic_prefix=prefix).topic(topic) == expected


def test_the_prefix_comes_from_the_environment(clean_environment: pytest.MonkeyPatch) -> None:
    clean_environment.setenv("KAFKA_TOPIC_PREFIX", "dev.")

    assert ServiceSettings().topic("q2c.quotes") == "dev.q2c.quotes"


@pytest.mark.parametrize(
    "overrides",
    [
        {"database_pool_size": 0},
        {"outbox_batch_size": 0},
        {"outbox_poll_interval_seconds": 0},
        {"consumer_max_attempts": 0},
        {"consumer_retry_backoff_seconds": -1},
    ],
)
def test_nonsensical_limits_are_refused(overrides: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        ServiceSettings(**overrides)
