"""Catalog and order vocabulary shared by quote-svc, order-svc and invoice-svc (CONTRACT.md)."""

from enum import StrEnum


class ChargeType(StrEnum):
    ONE_TIME = "one_time"
    RECURRING = "recurring"
    USAGE = "usage"


class InvoiceGrouping(StrEnum):
    """How order products are combined on invoices beyond bill-to, currency and payment term
    (Salesforce Billing's Invoice Grouping, seed 004)."""

    CONTRACT_NUMBER = "contract_number"
    ORDER = "order"
    PO_NUMBER = "po_number"
    LEGAL_ENTITY = "legal_entity"
    SEPARATE = "separate"
    INVOICE_GROUP_ID = "invoice_group_id"
