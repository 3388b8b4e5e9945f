"""Payment gateway webhooks: each verified event is recorded once, and a succeeded payment
becomes one q2c payment, whichever gateway reported it (`payment_svc.gateways`).

Gateways deliver at least once, sometimes twice at the same moment. The database decides what
is new, in the request's transaction: the event row is inserted ON CONFLICT DO NOTHING (UNIQUE
(gateway, event_id)), and so is the payment (UNIQUE (gateway, gateway_reference)), so a second
delivery of an event, or a second event about the same payment, records nothing more.

Where the money goes (docs/adr/0009-payment-gateways.md, 0021-unmatched-gateway-payments.md):
- the metadata names a known invoice in the payment's currency: a payment of the invoice's
  account, allocated to that invoice up to its balance, the rest the account's credit;
- it names no known invoice but an account payment-svc knows: the account's credit, which pays
  the invoice when it is posted (`receivables.service.receivable_from_invoice` draws on credit);
- otherwise (no invoice nor known account, a currency other than the invoice's, an amount of
  nothing or beyond 18 digits): `unmatched`. The event is recorded without a payment, the money
  as an `UnmatchedGatewayPayment` for finance to review (`GET /v1/unmatched-payments`), and a
  warning is logged; it is acknowledged all the same, so that the gateway stops retrying
  something a retry cannot fix. Money is never credited to an account nobody can find.
"""

import logging
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from payment_svc.customer_accounts import repository as accounts_repository
from payment_svc.errors import GatewayPaymentExists
from payment_svc.gateways import repository
from payment_svc.gateways.base import GatewayPayment, WebhookEvent
from payment_svc.gateways.schemas import WebhookReceipt
from payment_svc.locks import lock_accounts
from payment_svc.models import Receivable, UnmatchedGatewayPayment
from payment_svc.payments import service as payments
from payment_svc.payments.schemas import AllocationRequest, PaymentCreate
from payment_svc.receivables import repository as receivables_repository
from payment_svc.statuses import PaymentMethod, UnmatchedReason, WebhookStatus
from q2c_shared.money import MAX_INTEGER_DIGITS
from q2c_shared.pagination import PageRequest, fetch_page

logger = logging.getLogger(__name__)


async def receive_event(session: AsyncSession, gateway: str, event: WebhookEvent) -> WebhookReceipt:
    """Record a verified gateway event once and, for a succeeded payment, its payment."""
    gateway_event_id = await repository.insert_gateway_event(
        session, {"gateway": gateway, "event_id": event.event_id, "event_type": event.event_type}
    )
    if gateway_event_id is None:
        payment_id = await repository.gateway_event_payment_id(session, gateway, event.event_id)
        return WebhookReceipt(status=WebhookStatus.DUPLICATE, payment_id=payment_id)
    if event.payment is None:
        return WebhookReceipt(status=WebhookStatus.IGNORED)
    result = await _record_payment(session, gateway, event, event.payment)
    if isinstance(result, _Unmatched):
        await _keep_unmatched(session, gateway, gateway_event_id, event, result)
        return WebhookReceipt(status=WebhookStatus.UNMATCHED)
    if result.payment_id is not None:
        await repository.set_gateway_event_payment(session, gateway_event_id, result.payment_id)
    return result


async def list_unmatched_payments(
    session: AsyncSession, page: PageRequest
) -> tuple[list[UnmatchedGatewayPayment], str | None]:
    return await fetch_page(
        session, select(UnmatchedGatewayPayment), UnmatchedGatewayPayment.id, page
    )


@dataclass(frozen=True)
class _Unmatched:
    """Why a gateway's payment cannot be credited to anyone."""

    reason: UnmatchedReason
    detail: str


