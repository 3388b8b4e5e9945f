"""The inbox: one row per (consumer, event id), claimed in the transaction of the effect."""

import asyncio

from sqlalchemy import func, select

from q2c_shared.db import Database
from q2c_shared.inbox import InboxEvent, claim


async def claim_in_own_transaction(database: Database, *, consumer: str, event_id: str) -> bool:
    async with database.transaction() as session:
        return await claim(session, consumer=consumer, event_id=event_id, event_type="Tested")


async def test_an_event_is_claimed_once_per_consumer(database: Database) -> None:
    first = await claim_in_own_transaction(database, consumer="invoice-svc", event_id="e1")
    again = await claim_in_own_transaction(database, consumer="invoice-svc", event_id="e1")
    other_consumer = await claim_in_own_transaction(database, consumer="payment-svc", event_id="e1")
    other_event = await claim_in_own_transaction(database, consumer="invoice-svc", event_id="e2")

    assert (first, again, other_consumer, other_event) == (True, False, True, True)


async def test_a_rolled_back_claim_leaves_the_event_unclaimed(database: Database) -> None:
    try:
        async with database.transaction() as session:
            assert await claim(session, consumer="c", event_id="e1", event_type="Tested")
            raise RuntimeError("the effect failed")
    except RuntimeError:
        pass

    assert await claim_in_own_transaction(database, consumer="c", event_id="e1") is True


async def test_racing_claims_of_one_event_let_exactly_one_win(database: Database) -> None:
    results = await asyncio.gather(
        *(claim_in_own_transaction(database, consumer="c", event_id="e1") for _ in range(5))
    )

    assert sorted(results) == [False, False, False, False, True]
    async with database.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(InboxEvent)) == 1
