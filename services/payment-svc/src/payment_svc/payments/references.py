"""The references a payment makes are real: its account is one payment-svc knows, and each
invoice it names is an invoice of that account in the payment's currency.

Checked before anything is written (422, nothing changed), so money is never credited to an
account nobody can find nor allocated to an invoice nobody owes. Read without locks: a known
account stays known and a receivable never changes account or currency, so what is checked
here still holds when the payment is applied under the account's lock. Whether each invoice is
still open, and owes enough, is decided there (`recording.apply_payments`).

An account is known from its account events (`customer_accounts`) or from an invoice posted to
it (`receivables`): invoice-svc posts only to accounts it knows, and `q2c.invoices` may be read
before `q2c.accounts` has caught up (docs/adr/0021-unmatched-gateway-payments.md). The account
check runs inside `recording.apply_payments`, which has just read the accounts' open
receivables: only accounts without any are looked up.
"""

import uuid
from collections.abc import Collection, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from payment_svc.customer_accounts import repository as accounts
from payment_svc.errors import (
    InvoiceInAnotherCurrency,
    InvoiceOfAnotherAccount,
    UnknownAccount,
    UnknownInvoice,
)
from payment_svc.payments.schemas import AllocationRequest
from payment_svc.receivables import repository as receivables


async def check_accounts(
    session: AsyncSession,
    account_ids: Sequence[uuid.UUID],
    known: Collection[uuid.UUID] = (),
    *,
    batch: bool = False,
) -> None:
    """422 `unknown_account` naming each account payment-svc does not know: where it is in the
    body (`account_id`, or `payments.<n>.account_id` of a `batch`). Those in `known` (the caller
    has just read their open receivables) are not looked up again."""
    to_look_up = set(account_ids).difference(known)
    if not to_look_up:
        return
    found = await accounts.known_accounts(session, list(to_look_up))
    unknown = [
        (position, account_id)
        for position, account_id in enumerate(account_ids)
        if account_id in to_look_up and account_id not in found
    ]
    if not unknown:
        return
    names = ", ".join(sorted({str(account_id) for _, account_id in unknown}))
    raise UnknownAccount(
        f"payment-svc knows no account {names}: no account event of it arrived and no invoice "
        "of it was posted. Check the id, or wait until quote-svc's account reached payment-svc.",
        errors=[
            {
                "loc": ["body", "payments", position, "account_id"]
                if batch
                else ["body", "account_id"],
                "msg": f"unknown account {account_id}",
            }
            for position, account_id in unknown
        ],
    )


async def check_allocations(
    session: AsyncSession,
    allocations: Sequence[AllocationRequest],
    *,
    account_id: uuid.UUID,
    currency: str,
) -> None:
    """Each allocation names an invoice payment-svc has (else 422 `unknown_invoice`), of the
    paying account (`invoice_of_another_account`), in the payment's currency
    (`invoice_in_another_currency`). Every allocation of the first kind found is named."""
    owners = await receivables.invoice_owners(
        session, [allocation.invoice_id for allocation in allocations]
    )
    unknown, foreign, other_currency = [], [], []
    for position, allocation in enumerate(allocations):
        owner = owners.get(allocation.invoice_id)
        if owner is None:
            unknown.append((position, allocation.invoice_id, "unknown invoice"))
        elif owner[0] != account_id:
            foreign.append((position, allocation.invoice_id, "an invoice of another account"))
        elif owner[1] != currency:
            other_currency.append((position, allocation.invoice_id, f"an invoice in {owner[1]}"))
    for problem, found, detail in (
        (UnknownInvoice, unknown, "payment-svc has no receivable of invoice {names}"),
        (InvoiceOfAnotherAccount, foreign, f"invoice {{names}} is not owed by {account_id}"),
        (InvoiceInAnotherCurrency, other_currency, f"invoice {{names}} is not in {currency}"),
    ):
        if found:
            names = ", ".join(str(invoice_id) for _, invoice_id, _ in found)
            raise problem(
                detail.format(names=names) + "; nothing was recorded.",
                errors=[
                    {"loc": ["body", "allocations", position, "invoice_id"], "msg": msg}
                    for position, _, msg in found
                ],
            )
