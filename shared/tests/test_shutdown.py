"""Stopping a service: at SIGTERM the workers are told at once and readiness fails; they get
the grace period to finish what they hold, and whatever ignores it is cancelled."""

import asyncio
import os
import signal
import time
from collections.abc import Iterator
from types import FrameType

import pytest
from fastapi import FastAPI

from q2c_shared.app import ServiceRuntime, ServiceSpec, Worker, create_service_app
from q2c_shared.settings import ServiceSettings
from q2c_shared.shutdown import notice_stop_signals
from q2c_shared.testing.service import running_service
from q2c_shared.testing.waiting import eventually


def stopping_app(database_url: str, *, workers: list[Worker], grace: float = 25) -> FastAPI:
    spec = ServiceSpec(name="stop-svc", title="Stop", description="", routers=[], workers=workers)
    settings = ServiceSettings(
        database_url=database_url,
        # No broker: the broker task retries until it is told to stop, like any worker.
        kafka_bootstrap_servers="127.0.0.1:1",
        shutdown_grace_seconds=grace,
    )
    return create_service_app(spec, settings)


class ServerHandler:
    """Stands in for uvicorn's SIGTERM handler (which starts its graceful shutdown)."""

    def __init__(self) -> None:
        self.signals: list[int] = []

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.signals.append(signum)


@pytest.fixture
def server_handler() -> Iterator[ServerHandler]:
    handler = ServerHandler()
    before = signal.signal(signal.SIGTERM, handler)
    try:
        yield handler
    finally:
        signal.signal(signal.SIGTERM, before)


async def test_sigterm_tells_the_workers_at_once_and_readiness_fails(
    database, database_url: str, server_handler: ServerHandler
) -> None:
    told: list[float] = []

    async def worker(runtime: ServiceRuntime, stop: asyncio.Event) -> None:
        await stop.wait()
        told.append(time.monotonic())

    app = stopping_app(database_url, workers=[worker])
    async with running_service(app, wait_for_broker=False) as service:
        os.kill(os.getpid(), signal.SIGTERM)
        await eventually(lambda: told, timeout=5, message="the worker was not told to stop")
        # The lifespan is still running (uvicorn would be finishing requests): not ready.
        ready = await service.client.get("/readyz")
        live = await service.client.get("/healthz")

    assert server_handler.signals == [signal.SIGTERM]  # uvicorn's handler still ran
    assert signal.getsignal(signal.SIGTERM) is server_handler  # and is back in place
    assert ready.status_code == 503
    assert ready.json() == {"status": "not ready", "checks": {"shutdown": "stopping"}}
    assert live.status_code == 200


async def test_workers_get_the_grace_period_and_what_ignores_it_is_cancelled(
    database, database_url: str
) -> None:
    outcomes: dict[str, str] = {}

    async def polite(runtime: ServiceRuntime, stop: asyncio.Event) -> None:
        await stop.wait()
        await asyncio.sleep(0.2)  # finishing the batch in hand
        outcomes["polite"] = "finished"

    async def stubborn(runtime: ServiceRuntime, stop: asyncio.Event) -> None:
        try:
            await asyncio.Event().wait()  # never looks at `stop`
        except asyncio.CancelledError:
            outcomes["stubborn"] = "cancelled"
            raise

    app = stopping_app(database_url, workers=[polite, stubborn], grace=1.5)
    async with running_service(app, wait_for_broker=False):
        stopping_at = time.monotonic()
    stopped_in = time.monotonic() - stopping_at

    assert outcomes == {"polite": "finished", "stubborn": "cancelled"}
    # The grace period less the time kept for closing (a fifth of it, at most 3 s).
    assert 1.1 <= stopped_in < 1.5


async def test_the_stop_signal_hook_puts_back_what_it_found(server_handler) -> None:
    called: list[str] = []
    with notice_stop_signals(lambda: called.append("stop")):
        assert signal.getsignal(signal.SIGTERM) is not server_handler
        os.kill(os.getpid(), signal.SIGTERM)
        await eventually(lambda: called, timeout=5, message="the callback was not called")
    assert signal.getsignal(signal.SIGTERM) is server_handler
    assert server_handler.signals == [signal.SIGTERM]
