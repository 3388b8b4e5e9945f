"""The invoice generator as a preview: the invoices a run would make, written nowhere.

The same code as a run's batch (runs/billing.py): the pending periods due by the target date,
read as the run reads them (without its locks, so a preview holds up no run), split by
`core.grouping`, drafted and taxed by `core.drafting` at the rates in force and the bill-tos'
tax profiles; a draft below zero is the credit note a run would issue instead
(`core.crediting.run_credits`). An order that does not exist yet (a quote's) is scheduled by
the same `core.scheduling.periods_of` as an activated order (an amendment's order product on
the period grid of the subscription it changes), and its due periods drafted beside the others.
The transaction is read-only: PostgreSQL refuses any write, so a preview can never bill, number
or announce anything.
"""

import uuid
from datetime import date

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from invoice_svc.bill_to_accounts.repository import tax_profiles
from invoice_svc.core.balances import can_post
from invoice_svc.core.crediting import credit_totals, run_credits
from invoice_svc.core.drafting import DueCharge, InvoiceDraft, TaxContext, draft_invoices
from invoice_svc.core.grouping import BillableCharge, group_charges, invoice_key
from invoice_svc.core.invoice_dates import InvoiceDateRefused, billable_now, check_run_dates
from invoice_svc.core.scheduling import periods_of
from invoice_svc.credit_notes.issuing import RUN_CREDIT_REASON
from invoice_svc.errors import PreviewTooLarge, run_date_refused
from invoice_svc.invoices.preview_schemas import (
    PREVIEW_MAX_INVOICES,
    CreditNoteLinePreview,
    CreditNotePreview,
    InvoiceLinePreview,
    InvoicePreview,
    InvoicePreviewPublic,
    InvoicePreviewRequest,
    ProposedOrder,
)
from invoice_svc.runs import repository as runs_repository
from invoice_svc.tax_rates.repository import tax_rate_table
from q2c_shared.events import contracts
from q2c_shared.money import check_minor_units


async def preview_invoices(
    session: AsyncSession, request: InvoicePreviewRequest
) -> InvoicePreviewPublic:
    """The invoices and credit notes a run for `request.target_date` would make of the pending
    periods asked for (and of a proposed order's), drafted and taxed, in the order a run makes
    them. More than `PREVIEW_MAX_INVOICES` of them: 422 `preview_too_large`. The dates obey a
    run's rules (docs/adr/0022): an invoice date a run may not have is 422, and the periods a
    run would leave pending are left out."""
    try:
        invoice_date = check_run_dates(
            target_date=request.target_date, invoice_date=request.invoice_date
        )
    except InvoiceDateRefused as refused:
        raise run_date_refused(refused) from None
    if request.proposed_order is not None:
        _check_minor_units(request.proposed_order)
    await session.execute(text("SET TRANSACTION READ ONLY"))
    charges = await _pending_charges(session, request)
    unnamed: set[uuid.UUID] = set()
    if request.proposed_order is not None:
        charges += _proposed_charges(request.proposed_order, request.target_date, unnamed)
    charges.sort(
        key=lambda charge: (
            str(charge.bill_to_account_id),
            str(charge.order_id),
            str(charge.order_product_id),
            charge.period_start,
        )
    )
    charges, _ = billable_now(charges, invoice_date=invoice_date)
    bill_to_ids = sorted({charge.bill_to_account_id for charge in charges})
    tax = TaxContext(
        rates=await tax_rate_table(session), bill_tos=await tax_profiles(session, bill_to_ids)
    )
    drafts = draft_invoices(group_charges(charges), invoice_date=invoice_date, tax=tax)
    if len(drafts) > PREVIEW_MAX_INVOICES:
        raise _too_large()
    return InvoicePreviewPublic(
        items=[_preview(draft, unnamed) for draft in drafts if can_post(draft.total)],
        credit_notes=[
            _credit_note(draft, unnamed) for draft in drafts if not can_post(draft.total)
        ],
    )


