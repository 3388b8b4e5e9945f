"""invoice-svc use cases: billing schedules from orders, invoice runs, posting, payments.

Functions flush, never commit: the request's or the consumed message's unit of work commits
(q2c_shared.db); an invoice run commits once per batch in runs.py.
"""

import asyncio
import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from invoice_svc import events, numbering, repository
from invoice_svc.crediting import (
    CreditableLine,
    CreditLine,
    CreditRefused,
    CreditTotals,
    credit_by_line,
    credit_in_full,
    credit_totals,
    run_credits,
)
from invoice_svc.drafting import (
    InvoiceDraft,
    TaxContext,
    can_post,
    open_balance,
    payment_status,
)
from invoice_svc.grouping import BillableCharge, invoice_key
from invoice_svc.models import (
    BillingSchedule,
    BillToAccount,
    CreditNote,
    Invoice,
    InvoiceRun,
    TaxRate,
)
from invoice_svc.scheduling import periods_of
from invoice_svc.schemas import (
    BillingPeriodPublic,
    BillingSchedulePublic,
    BillToPublic,
    CreditNoteCreate,
    CreditNoteLinePublic,
    CreditNotePublic,
    CreditNoteStatus,
    InvoiceLinePublic,
    InvoicePublic,
    InvoiceRunCreate,
    InvoiceRunStatus,
    InvoiceStatus,
    PeriodStatus,
    TaxRateCreate,
    TaxRateUpdate,
)
from invoice_svc.tax import jurisdiction_key, line_tax
from q2c_shared.billing.periods import BillingPeriod
from q2c_shared.billing.terms import PaymentTerm, due_date
from q2c_shared.db import get_or_404
from q2c_shared.events import contracts
from q2c_shared.ids import new_id
from q2c_shared.money import round_money, zero
from q2c_shared.outbox import JsonEvent, enqueue_json, enqueue_many
from q2c_shared.pagination import PageRequest, fetch_page
from q2c_shared.problems import Conflict, Unprocessable

# --- billing schedules ----------------------------------------------------------------------


async def create_billing_schedules(
    session: AsyncSession, activated: contracts.OrderActivated
) -> int:
    """One schedule per order product of an activated order, with its periods; an order product
    that already has a schedule is skipped. Returns how many schedules were created."""
    order = activated.order
    PaymentTerm(order.payment_term)  # an unknown term cannot be billed: refuse the event
    schedules: list[dict[str, Any]] = []
    periods_by_product: dict[uuid.UUID, list[BillingPeriod]] = {}
    for product in order.order_products:
        schedules.append(_schedule_row(activated, product))
        periods_by_product[uuid.UUID(product.id)] = periods_of(order, product, activated.contract)
    created = await repository.insert_schedules(session, schedules)
    await repository.insert_periods(
        session,
        [
            {
                "id": new_id(),
                "billing_schedule_id": schedule_id,
                "sequence": sequence,
                "period_start": period.period_start,
                "period_end": period.period_end,
                "billable_date": period.billable_date,
                "amount": period.amount,
                "status": PeriodStatus.PENDING,
                "invoice_id": None,
            }
            for order_product_id, schedule_id in created.items()
            for sequence, period in enumerate(periods_by_product[order_product_id], start=1)
        ],
    )
    return len(created)


