"""Invoice splitting against seed 004 and CONTRACT.md: which charges share an invoice."""

import json
from collections import Counter
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from invoice_svc.core.grouping import (
    BillableCharge,
    BillToSource,
    InvoiceGrouping,
    InvoiceKey,
    group_charges,
    invoice_key,
)

CONTRACT_NUMBER = InvoiceGrouping.CONTRACT_NUMBER
ORDER = InvoiceGrouping.ORDER
PO_NUMBER = InvoiceGrouping.PO_NUMBER
LEGAL_ENTITY = InvoiceGrouping.LEGAL_ENTITY
SEPARATE = InvoiceGrouping.SEPARATE
INVOICE_GROUP_ID = InvoiceGrouping.INVOICE_GROUP_ID


def charge(**overrides: Any) -> BillableCharge:
    """A charge of order o-1 / order product op-1 for account acme, unless told otherwise."""
    fields: dict[str, Any] = {
        "order_id": "o-1",
        "order_product_id": "op-1",
        "account_id": "acme",
        "currency": "USD",
        "payment_term": "net_30",
    }
    return BillableCharge(**(fields | overrides))


@pytest.mark.parametrize(
    ("first", "second", "same_invoice"),
    [
        # Seed 004: by default one invoice per account, however many orders it has.
        pytest.param(
            charge(order_id="o-1", order_product_id="op-1"),
            charge(order_id="o-2", order_product_id="op-2"),
            True,
            id="two-orders-same-account-combine",
        ),
        pytest.param(
            charge(order_product_id="op-1"),
            charge(order_product_id="op-2"),
            True,
            id="two-products-same-order-combine",
        ),
        pytest.param(
            charge(account_id="acme"),
            charge(account_id="globex"),
            False,
            id="different-accounts-split",
        ),
        pytest.param(
            charge(payment_term="net_30"),
            charge(order_id="o-2", payment_term="net_60"),
            False,
            id="differing-payment-terms-split",
        ),
        pytest.param(
            charge(currency="USD"),
            charge(order_id="o-2", currency="EUR"),
            False,
            id="differing-currencies-split",
        ),
        # Seed 004: a billing account makes someone else the responsible party.
        pytest.param(
            charge(),
            charge(order_product_id="op-2", product_billing_account_id="uncle-joe"),
            False,
            id="product-billing-account-splits-from-its-order",
        ),
        pytest.param(
            charge(account_id="uncle-joe", order_id="o-9"),
            charge(product_billing_account_id="uncle-joe"),
            True,
            id="product-billing-account-joins-that-accounts-invoice",
        ),
        pytest.param(
            charge(order_billing_account_id="parent-co"),
            charge(order_id="o-2", account_id="subsidiary", order_billing_account_id="parent-co"),
            True,
            id="orders-of-two-accounts-with-one-billing-account-combine",
        ),
        pytest.param(
            charge(order_billing_account_id="parent-co", product_billing_account_id="uncle-joe"),
            charge(order_id="o-2", order_billing_account_id="parent-co"),
            False,
            id="product-billing-account-wins-over-order-billing-account",
        ),
        # Seed 004: invoice grouping, after bill-to and payment term.
        pytest.param(
            charge(invoice_grouping=CONTRACT_NUMBER, contract_number="C-000001"),
            charge(order_id="o-2", invoice_grouping=CONTRACT_NUMBER, contract_number="C-000001"),
            True,
            id="contract-number-matching-combines",
        ),
        pytest.param(
            charge(invoice_grouping=CONTRACT_NUMBER, contract_number="C-000001"),
            charge(order_id="o-2", invoice_grouping=CONTRACT_NUMBER, contract_number="C-000002"),
            False,
            id="contract-number-differing-splits",
        ),
        pytest.param(
            charge(invoice_grouping=ORDER, order_product_id="op-1"),
            charge(invoice_grouping=ORDER, order_product_id="op-2"),
            True,
            id="order-same-order-combines",
        ),
        pytest.param(
            charge(invoice_grouping=ORDER, order_id="o-1"),
            charge(invoice_grouping=ORDER, order_id="o-2"),
            False,
            id="order-one-invoice-per-order",
        ),
        pytest.param(
            charge(invoice_grouping=PO_NUMBER, po_number="PO-7"),
            charge(order_id="o-2", invoice_grouping=PO_NUMBER, po_number="PO-7"),
            True,
            id="po-number-matching-combines-orders",
        ),
        pytest.param(
            charge(invoice_grouping=PO_NUMBER, po_number="PO-7"),
            charge(order_id="o-2", invoice_grouping=PO_NUMBER, po_number="PO-8"),
            False,
            id="po-number-differing-splits",
        ),
        pytest.param(
            charge(invoice_grouping=LEGAL_ENTITY, legal_entity="q2c-us"),
            charge(order_id="o-2", invoice_grouping=LEGAL_ENTITY, legal_entity="q2c-us"),
            True,
            id="legal-entity-matching-combines",
        ),
        pytest.param(
            charge(invoice_grouping=LEGAL_ENTITY, legal_entity="q2c-us"),
            charge(order_id="o-2", invoice_grouping=LEGAL_ENTITY, legal_entity="q2c-de"),
            False,
            id="legal-entity-differing-splits",
        ),
        pytest.param(
            charge(invoice_grouping=SEPARATE, order_product_id="op-1"),
            charge(invoice_grouping=SEPARATE, order_product_id="op-2"),
            False,
            id="separate-each-order-product-alone",
        ),
        pytest.param(
            charge(invoice_grouping=SEPARATE, ref="period-1"),
            charge(invoice_grouping=SEPARATE, ref="period-2"),
            True,
            id="separate-keeps-one-order-products-periods-together",
        ),
        pytest.param(
            charge(invoice_grouping=INVOICE_GROUP_ID, invoice_group_id="g-1"),
            charge(order_id="o-2", invoice_grouping=INVOICE_GROUP_ID, invoice_group_id="g-1"),
            True,
            id="invoice-group-id-matching-combines",
        ),
        pytest.param(
            charge(invoice_grouping=INVOICE_GROUP_ID, invoice_group_id="g-1"),
            charge(order_id="o-2", invoice_grouping=INVOICE_GROUP_ID, invoice_group_id="g-2"),
            False,
            id="invoice-group-id-differing-splits",
        ),
        # The rule is part of the key.
        pytest.param(
            charge(),
            charge(order_product_id="op-2", invoice_grouping=ORDER),
            False,
            id="grouped-never-joins-ungrouped",
        ),
        pytest.param(
            charge(invoice_grouping=PO_NUMBER, po_number="X"),
            charge(invoice_grouping=INVOICE_GROUP_ID, invoice_group_id="X"),
            False,
            id="different-rules-equal-values-split",
        ),
        pytest.param(
            charge(invoice_grouping=PO_NUMBER),
            charge(order_id="o-2", invoice_grouping=PO_NUMBER),
            True,
            id="missing-value-is-its-own-group",
        ),
        pytest.param(
            charge(invoice_grouping=PO_NUMBER),
            charge(order_product_id="op-2"),
            False,
            id="missing-value-still-not-ungrouped",
        ),
        pytest.param(
            charge(invoice_grouping=PO_NUMBER, po_number="PO-7"),
            charge(
                order_id="o-2", invoice_grouping=PO_NUMBER, po_number="PO-7", payment_term="net_60"
            ),
            False,
            id="grouping-never-overrides-payment-term",
        ),
        pytest.param(
            charge(invoice_grouping=ORDER, product_billing_account_id="uncle-joe"),
            charge(invoice_grouping=ORDER, order_product_id="op-2"),
            False,
            id="grouping-never-overrides-bill-to",
        ),
        pytest.param(
            charge(invoice_grouping="po_number", po_number="PO-7"),
            charge(invoice_grouping=PO_NUMBER, po_number="PO-7"),
            True,
            id="rule-as-its-string-value",
        ),
        pytest.param(
            charge(po_number="PO-7", legal_entity="q2c-us", contract_number="C-1"),
            charge(order_id="o-2", po_number="PO-8", legal_entity="q2c-us", contract_number="C-2"),
            True,
            id="values-without-a-rule-do-not-split",
        ),
        pytest.param(
            charge(legal_entity="q2c-us"),
            charge(order_id="o-2", legal_entity="q2c-de"),
            False,
            id="selling-legal-entities-always-split",
        ),
    ],
)
def test_which_charges_share_an_invoice(
    first: BillableCharge, second: BillableCharge, same_invoice: bool
) -> None:
    assert (invoice_key(first) == invoice_key(second)) is same_invoice
    assert len(group_charges([first, second])) == (1 if same_invoice else 2)


