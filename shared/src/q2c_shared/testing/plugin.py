"""Pytest plugin: one real PostgreSQL and one real Kafka-compatible broker per test session.

Loaded for every test run through `-p q2c_shared.testing.plugin` (pyproject addopts). The
servers start lazily, only when a test asks for them, so pure-logic runs stay instant:
embedded PostgreSQL 18 (durability off) in a temporary folder, and the Tansu broker, each on a
free port. No mocks: what the tests talk to is what production talks to.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from q2c_devstack.servers import EmbeddedPostgres, TansuBroker


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator["EmbeddedPostgres"]:
    from q2c_devstack.servers import EmbeddedPostgres, free_port

    root: Path = tmp_path_factory.mktemp("postgres")
    server = EmbeddedPostgres(root / "data", port=free_port(), fast=True)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def kafka_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator["TansuBroker"]:
    from q2c_devstack.servers import TansuBroker, free_port

    broker = TansuBroker(port=free_port(), log_path=tmp_path_factory.mktemp("tansu") / "tansu.log")
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()