def _schedule_row(
    activated: contracts.OrderActivated, product: contracts.OrderProductSnapshot
) -> dict[str, Any]:
    order = activated.order
    bill_to = invoice_key(
        BillableCharge(
            order_id=order.id,
            order_product_id=product.id,
            account_id=order.account_id,
            currency=order.currency,
            payment_term=order.payment_term,
            order_billing_account_id=order.billing_account_id,
            product_billing_account_id=product.billing_account_id,
            invoice_grouping=product.invoice_grouping,
            contract_number=activated.contract.number,
            po_number=order.po_number,
            legal_entity=order.legal_entity,
            invoice_group_id=product.invoice_group_id,
        )
    ).bill_to_account_id
    return {
        "id": new_id(),
        "order_id": uuid.UUID(order.id),
        "order_number": order.number,
        "order_type": order.type,
        "order_product_id": uuid.UUID(product.id),
        "product_id": uuid.UUID(product.product_id),
        "subscription_id": _uuid_or_none(product.subscription_id),
        "sku": product.sku,
        "description": product.product_name,
        "account_id": uuid.UUID(order.account_id),
        "order_billing_account_id": _uuid_or_none(order.billing_account_id),
        "product_billing_account_id": _uuid_or_none(product.billing_account_id),
        "bill_to_account_id": uuid.UUID(bill_to),
        "currency": order.currency,
        "payment_term": order.payment_term,
        "po_number": order.po_number,
        "legal_entity": order.legal_entity,
        "invoice_grouping": product.invoice_grouping,
        "invoice_group_id": product.invoice_group_id,
        "contract_id": _uuid_or_none(activated.contract.id),
        "contract_number": activated.contract.number,
        "charge_type": product.charge_type,
        "billing_type": product.billing_type,
        "billing_frequency": product.billing_frequency,
        "tax_code": product.tax_code,
        "quantity": product.quantity,
        "net_unit_price": product.net_unit_price,
        "monthly_amount": product.monthly_amount,
        "amount": product.amount,
        "start_date": product.start_date,
        "end_date": product.end_date,
        "billing_day_of_month": order.billing_day_of_month,
    }


async def list_billing_schedules(
    session: AsyncSession,
    page: PageRequest,
    *,
    order_id: uuid.UUID | None,
    account_id: uuid.UUID | None,
    bill_to_account_id: uuid.UUID | None,
) -> tuple[list[BillingSchedulePublic], str | None]:
    statement = select(BillingSchedule)
    if order_id is not None:
        statement = statement.where(BillingSchedule.order_id == order_id)
    if account_id is not None:
        statement = statement.where(BillingSchedule.account_id == account_id)
    if bill_to_account_id is not None:
        statement = statement.where(BillingSchedule.bill_to_account_id == bill_to_account_id)
    schedules, next_cursor = await fetch_page(session, statement, BillingSchedule.id, page)
    periods = await repository.periods_by_schedule(session, [s.id for s in schedules])
    return [
        BillingSchedulePublic.model_validate(
            {
                **schedule.model_dump(),
                "periods": [BillingPeriodPublic.model_validate(p) for p in periods[schedule.id]],
            }
        )
        for schedule in schedules
    ], next_cursor


# --- invoice runs ---------------------------------------------------------------------------


async def create_invoice_run(session: AsyncSession, body: InvoiceRunCreate) -> InvoiceRun:
    """Queue a run; a worker (runs.py) picks it up once this transaction commits."""
    run = InvoiceRun(
        status=InvoiceRunStatus.QUEUED,
        target_date=body.target_date,
        invoice_date=body.invoice_date or body.target_date,
        account_ids=sorted(set(body.account_ids)) if body.account_ids is not None else None,
        post=body.post,
    )
    session.add(run)
    await session.flush()
    await session.refresh(run)
    return run


async def list_invoice_runs(
    session: AsyncSession, page: PageRequest, *, status: InvoiceRunStatus | None
) -> tuple[list[InvoiceRun], str | None]:
    statement = select(InvoiceRun)
    if status is not None:
        statement = statement.where(InvoiceRun.status == status)
    return await fetch_page(session, statement, InvoiceRun.id, page)


# --- invoices -------------------------------------------------------------------------------


async def list_invoices(
    session: AsyncSession,
    page: PageRequest,
    *,
    account_id: uuid.UUID | None,
    order_id: uuid.UUID | None,
    invoice_run_id: uuid.UUID | None,
    status: InvoiceStatus | None,
) -> tuple[list[InvoicePublic], str | None]:
    statement = select(Invoice)
    if account_id is not None:
        statement = statement.where(Invoice.account_id == account_id)
    if order_id is not None:
        statement = statement.where(repository.invoices_of_order(order_id))
    if invoice_run_id is not None:
        statement = statement.where(Invoice.invoice_run_id == invoice_run_id)
    if status is not None:
        statement = statement.where(Invoice.status == status)
    invoices, next_cursor = await fetch_page(session, statement, Invoice.id, page)
    lines = await repository.lines_by_invoice(session, [invoice.id for invoice in invoices])
    bill_tos = await repository.bill_to_accounts(
        session, list({invoice.account_id for invoice in invoices})
    )
    items = [
        _invoice_public(invoice.model_dump(), lines[invoice.id], bill_tos.get(invoice.account_id))
        for invoice in invoices
    ]
    return items, next_cursor