async def _pending_charges(
    session: AsyncSession, request: InvoicePreviewRequest
) -> list[DueCharge]:
    """The pending periods a run would bill: of the account or order asked for; of every
    account when neither is asked for and no proposed order is; else none."""
    if request.account_id is None and request.order_id is None and request.proposed_order:
        return []
    # Each bill-to has at least one invoice: more bill-tos than invoices allowed is refused
    # before any period is read.
    bill_to_ids = await runs_repository.due_bill_to_accounts(
        session,
        target_date=request.target_date,
        account_ids=None if request.account_id is None else [request.account_id],
        after=None,
        limit=PREVIEW_MAX_INVOICES + 1,
        order_id=request.order_id,
    )
    if len(bill_to_ids) > PREVIEW_MAX_INVOICES:
        raise _too_large()
    if not bill_to_ids:
        return []
    return await runs_repository.read_due_periods(
        session,
        target_date=request.target_date,
        bill_to_account_ids=bill_to_ids,
        order_id=request.order_id,
    )


def _check_minor_units(proposed: ProposedOrder) -> None:
    """Refuse (422 `too_many_decimals`) an amount with more decimals than the order's currency
    has: an order's amounts are money, unlike its unit prices."""
    for position, product in enumerate(proposed.order_products):
        for name in ("monthly_amount", "amount"):
            value = getattr(product, name)
            if value is not None:
                check_minor_units(
                    value,
                    proposed.currency,
                    field=f"proposed_order.order_products.{position}.{name}",
                )


def _proposed_charges(
    proposed: ProposedOrder, target_date: date, unnamed: set[uuid.UUID]
) -> list[DueCharge]:
    """The proposed order's periods due by `target_date`, as `OrderActivated` would have them
    scheduled. Ids the request did not give are made up here, and remembered in `unnamed` so
    that the preview shows none of them."""
    order_id = proposed.id or _made_up(unnamed)
    subscription_ids = {
        position: product.subscription_id or _made_up(unnamed)
        for position, product in enumerate(proposed.order_products)
        if product.subscription_start_date is not None
    }
    snapshot = contracts.OrderSnapshot(
        id=str(order_id),
        number="",
        account_id=str(proposed.account_id),
        billing_account_id=_str_or_none(proposed.billing_account_id),
        currency=proposed.currency,
        payment_term=proposed.payment_term,
        po_number=proposed.po_number,
        legal_entity=proposed.legal_entity,
        billing_day_of_month=proposed.billing_day_of_month,
        order_products=[
            contracts.OrderProductSnapshot(
                **product.model_dump(
                    mode="json",
                    exclude={
                        "id",
                        "product_id",
                        "billing_account_id",
                        "subscription_id",
                        "subscription_start_date",
                    },
                ),
                id=str(product.id or _made_up(unnamed)),
                product_id=str(product.product_id),
                billing_account_id=_str_or_none(product.billing_account_id),
                subscription_id=_str_or_none(
                    subscription_ids.get(position, product.subscription_id)
                ),
            )
            for position, product in enumerate(proposed.order_products)
        ],
    )
    # The subscriptions the amendment changes, as order-svc's contract snapshot has them: only
    # their start dates matter here, the grid their changes are cut on.
    subscriptions = [
        contracts.SubscriptionSnapshot(
            id=str(subscription_ids[position]),
            product_id=str(product.product_id),
            quantity=product.quantity,
            net_unit_price=product.net_unit_price,
            start_date=product.subscription_start_date,
            end_date=product.end_date,
        )
        for position, product in enumerate(proposed.order_products)
        if product.subscription_start_date is not None
    ]
    contract = contracts.ContractSnapshot(
        id="",
        number=proposed.contract_number or "",
        account_id=snapshot.account_id,
        start_date=min(
            [product.start_date for product in snapshot.order_products]
            + [subscription.start_date for subscription in subscriptions]
        ),
        subscriptions=subscriptions,
    )
    charges: list[DueCharge] = []
    for product in snapshot.order_products:
        bill_to = invoice_key(_billable(snapshot, product, proposed.contract_number))
        for period in periods_of(snapshot, product, contract):
            if period.billable_date > target_date:
                continue
            charges.append(
                DueCharge(
                    billing_period_id=_made_up(unnamed),
                    billing_schedule_id=_made_up(unnamed),
                    period_start=period.period_start,
                    period_end=period.period_end,
                    amount=period.amount,
                    order_id=order_id,
                    order_product_id=uuid.UUID(product.id),
                    product_id=uuid.UUID(product.product_id),
                    description=product.product_name,
                    quantity=product.quantity,
                    account_id=proposed.account_id,
                    bill_to_account_id=uuid.UUID(bill_to.bill_to_account_id),
                    currency=snapshot.currency,
                    payment_term=snapshot.payment_term,
                    tax_code=product.tax_code,
                    order_billing_account_id=proposed.billing_account_id,
                    product_billing_account_id=_uuid_or_none(product.billing_account_id),
                    invoice_grouping=product.invoice_grouping,
                    contract_number=proposed.contract_number,
                    po_number=snapshot.po_number,
                    legal_entity=snapshot.legal_entity,
                    invoice_group_id=product.invoice_group_id,
                )
            )
    return charges