@pytest.mark.parametrize(
    ("billable", "bill_to_account_id", "bill_to_source"),
    [
        pytest.param(charge(), "acme", BillToSource.ORDER_ACCOUNT, id="order-account"),
        pytest.param(
            charge(order_billing_account_id="parent-co"),
            "parent-co",
            BillToSource.ORDER_BILLING_ACCOUNT,
            id="order-billing-account",
        ),
        pytest.param(
            charge(product_billing_account_id="uncle-joe"),
            "uncle-joe",
            BillToSource.ORDER_PRODUCT_BILLING_ACCOUNT,
            id="product-billing-account",
        ),
        pytest.param(
            charge(order_billing_account_id="parent-co", product_billing_account_id="uncle-joe"),
            "uncle-joe",
            BillToSource.ORDER_PRODUCT_BILLING_ACCOUNT,
            id="product-wins",
        ),
    ],
)
def test_bill_to(
    billable: BillableCharge, bill_to_account_id: str, bill_to_source: BillToSource
) -> None:
    key = invoice_key(billable)
    assert (key.bill_to_account_id, key.bill_to_source) == (bill_to_account_id, bill_to_source)


@pytest.mark.parametrize(
    ("rule", "expected_value"),
    [
        pytest.param(None, None, id="none"),
        pytest.param(CONTRACT_NUMBER, "C-000001", id="contract-number"),
        pytest.param(ORDER, "o-1", id="order-id"),
        pytest.param(PO_NUMBER, "PO-7", id="po-number"),
        pytest.param(LEGAL_ENTITY, "q2c-us", id="legal-entity"),
        pytest.param(SEPARATE, "op-1", id="separate-is-the-order-product"),
        pytest.param(INVOICE_GROUP_ID, "g-1", id="invoice-group-id"),
    ],
)
def test_grouping_value(rule: InvoiceGrouping | None, expected_value: str | None) -> None:
    key = invoice_key(
        charge(
            invoice_grouping=rule,
            contract_number="C-000001",
            po_number="PO-7",
            legal_entity="q2c-us",
            invoice_group_id="g-1",
        )
    )
    assert (key.rule, key.grouping_value) == (rule, expected_value)


