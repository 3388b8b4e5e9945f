from pathlib import Path

import pytest
from sqlalchemy import func, select

from payment_svc.app import create_app
from payment_svc.settings import PaymentSettings
from q2c_shared.outbox import OutboxEvent
from q2c_shared.testing.service import RunningService, define_service_fixtures
from q2c_shared.testing.waiting import eventually

database_url, settings, service = define_service_fixtures(
    create_app=create_app,
    settings_class=PaymentSettings,
    service_dir=Path(__file__).resolve().parents[1],
    database_name="payment_test",
)


@pytest.fixture
async def outbox_drained(service: RunningService):
    """Let the test's own relay publish every event it enqueued before the app stops.

    `running_service` empties the tables only after the next test's app (and its relay) has
    started, so an event left unpublished here could be relayed under the next test's topic
    prefix and show up among its messages.
    """
    yield

    async def nothing_unpublished() -> bool:
        async with service.database.transaction() as session:
            return not await session.scalar(
                select(func.count())
                .select_from(OutboxEvent)
                .where(OutboxEvent.published_at.is_(None))
            )

    await eventually(nothing_unpublished, message="the outbox was not drained")
