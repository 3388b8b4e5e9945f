"""Invoice splitting: which billable charges share an invoice (CONTRACT.md "Splitting", seed 004).

Salesforce Billing's order of operations, which q2c keeps:

1. **Bill-to.** The order product's billing account, else the order's billing account, else the
   order's account. Someone else paying (Uncle Joe on the phone) is a different invoice.
2. **Currency, payment term and selling legal entity.** The order's payment term sets the due
   date, and one invoice has one due date, so differing terms split even for the same bill-to.
   Beyond Salesforce, q2c never puts two selling legal entities on one invoice: each entity
   numbers its own invoices (a gapless series per entity) and is the party that bills, so an
   invoice from two of them would have no lawful number (docs/adr/0004).
3. **Invoice grouping** on the order product. Blank: everything left combines, one invoice per
   account for the run. Otherwise the rule names the value that must match: the contract number,
   the order, the order's PO number, its legal entity, or an explicit invoice group id; `separate`
   puts each order product on its own invoice. The rule itself is part of the key, so charges
   with different rules never share an invoice even when their values happen to be equal, and a
   rule whose value is missing still groups by that missing value (None) rather than falling back
   to no grouping.

Pure: charges in, groups out, in the order the charges came, so an invoice run is reproducible.
"""

import uuid
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol, TypeVar

from q2c_shared.billing.catalog import InvoiceGrouping

__all__ = [
    "BillToSource",
    "BillableCharge",
    "Charge",
    "InvoiceGrouping",
    "InvoiceKey",
    "group_charges",
    "invoice_key",
]


class BillToSource(StrEnum):
    """Where the bill-to account came from, first match wins."""

    ORDER_PRODUCT_BILLING_ACCOUNT = "order_product_billing_account"
    ORDER_BILLING_ACCOUNT = "order_billing_account"
    ORDER_ACCOUNT = "order_account"


class Charge(Protocol):
    """What grouping reads of a charge: a `BillableCharge`, or a run's `drafting.DueCharge`
    (whose ids are UUIDs: the key spells them as strings either way)."""

    @property
    def order_id(self) -> str | uuid.UUID: ...
    @property
    def order_product_id(self) -> str | uuid.UUID: ...
    @property
    def account_id(self) -> str | uuid.UUID: ...
    @property
    def currency(self) -> str: ...
    @property
    def payment_term(self) -> str: ...
    @property
    def order_billing_account_id(self) -> str | uuid.UUID | None: ...
    @property
    def product_billing_account_id(self) -> str | uuid.UUID | None: ...
    @property
    def invoice_grouping(self) -> str | None: ...
    @property
    def contract_number(self) -> str | None: ...
    @property
    def po_number(self) -> str | None: ...
    @property
    def legal_entity(self) -> str | None: ...
    @property
    def invoice_group_id(self) -> str | None: ...


@dataclass(frozen=True, kw_only=True)
class BillableCharge:
    """One billable charge (a billing period of an order product) with the fields that split."""

    order_id: str
    order_product_id: str
    account_id: str
    """The order's account: the bill-to when neither billing account is set."""
    currency: str
    payment_term: str
    """The order's payment term."""
    order_billing_account_id: str | None = None
    product_billing_account_id: str | None = None
    invoice_grouping: InvoiceGrouping | None = None
    """The order product's rule; None combines with everything else of the same bill-to."""
    contract_number: str | None = None
    po_number: str | None = None
    legal_entity: str | None = None
    invoice_group_id: str | None = None
    ref: Hashable = None
    """Opaque to grouping (e.g. the billing period id): whatever the caller needs back."""


@dataclass(frozen=True, kw_only=True)
class InvoiceKey:
    """What an invoice is one of: charges with equal keys share an invoice, others never do."""

    bill_to_account_id: str
    bill_to_source: BillToSource = field(compare=False)
    """How the bill-to was found for the charge that opened the invoice. Provenance, not identity:
    an account's own orders and an order product billed to it by a billing account share one
    invoice, as the contract's "one invoice per bill-to" says."""
    currency: str
    payment_term: str
    legal_entity: str | None
    """The selling legal entity: always part of the key, whatever the grouping rule."""
    rule: InvoiceGrouping | None
    grouping_value: str | None

    def explain(self) -> dict[str, Any]:
        """Why this invoice stands apart from the bill-to's others, as a JSON-able object
        (for run logs and support: "why did I get two invoices?")."""
        return {
            "bill_to_account_id": self.bill_to_account_id,
            "bill_to_source": str(self.bill_to_source),
            "currency": self.currency,
            "payment_term": self.payment_term,
            "legal_entity": self.legal_entity,
            "invoice_grouping": None if self.rule is None else str(self.rule),
            "grouping_value": self.grouping_value,
            "reasons": [
                _BILL_TO_REASONS[self.bill_to_source].format(account=self.bill_to_account_id),
                f"currency {self.currency}: one invoice has one currency",
                f"payment term {self.payment_term}: one invoice has one due date",
                f"legal entity {self.legal_entity or 'none'}: each selling entity numbers its "
                "own invoices",
                _grouping_reason(self.rule, self.grouping_value),
            ],
        }