def test_every_rule_has_a_grouping_value() -> None:
    for rule in InvoiceGrouping:
        assert invoice_key(charge(invoice_grouping=rule)).rule is rule


def test_an_unknown_rule_is_refused() -> None:
    with pytest.raises(ValueError, match="banana"):
        invoice_key(charge(invoice_grouping="banana"))


def test_groups_keep_input_order() -> None:
    a1 = charge(order_id="o-1", ref=1)
    b1 = charge(order_id="o-2", invoice_grouping=ORDER, ref=2)
    a2 = charge(order_id="o-3", ref=3)
    c1 = charge(account_id="globex", ref=4)
    b2 = charge(order_id="o-2", invoice_grouping=ORDER, ref=5)
    groups = group_charges([a1, b1, a2, c1, b2])
    assert list(groups.values()) == [[a1, a2], [b1, b2], [c1]]
    assert group_charges([]) == {}


def test_how_the_bill_to_was_found_does_not_split() -> None:
    own_order = invoice_key(charge(account_id="uncle-joe"))
    billed_to_him = invoice_key(charge(order_billing_account_id="uncle-joe"))
    assert own_order.bill_to_source is not billed_to_him.bill_to_source
    assert own_order == billed_to_him and hash(own_order) == hash(billed_to_him)


def test_keys_are_hashable_values() -> None:
    first = invoice_key(charge(invoice_grouping=PO_NUMBER, po_number="PO-7"))
    again = invoice_key(charge(order_id="o-2", invoice_grouping=PO_NUMBER, po_number="PO-7"))
    assert first == again and hash(first) == hash(again)
    assert {first: "invoice"}[again] == "invoice"