async def _record_payment(
    session: AsyncSession, gateway: str, event: WebhookEvent, paid: GatewayPayment
) -> WebhookReceipt | _Unmatched:
    if paid.amount.adjusted() >= MAX_INTEGER_DIGITS:
        return _Unmatched(
            UnmatchedReason.AMOUNT_OUT_OF_RANGE,
            f"the amount ({paid.stated_amount} in {paid.currency} minor units) has more than "
            f"{MAX_INTEGER_DIGITS} digits before the point",
        )
    if paid.amount <= 0:
        return _Unmatched(
            UnmatchedReason.NOTHING_RECEIVED, f"nothing was received ({paid.stated_amount})"
        )
    receivable = await _named_receivable(session, paid)
    if receivable is not None:
        if receivable.currency != paid.currency:
            return _Unmatched(
                UnmatchedReason.CURRENCY_MISMATCH,
                f"invoice {receivable.invoice_id} is in {receivable.currency}, the payment in "
                f"{paid.currency}",
            )
        if paid.account_id is not None and paid.account_id != str(receivable.account_id):
            logger.warning(
                "%s event %s: metadata account %s is not the account %s of invoice %s; the "
                "invoice's account is credited",
                gateway,
                event.event_id,
                paid.account_id,
                receivable.account_id,
                receivable.invoice_id,
            )
        account_id = receivable.account_id
        # The balance is read under the account's lock (taken again by record_payment: it is
        # reentrant), so a concurrent payment of the invoice cannot make this one exceed it.
        await lock_accounts(session, [account_id])
        await session.refresh(receivable, with_for_update=True)
        to_invoice = min(paid.amount, receivable.balance)  # zero once the invoice is paid
        allocations = (
            [AllocationRequest(invoice_id=receivable.invoice_id, amount=to_invoice)]
            if to_invoice > 0
            else []
        )
    else:
        named_account = _uuid(paid.account_id)
        if paid.account_id is None:
            return _Unmatched(
                UnmatchedReason.UNKNOWN_INVOICE,
                f"no known invoice ({paid.invoice_id}) and no account named",
            )
        if named_account is None or not await accounts_repository.known_accounts(
            session, [named_account]
        ):
            return _Unmatched(
                UnmatchedReason.UNKNOWN_ACCOUNT,
                f"no known invoice ({paid.invoice_id}) and no known account ({paid.account_id})",
            )
        account_id, allocations = named_account, []
    body = PaymentCreate(
        account_id=account_id,
        amount=paid.amount,
        currency=paid.currency,
        method=PaymentMethod.CARD,
        reference=paid.gateway_reference,
        received_on=paid.received_on,
        allocations=allocations,
    )
    try:
        payment = await payments.record_payment(
            session, body, gateway=gateway, gateway_reference=paid.gateway_reference
        )
    except GatewayPaymentExists:
        existing = await repository.payment_id_by_gateway_reference(
            session, gateway, paid.gateway_reference
        )
        return WebhookReceipt(status=WebhookStatus.DUPLICATE, payment_id=existing)
    return WebhookReceipt(status=WebhookStatus.RECORDED, payment_id=payment.id)


async def _named_receivable(session: AsyncSession, paid: GatewayPayment) -> Receivable | None:
    invoice_id = _uuid(paid.invoice_id)
    if invoice_id is None:
        return None
    return await receivables_repository.receivable_of_invoice(session, invoice_id)


async def _keep_unmatched(
    session: AsyncSession,
    gateway: str,
    gateway_event_id: uuid.UUID,
    event: WebhookEvent,
    unmatched: _Unmatched,
) -> None:
    """Keep the money for review, with why it matched nothing; no payment, no event."""
    paid = event.payment
    assert paid is not None  # only a payment can be unmatched
    logger.warning(
        "%s event %s: payment %s of %s %s left unmatched, no payment recorded: %s",
        gateway,
        event.event_id,
        paid.gateway_reference,
        paid.stated_amount,
        paid.currency,
        unmatched.detail,
    )
    in_range = unmatched.reason != UnmatchedReason.AMOUNT_OUT_OF_RANGE
    session.add(
        UnmatchedGatewayPayment(
            gateway_event_id=gateway_event_id,
            gateway=gateway,
            event_id=event.event_id,
            gateway_reference=paid.gateway_reference,
            currency=paid.currency,
            amount=paid.amount if in_range else None,
            stated_amount=paid.stated_amount,
            invoice_reference=paid.invoice_id,
            account_reference=paid.account_id,
            received_on=paid.received_on,
            reason=unmatched.reason,
            detail=unmatched.detail[:1000],
        )
    )
    await session.flush()


def _uuid(value: str | None) -> uuid.UUID | None:
    """A metadata id that is not a UUID names nothing of q2c's."""
    if value is None:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None