async def invoice_public(session: AsyncSession, invoice: Invoice) -> InvoicePublic:
    lines = await repository.lines_by_invoice(session, [invoice.id])
    bill_tos = await repository.bill_to_accounts(session, [invoice.account_id])
    return _invoice_public(
        invoice.model_dump(), lines[invoice.id], bill_tos.get(invoice.account_id)
    )


def _invoice_public(
    invoice: dict[str, Any], lines: Sequence[Any], bill_to: BillToAccount | None = None
) -> InvoicePublic:
    return InvoicePublic.model_validate(
        {
            **invoice,
            "lines": [InvoiceLinePublic.model_validate(line) for line in lines],
            "bill_to": BillToPublic.model_validate(bill_to) if bill_to is not None else None,
        }
    )


async def post_invoice(session: AsyncSession, invoice_id: uuid.UUID) -> Invoice:
    """Post one draft: a batch of one through `post_drafts`, the path invoice runs post by.
    It is taxed again first (rates in force, bill-to address now: a draft may have waited while
    they changed). A posted invoice, or one with a negative total: 409."""
    invoice = await get_or_404(session, Invoice, invoice_id, label="invoice", for_update=True)
    if invoice.status != InvoiceStatus.DRAFT:
        raise Conflict(
            f"Invoice {invoice.number} is already {invoice.status}; only a draft can be posted.",
            code="invoice_not_draft",
        )
    if not can_post(invoice.total):
        raise Conflict(
            f"Invoice {invoice.id} totals {invoice.total} {invoice.currency}: it credits the "
            "customer, which is a credit note's job (invoice runs issue one for such credits); "
            "it stays a draft.",
            code="invoice_total_negative",
        )
    await _retax_drafts(session, [invoice.id])
    (row,) = await repository.invoice_rows(session, [invoice.id])
    lines = await repository.lines_by_invoice(session, [invoice.id])
    await post_drafts(
        session, [row._mapping], {invoice.id: [line._mapping for line in lines[invoice.id]]}
    )
    await session.refresh(invoice)
    return invoice


async def create_invoices(
    session: AsyncSession,
    invoices: list[dict[str, Any]],
    lines: list[dict[str, Any]],
    *,
    post: bool,
) -> int:
    """Write an invoice run's batch: its drafts and their lines (rows as runs.py makes them),
    marking the billed periods invoiced; with `post`, post them (`post_drafts`). Returns how
    many were posted."""
    await repository.insert_invoices(session, invoices, lines)
    if not post:
        return 0
    lines_of: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
    for line in lines:
        lines_of[line["invoice_id"]].append(line)
    return await post_drafts(session, invoices, lines_of)


async def post_drafts(
    session: AsyncSession,
    drafts: Sequence[Mapping[str, Any]],
    lines_of: Mapping[uuid.UUID, Sequence[Mapping[str, Any]]],
) -> int:
    """Post draft invoices (rows as written, with their lines' rows by invoice id): the one
    posting path, for an invoice run's batch and for one invoice posted by hand. Each is
    numbered from its legal entity's gapless series in the order given, gets its due date and
    one `InvoicePosted` in the outbox, written from the rows (nothing read back). A draft
    totalling below zero is left a draft: what the customer is owed is a credit note's job.
    Returns how many were posted.

    All but the numbering is done before the first number is taken, since the series stays
    locked from then until the transaction commits, while the run's next batch waits for it:
    the events are made in full, then given their numbers."""
    postable = [draft for draft in drafts if can_post(draft["total"])]
    posted_events: dict[uuid.UUID, JsonEvent] = {}
    for count, draft in enumerate(postable, start=1):
        posted_events[draft["id"]] = events.invoice_posted(draft, lines_of.get(draft["id"], ()))
        if count % 100 == 0:
            await asyncio.sleep(0)  # see runs.bill_accounts
    postings = await _take_numbers(session, postable)
    await repository.mark_posted(session, postings)
    for posting in postings:
        events.numbered(
            posted_events[posting["invoice_id"]],
            number=posting["number"],
            due_date=posting["due_date"],
        )
    await enqueue_json(session, list(posted_events.values()))
    return len(postings)