@pytest.mark.parametrize(
    ("billable", "expected_fields", "grouping_reason"),
    [
        pytest.param(
            charge(),
            {"bill_to_source": "order_account", "invoice_grouping": None, "grouping_value": None},
            "no invoice grouping",
            id="ungrouped",
        ),
        pytest.param(
            charge(
                order_billing_account_id="parent-co", invoice_grouping=PO_NUMBER, po_number="PO-7"
            ),
            {
                "bill_to_account_id": "parent-co",
                "bill_to_source": "order_billing_account",
                "invoice_grouping": "po_number",
                "grouping_value": "PO-7",
            },
            "whose PO number is PO-7",
            id="po-number",
        ),
        pytest.param(
            charge(invoice_grouping=PO_NUMBER),
            {"grouping_value": None},
            "whose PO number is missing",
            id="po-number-missing",
        ),
        pytest.param(
            charge(invoice_grouping=SEPARATE, product_billing_account_id="uncle-joe"),
            {
                "bill_to_source": "order_product_billing_account",
                "invoice_grouping": "separate",
                "grouping_value": "op-1",
            },
            "order product op-1 has an invoice of its own",
            id="separate",
        ),
    ],
)
def test_explain(
    billable: BillableCharge, expected_fields: dict[str, Any], grouping_reason: str
) -> None:
    explanation = invoice_key(billable).explain()
    assert json.loads(json.dumps(explanation)) == explanation
    assert expected_fields.items() <= explanation.items()
    assert explanation["currency"] == "USD" and explanation["payment_term"] == "net_30"
    assert grouping_reason in explanation["reasons"][-1]
    assert explanation["bill_to_account_id"] in explanation["reasons"][0]


# --- properties -------------------------------------------------------------------------------


def maybe(*values: Any) -> st.SearchStrategy[Any]:
    return st.sampled_from([None, *values])


# Small pools, so that charges collide often enough for groups to form.

charges = st.builds(
    BillableCharge,
    order_id=st.sampled_from(["o-1", "o-2", "o-3"]),
    order_product_id=st.sampled_from(["op-1", "op-2", "op-3", "op-4"]),
    account_id=st.sampled_from(["acme", "globex"]),
    currency=st.sampled_from(["USD", "EUR"]),
    payment_term=st.sampled_from(["net_30", "net_60"]),
    order_billing_account_id=maybe("acme", "parent-co"),
    product_billing_account_id=maybe("uncle-joe", "globex"),
    invoice_grouping=maybe(*InvoiceGrouping),
    contract_number=maybe("C-1", "C-2"),
    po_number=maybe("PO-1", "PO-2"),
    legal_entity=maybe("q2c-us", "q2c-de"),
    invoice_group_id=maybe("g-1", "g-2"),
    ref=st.integers(),
)


@given(st.lists(charges, max_size=25))
def test_grouping_is_a_partition(billables: list[BillableCharge]) -> None:
    groups = group_charges(billables)
    grouped = [billable for group in groups.values() for billable in group]
    assert Counter(map(id, grouped)) == Counter(map(id, billables))  # each exactly once
    for key, group in groups.items():
        assert group, "no empty invoices"
        assert all(invoice_key(billable) == key for billable in group)
        assert [b for b in billables if invoice_key(b) == key] == group  # input order kept


@given(st.lists(charges, max_size=25), st.randoms(use_true_random=False))
def test_grouping_does_not_depend_on_input_order(
    billables: list[BillableCharge], random: Any
) -> None:
    shuffled = list(billables)
    random.shuffle(shuffled)

    def as_sets(groups: dict[InvoiceKey, list[BillableCharge]]) -> dict[InvoiceKey, set[int]]:
        return {key: {id(billable) for billable in group} for key, group in groups.items()}

    assert as_sets(group_charges(shuffled)) == as_sets(group_charges(billables))


@given(st.lists(charges, max_size=25))
def test_an_invoice_never_mixes_what_must_split(billables: list[BillableCharge]) -> None:
    for key, group in group_charges(billables).items():
        assert len({(b.currency, b.payment_term) for b in group}) == 1
        if key.rule is InvoiceGrouping.SEPARATE:
            assert len({b.order_product_id for b in group}) == 1
        if key.rule is InvoiceGrouping.ORDER:
            assert len({b.order_id for b in group}) == 1