def invoice_key(charge: Charge) -> InvoiceKey:
    """The invoice `charge` belongs on (see the module docstring for the rules)."""
    bill_to_account_id, bill_to_source = _bill_to(charge)
    rule = _rule(charge)
    return InvoiceKey(
        bill_to_account_id=bill_to_account_id,
        bill_to_source=bill_to_source,
        currency=charge.currency,
        payment_term=charge.payment_term,
        legal_entity=charge.legal_entity,
        rule=rule,
        grouping_value=_grouping_value(charge, rule),
    )


C = TypeVar("C", bound=Charge)


def group_charges(charges: Iterable[C]) -> dict[InvoiceKey, list[C]]:
    """Split charges into invoices: groups in order of their first charge, charges in input order.

    Every charge lands in exactly one group, and every charge of a group has that group's key.
    The key of a group is its first charge's (`invoice_key`); the others are matched to it by
    the fields the key compares, without an `InvoiceKey` made for each (a run groups hundreds
    of thousands of charges)."""
    groups: dict[tuple[Any, ...], list[C]] = {}
    for charge in charges:
        bill_to_account_id, _ = _bill_to(charge)
        rule = _rule(charge)
        compared = (
            bill_to_account_id,
            charge.currency,
            charge.payment_term,
            charge.legal_entity,
            rule,
            _grouping_value(charge, rule),
        )
        group = groups.get(compared)
        if group is None:
            groups[compared] = group = []
        group.append(charge)
    return {invoice_key(group[0]): group for group in groups.values()}


def _bill_to(charge: Charge) -> tuple[str, BillToSource]:
    if charge.product_billing_account_id is not None:
        return str(charge.product_billing_account_id), BillToSource.ORDER_PRODUCT_BILLING_ACCOUNT
    if charge.order_billing_account_id is not None:
        return str(charge.order_billing_account_id), BillToSource.ORDER_BILLING_ACCOUNT
    return str(charge.account_id), BillToSource.ORDER_ACCOUNT


def _rule(charge: Charge) -> InvoiceGrouping | None:
    grouping = charge.invoice_grouping
    return None if grouping is None else InvoiceGrouping(grouping)


def _grouping_value(charge: Charge, rule: InvoiceGrouping | None) -> str | None:
    match rule:
        case None:
            return None
        case InvoiceGrouping.CONTRACT_NUMBER:
            return charge.contract_number
        case InvoiceGrouping.ORDER:
            return str(charge.order_id)
        case InvoiceGrouping.PO_NUMBER:
            return charge.po_number
        case InvoiceGrouping.LEGAL_ENTITY:
            return charge.legal_entity
        case InvoiceGrouping.SEPARATE:
            return str(charge.order_product_id)
        case InvoiceGrouping.INVOICE_GROUP_ID:
            return charge.invoice_group_id
    raise AssertionError(f"unhandled invoice grouping {rule!r}")  # a new rule needs a case


_BILL_TO_REASONS: dict[BillToSource, str] = {
    BillToSource.ORDER_PRODUCT_BILLING_ACCOUNT: (
        "billed to account {account}: the order product's billing account"
    ),
    BillToSource.ORDER_BILLING_ACCOUNT: (
        "billed to account {account}: the order's billing account (the order product has none)"
    ),
    BillToSource.ORDER_ACCOUNT: (
        "billed to account {account}: the order's account (no billing account is set)"
    ),
}

_GROUPED_BY: dict[InvoiceGrouping, str] = {
    InvoiceGrouping.CONTRACT_NUMBER: "contract number",
    InvoiceGrouping.ORDER: "order",
    InvoiceGrouping.PO_NUMBER: "PO number",
    InvoiceGrouping.LEGAL_ENTITY: "legal entity",
    InvoiceGrouping.INVOICE_GROUP_ID: "invoice group id",
}


def _grouping_reason(rule: InvoiceGrouping | None, value: str | None) -> str:
    if rule is None:
        return "no invoice grouping: combined with every ungrouped charge of this bill-to"
    if rule is InvoiceGrouping.SEPARATE:
        return f"invoice grouping separate: order product {value} has an invoice of its own"
    label = _GROUPED_BY[rule]
    shown = "missing" if value is None else value
    return (
        f"invoice grouping {rule}: shared only with order products grouped by {label} "
        f"whose {label} is {shown}"
    )
