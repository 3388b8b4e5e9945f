"""The one lock of an account's money.

Lock order, the same in every writer so that two of them never wait on each other in a cycle:
the accounts (advisory locks, in id order), then their receivables by id, then their payments
by id. Every writer of an account's receivables or payments takes its account's lock first, so
the row locks after it are only ever contended within one account's turn.
"""

import uuid
from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


async def lock_accounts(session: AsyncSession, account_ids: Iterable[uuid.UUID]) -> None:
    """Serialise the writers of these accounts' money until the transaction ends.

    Row locks alone cannot do it: a payment and an `InvoicePosted` for the same account each
    insert a row the other cannot see yet, so the payment would stay credit and the invoice stay
    open. The accounts are locked in one statement, in id order: two writers of several
    accounts never wait on each other in a cycle. Taking a lock the transaction holds already
    is a no-op, so callers need not know who locked before them.
    """
    await session.execute(
        text(
            "SELECT pg_advisory_xact_lock(hashtextextended('payment-svc:account:' || id, 0)) "
            "FROM unnest(CAST(:ids AS text[])) WITH ORDINALITY AS a(id, n) ORDER BY n"
        ),
        {"ids": [str(account_id) for account_id in sorted(set(account_ids))]},
    )
