"""Payments reflected on invoices: payment-svc's allocations and their taking back, once per
allocation id whatever event id brings them."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from invoice_svc.core.balances import open_balance, payment_status
from invoice_svc.invoices import repository
from invoice_svc.models import Invoice
from q2c_shared.events import contracts
from q2c_shared.money import round_money


class UnknownInvoice(LookupError):
    """A payment names an invoice this service never created (the event is dead-lettered)."""


async def apply_payment(session: AsyncSession, allocated: contracts.PaymentAllocated) -> Invoice:
    """Reflect a payment allocated to an invoice: amount paid, balance, payment status; once
    per allocation, whatever event id brings it."""
    invoice = await session.get(Invoice, uuid.UUID(allocated.invoice_id), with_for_update=True)
    if invoice is None:
        raise UnknownInvoice(
            f"payment {allocated.payment_id} names unknown invoice {allocated.invoice_id}"
        )
    if allocated.currency != invoice.currency:
        raise ValueError(
            f"payment {allocated.payment_id} in {allocated.currency} cannot pay "
            f"invoice {invoice.number} in {invoice.currency}"
        )
    if not await repository.record_payment_application(
        session,
        allocation_id=uuid.UUID(allocated.allocation_id),
        invoice_id=invoice.id,
        payment_id=uuid.UUID(allocated.payment_id),
        amount=allocated.amount,
    ):
        return invoice  # this allocation was applied already, under another event id
    invoice.amount_paid = round_money(invoice.amount_paid + allocated.amount, invoice.currency)
    invoice.balance = open_balance(invoice.total, invoice.credited_total, invoice.amount_paid)
    invoice.payment_status = payment_status(
        invoice.total, invoice.credited_total + invoice.amount_paid
    )
    await session.flush()
    return invoice


async def unapply_payment(session: AsyncSession, unapplied: contracts.PaymentUnapplied) -> Invoice:
    """Reflect an allocation payment-svc took back: amount paid lowered, balance and payment
    status recomputed, once per allocation whatever event id brings it. The allocation's own
    `PaymentAllocated` came before it on the same partition (both keyed by the account), so
    the amount paid never goes below zero unless an event was lost, which raises instead."""
    invoice = await session.get(Invoice, uuid.UUID(unapplied.invoice_id), with_for_update=True)
    if invoice is None:
        raise UnknownInvoice(
            f"payment {unapplied.payment_id} unapplied from unknown invoice {unapplied.invoice_id}"
        )
    if unapplied.currency != invoice.currency:
        raise ValueError(
            f"payment {unapplied.payment_id} in {unapplied.currency} was not applied to "
            f"invoice {invoice.number} in {invoice.currency}"
        )
    if not await repository.record_payment_unapplied(
        session,
        allocation_id=uuid.UUID(unapplied.allocation_id),
        invoice_id=invoice.id,
        payment_id=uuid.UUID(unapplied.payment_id),
        amount=unapplied.amount,
    ):
        return invoice  # this allocation was taken back already, under another event id
    amount_paid = round_money(invoice.amount_paid - unapplied.amount, invoice.currency)
    if amount_paid < 0:
        raise ValueError(
            f"unapplying {unapplied.amount} from invoice {invoice.number} would leave it paid "
            f"{amount_paid}: its PaymentAllocated was never applied"
        )
    invoice.amount_paid = amount_paid
    invoice.balance = open_balance(invoice.total, invoice.credited_total, invoice.amount_paid)
    invoice.payment_status = payment_status(
        invoice.total, invoice.credited_total + invoice.amount_paid
    )
    await session.flush()
    return invoice