async def _take_numbers(
    session: AsyncSession, drafts: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """A posting for each draft (`id`, `legal_entity`, `invoice_date`, `payment_term`): its
    number from its legal entity's gapless series, in the order given, and its due date."""
    by_series: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for draft in drafts:
        by_series[numbering.series_key(draft["legal_entity"])].append(draft)
    postings: list[dict[str, Any]] = []
    for series in sorted(by_series):  # a fixed order of series locks: no deadlocks
        in_series = by_series[series]
        numbers = await numbering.take_numbers(
            session,
            legal_entity=in_series[0]["legal_entity"],
            kind=numbering.DocumentKind.INVOICE,
            count=len(in_series),
        )
        postings += [
            {
                "invoice_id": draft["id"],
                "number": number,
                "due_date": due_date(draft["invoice_date"], draft["payment_term"]),
            }
            for draft, number in zip(in_series, numbers, strict=True)
        ]
    return postings


# --- credit notes ---------------------------------------------------------------------------


async def credit_invoice(
    session: AsyncSession, invoice_id: uuid.UUID, body: CreditNoteCreate, *, today: date
) -> CreditNote:
    """Issue a credit note for a posted invoice, in full (no `lines`) or by line: numbered from
    its legal entity's gapless `CN-` series, the invoice's credited total, balance and payment
    status lowered, `CreditNoteIssued` in the outbox. The invoice's row lock, held to commit,
    keeps two credit notes of one invoice from both taking what is left of a line."""
    invoice = await get_or_404(session, Invoice, invoice_id, label="invoice", for_update=True)
    if invoice.status != InvoiceStatus.POSTED:
        raise Conflict(
            f"Invoice {invoice.id} is a {invoice.status}; only a posted invoice can be credited "
            "(change or delete a draft instead).",
            code="invoice_not_posted",
        )
    creditable = [
        CreditableLine(**line._mapping)
        for line in await repository.creditable_lines(session, invoice.id)
    ]
    try:
        credits = (
            credit_in_full(creditable)
            if body.lines is None
            else credit_by_line(
                creditable,
                [(line.invoice_line_id, line.amount) for line in body.lines],
                currency=invoice.currency,
            )
        )
    except CreditRefused as refused:
        problem = Conflict if refused.code == "invoice_fully_credited" else Unprocessable
        raise problem(str(refused), code=refused.code) from None
    totals = credit_totals(credits, invoice.currency)
    note, lines = _credit_note_rows(
        credits,
        totals,
        account_id=invoice.account_id,
        legal_entity=invoice.legal_entity,
        currency=invoice.currency,
        invoice_id=invoice.id,
        invoice_run_id=None,
        reason=body.reason,
        issue_date=body.issue_date or today,
        grouping=None,
    )
    invoice.credited_total += totals.total
    invoice.balance = open_balance(invoice.total, invoice.credited_total, invoice.amount_paid)
    invoice.payment_status = payment_status(
        invoice.total, invoice.credited_total + invoice.amount_paid
    )
    await session.flush()
    await create_credit_notes(
        session,
        [note],
        lines,
        issue=True,
        invoice_numbers={invoice.id: invoice.number},
        invoice_balances={invoice.id: invoice.balance},
    )
    credit_note = await get_or_404(session, CreditNote, note["id"], label="credit note")
    await session.refresh(credit_note)
    return credit_note


async def issue_credit_notes(
    session: AsyncSession,
    notes: Sequence[Mapping[str, Any]],
    lines_of: Mapping[uuid.UUID, Sequence[Mapping[str, Any]]],
    *,
    invoice_numbers: Mapping[uuid.UUID, str | None],
    invoice_balances: Mapping[uuid.UUID, Decimal],
) -> int:
    """Number the draft credit notes `notes` (rows as written) from their legal entity's
    gapless `CN-` series, in the order given, mark them issued and put one `CreditNoteIssued`
    each in the outbox, built from the rows (nothing read back). Returns how many."""
    by_series: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for note in notes:
        by_series[numbering.series_key(note["legal_entity"])].append(note)
    issuings: list[dict[str, Any]] = []
    issued_events: list[tuple[contracts.EventData, str, str | None]] = []
    for series in sorted(by_series):  # a fixed order of series locks: no deadlocks
        in_series = by_series[series]
        numbers = await numbering.take_numbers(
            session,
            legal_entity=in_series[0]["legal_entity"],
            kind=numbering.DocumentKind.CREDIT_NOTE,
            count=len(in_series),
        )
        for note, number in zip(in_series, numbers, strict=True):
            issuings.append({"credit_note_id": note["id"], "number": number})
            invoice_id = note["invoice_id"]
            issued_events.append(
                events.credit_note_issued(
                    note,
                    lines_of[note["id"]],
                    number=number,
                    invoice_number=invoice_numbers.get(invoice_id) if invoice_id else None,
                    invoice_balance=invoice_balances.get(invoice_id) if invoice_id else None,
                )
            )
    await repository.mark_credit_notes_issued(session, issuings)
    await enqueue_many(session, issued_events)
    return len(issuings)


async def create_credit_notes(
    session: AsyncSession,
    notes: list[dict[str, Any]],
    lines: list[dict[str, Any]],
    *,
    issue: bool,
    invoice_numbers: Mapping[uuid.UUID, str | None] | None = None,
    invoice_balances: Mapping[uuid.UUID, Decimal] | None = None,
) -> None:
    """Write draft credit notes (rows as `_credit_note_rows` makes them: an invoice run's, or
    one credit note of an invoice), marking the periods a run's credit; with `issue`, number
    and issue them as well (`issue_credit_notes`, given the credited invoices' numbers and
    balances after them)."""
    await repository.insert_credit_notes(session, notes, lines)
    if not issue or not notes:
        return
    lines_of: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
    for line in lines:
        lines_of[line["credit_note_id"]].append(line)
    await issue_credit_notes(
        session,
        notes,
        lines_of,
        invoice_numbers=invoice_numbers or {},
        invoice_balances=invoice_balances or {},
    )


async def issue_credit_note(session: AsyncSession, credit_note_id: uuid.UUID) -> CreditNote:
    """Issue a draft credit note an invoice run left (a run that did not post). Issued
    already: 409."""
    credit_note = await get_or_404(
        session, CreditNote, credit_note_id, label="credit note", for_update=True
    )
    if credit_note.status != CreditNoteStatus.DRAFT:
        raise Conflict(
            f"Credit note {credit_note.number} is already issued.", code="credit_note_not_draft"
        )
    lines = await repository.credit_note_lines(session, [credit_note.id])
    await issue_credit_notes(
        session,
        [credit_note.model_dump()],
        {credit_note.id: [line._mapping for line in lines[credit_note.id]]},
        invoice_numbers={},
        invoice_balances={},
    )
    await session.refresh(credit_note)
    return credit_note


def _credit_note_rows(
    credits: Sequence[CreditLine],
    totals: CreditTotals,
    *,
    account_id: uuid.UUID,
    legal_entity: str | None,
    currency: str,
    invoice_id: uuid.UUID | None,
    invoice_run_id: uuid.UUID | None,
    reason: str,
    issue_date: date,
    grouping: dict[str, Any] | None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A draft credit note's row and its lines' rows, for `repository.insert_credit_notes`."""
    note_id = new_id()
    note = {
        "id": note_id,
        "number": None,
        "status": CreditNoteStatus.DRAFT,
        "account_id": account_id,
        "legal_entity": legal_entity,
        "currency": currency,
        "invoice_id": invoice_id,
        "invoice_run_id": invoice_run_id,
        "reason": reason,
        "issue_date": issue_date,
        "subtotal": totals.subtotal,
        "tax_total": totals.tax_total,
        "total": totals.total,
        "grouping": grouping,
        "issued_at": None,
    }
    lines = [
        {
            "id": new_id(),
            "credit_note_id": note_id,
            "position": position,
            "invoice_line_id": credit.invoice_line_id,
            "billing_period_id": credit.billing_period_id,
            "order_id": credit.order_id,
            "order_product_id": credit.order_product_id,
            "product_id": credit.product_id,
            "description": credit.description,
            "period_start": credit.period_start,
            "period_end": credit.period_end,
            "quantity": credit.quantity,
            "amount": credit.amount,
            "tax_rate_percent": credit.tax_rate_percent,
            "tax_amount": credit.tax_amount,
        }
        for position, credit in enumerate(credits, start=1)
    ]
    return note, lines


RUN_CREDIT_REASON = "Credits for changes to your subscriptions (removed quantities)"


def run_credit_note_rows(
    draft: InvoiceDraft, run_id: uuid.UUID
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """An invoice run's draft that came out below zero, as a credit note for its bill-to."""
    credits = run_credits(draft)
    return _credit_note_rows(
        credits,
        credit_totals(credits, draft.key.currency),
        account_id=uuid.UUID(draft.key.bill_to_account_id),
        legal_entity=draft.legal_entity,
        currency=draft.key.currency,
        invoice_id=None,
        invoice_run_id=run_id,
        reason=RUN_CREDIT_REASON,
        issue_date=draft.invoice_date,
        grouping=draft.key.explain(),
    )


async def list_credit_notes(
    session: AsyncSession,
    page: PageRequest,
    *,
    account_id: uuid.UUID | None,
    invoice_id: uuid.UUID | None,
    status: CreditNoteStatus | None,
) -> tuple[list[CreditNotePublic], str | None]:
    statement = select(CreditNote)
    if account_id is not None:
        statement = statement.where(CreditNote.account_id == account_id)
    if invoice_id is not None:
        statement = statement.where(CreditNote.invoice_id == invoice_id)
    if status is not None:
        statement = statement.where(CreditNote.status == status)
    notes, next_cursor = await fetch_page(session, statement, CreditNote.id, page)
    return await _credit_notes_public(session, notes), next_cursor


async def credit_note_public(session: AsyncSession, credit_note: CreditNote) -> CreditNotePublic:
    (public,) = await _credit_notes_public(session, [credit_note])
    return public


async def _credit_notes_public(
    session: AsyncSession, notes: Sequence[CreditNote]
) -> list[CreditNotePublic]:
    lines = await repository.credit_note_lines(session, [note.id for note in notes])
    numbers = await repository.invoice_numbers(
        session, [note.invoice_id for note in notes if note.invoice_id is not None]
    )
    return [
        CreditNotePublic.model_validate(
            {
                **note.model_dump(),
                "invoice_number": numbers.get(note.invoice_id) if note.invoice_id else None,
                "lines": [CreditNoteLinePublic.model_validate(line) for line in lines[note.id]],
            }
        )
        for note in notes
    ]


def _str_or_none(value: uuid.UUID | None) -> str | None:
    return None if value is None else str(value)


async def credit_note_document(
    session: AsyncSession, credit_note: CreditNote
) -> tuple[CreditNotePublic, BillToPublic | None]:
    """What the credit note's PDF prints: the credit note and its bill-to account as the read
    model knows it (None until an account event arrived), which the credit note does not carry."""
    bill_tos = await repository.bill_to_accounts(session, [credit_note.account_id])
    bill_to = bill_tos.get(credit_note.account_id)
    return (
        await credit_note_public(session, credit_note),
        BillToPublic.model_validate(bill_to) if bill_to is not None else None,
    )


# --- payments -------------------------------------------------------------------------------


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


# --- tax rates ------------------------------------------------------------------------------


async def create_tax_rate(session: AsyncSession, body: TaxRateCreate) -> TaxRate:
    """A rate for a jurisdiction and tax code; one of them exists already: 409 (change it with
    PATCH instead). The database's unique index decides, so two racing requests make one."""
    values = {
        "id": new_id(),
        "country": body.country.upper(),
        "region": jurisdiction_key(body.region),
        "tax_code": body.tax_code,
        "rate_percent": body.rate_percent,
    }
    rate_id = await repository.insert_tax_rate(session, values)
    if rate_id is None:
        where = values["country"] + (f"/{values['region']}" if values["region"] else "")
        raise Conflict(
            f"A tax rate for {where} and tax code {body.tax_code} exists already; change its "
            "rate with PATCH /v1/tax-rates/{id}.",
            code="tax_rate_exists",
        )
    return await get_or_404(session, TaxRate, rate_id, label="tax rate")


async def update_tax_rate(
    session: AsyncSession, tax_rate_id: uuid.UUID, body: TaxRateUpdate
) -> TaxRate:
    rate = await get_or_404(session, TaxRate, tax_rate_id, label="tax rate", for_update=True)
    rate.rate_percent = body.rate_percent
    rate.updated_at = datetime.now(UTC)
    await session.flush()
    return rate


async def list_tax_rates(
    session: AsyncSession,
    page: PageRequest,
    *,
    country: str | None,
    tax_code: str | None,
) -> tuple[list[TaxRate], str | None]:
    statement = select(TaxRate)
    if country is not None:
        statement = statement.where(TaxRate.country == country.upper())
    if tax_code is not None:
        statement = statement.where(TaxRate.tax_code == tax_code)
    return await fetch_page(session, statement, TaxRate.id, page)


async def _retax_drafts(
    session: AsyncSession, invoice_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Decimal]:
    """Tax the drafts' lines again at the rates in force and their bill-to's address now, and
    set their totals: what a posted invoice shows is taxed as of its posting (a draft may have
    waited while rates or the address changed). Callers hold the drafts' row locks. Returns
    each draft's new total."""
    if not invoice_ids:
        return {}
    invoices = await repository.invoice_rows(session, invoice_ids)
    lines = await repository.lines_with_tax_codes(session, invoice_ids)
    tax = TaxContext(
        rates=await repository.tax_rate_table(session),
        bill_tos=await repository.tax_profiles(
            session, list({invoice.account_id for invoice in invoices})
        ),
    )
    line_taxes: list[dict[str, Any]] = []
    totals: list[dict[str, Any]] = []
    for invoice in invoices:
        tax_total = zero(invoice.currency)
        for line in lines[invoice.id]:
            rate = tax.rate_for(str(invoice.account_id), line.tax_code)
            tax_amount = line_tax(line.amount, rate, invoice.currency)
            tax_total += tax_amount
            line_taxes.append(
                {"line_id": line.id, "tax_rate_percent": rate, "tax_amount": tax_amount}
            )
        total = invoice.subtotal + tax_total
        totals.append(
            {
                "invoice_id": invoice.id,
                "tax_total": tax_total,
                "total": total,
                "balance": open_balance(total, invoice.credited_total, invoice.amount_paid),
                "payment_status": payment_status(
                    total, invoice.credited_total + invoice.amount_paid
                ),
            }
        )
    await repository.set_line_taxes(session, line_taxes)
    await repository.set_invoice_totals(session, totals)
    return {t["invoice_id"]: t["total"] for t in totals}


# --- bill-to accounts (read model) ----------------------------------------------------------


async def record_account(
    session: AsyncSession, account: contracts.AccountSnapshot, *, event_time: datetime
) -> bool:
    """Keep the newest known version of a quote-svc account: written unless the row already
    holds an event at least as new (`event_time` is the CloudEvents `time`), so a redelivered
    or late older event never puts an old address or tax exemption back. True when written."""
    return await repository.upsert_bill_to_account(
        session,
        {
            "account_id": uuid.UUID(account.id),
            "name": account.name,
            "currency": account.currency,
            "email": account.email,
            "billing_address": (
                account.billing_address.model_dump(mode="json")
                if account.billing_address is not None
                else None
            ),
            "payment_term": account.payment_term,
            "legal_entity": account.legal_entity,
            "tax_exempt": account.tax_exempt,
            "source_event_time": event_time,
        },
    )


def _uuid_or_none(value: str | None) -> uuid.UUID | None:
    return uuid.UUID(value) if value else None