def _billable(
    order: contracts.OrderSnapshot,
    product: contracts.OrderProductSnapshot,
    contract_number: str | None,
) -> BillableCharge:
    return BillableCharge(
        order_id=order.id,
        order_product_id=product.id,
        account_id=order.account_id,
        currency=order.currency,
        payment_term=order.payment_term,
        order_billing_account_id=order.billing_account_id,
        product_billing_account_id=product.billing_account_id,
        invoice_grouping=product.invoice_grouping,
        contract_number=contract_number,
        po_number=order.po_number,
        legal_entity=order.legal_entity,
        invoice_group_id=product.invoice_group_id,
    )


def _preview(draft: InvoiceDraft, unnamed: set[uuid.UUID]) -> InvoicePreview:
    return InvoicePreview(
        account_id=uuid.UUID(draft.key.bill_to_account_id),
        legal_entity=draft.legal_entity,
        currency=draft.key.currency,
        payment_term=draft.key.payment_term,
        invoice_date=draft.invoice_date,
        due_date=draft.due_date,
        lines=[
            InvoiceLinePreview(
                order_id=_shown(line.period.order_id, unnamed),
                order_product_id=_shown(line.period.order_product_id, unnamed),
                product_id=line.period.product_id,
                description=line.period.description,
                period_start=line.period.period_start,
                period_end=line.period.period_end,
                quantity=line.period.quantity,
                amount=line.period.amount,
                tax_rate_percent=line.tax_rate_percent,
                tax_amount=line.tax_amount,
            )
            for line in draft.lines
        ],
        subtotal=draft.subtotal,
        tax_total=draft.tax_total,
        total=draft.total,
        grouping=draft.key.explain(),
    )


def _credit_note(draft: InvoiceDraft, unnamed: set[uuid.UUID]) -> CreditNotePreview:
    """A draft below zero as the credit note a run issues instead (credit_notes.issuing's
    `run_credit_note_rows`): its lines' signs turned."""
    credits = run_credits(draft)
    totals = credit_totals(credits, draft.key.currency)
    return CreditNotePreview(
        account_id=uuid.UUID(draft.key.bill_to_account_id),
        legal_entity=draft.legal_entity,
        currency=draft.key.currency,
        reason=RUN_CREDIT_REASON,
        issue_date=draft.invoice_date,
        lines=[
            CreditNoteLinePreview(
                order_id=_shown(credit.order_id, unnamed),
                order_product_id=_shown(credit.order_product_id, unnamed),
                product_id=credit.product_id,
                description=credit.description,
                period_start=credit.period_start,
                period_end=credit.period_end,
                quantity=credit.quantity,
                amount=credit.amount,
                tax_rate_percent=credit.tax_rate_percent,
                tax_amount=credit.tax_amount,
            )
            for credit in credits
        ],
        subtotal=totals.subtotal,
        tax_total=totals.tax_total,
        total=totals.total,
        grouping=draft.key.explain(),
    )


def _shown(made_or_given: uuid.UUID, unnamed: set[uuid.UUID]) -> uuid.UUID | None:
    """An id as a preview shows it: none when the preview made it up."""
    return None if made_or_given in unnamed else made_or_given


def _too_large() -> PreviewTooLarge:
    return PreviewTooLarge(
        f"The preview would make more than {PREVIEW_MAX_INVOICES:,} invoices: name an "
        "`account_id` or an `order_id`."
    )


def _made_up(unnamed: set[uuid.UUID]) -> uuid.UUID:
    made_up = uuid.uuid4()
    unnamed.add(made_up)
    return made_up


def _str_or_none(value: uuid.UUID | None) -> str | None:
    return None if value is None else str(value)


def _uuid_or_none(value: str | None) -> uuid.UUID | None:
    return None if value is None else uuid.UUID(value)
