"""invoice-svc's errors: one class per problem, each with its HTTP status and stable code,
rendered as RFC 9457 problem details (`q2c_shared.problems`). Each route lists the ones it can
raise in `responses=` (`problem_responses`), so the OpenAPI document shows them."""

import uuid

from invoice_svc.core.crediting import CreditRefused
from invoice_svc.core.invoice_dates import InvoiceDateRefused
from q2c_shared.problems import (
    Conflict,
    NotFound,
    Problem,
    Unprocessable,
)
from q2c_shared.problems import problem_responses as problem_responses


class _NotFoundById(NotFound):
    label = "row"

    def __init__(self, entity_id: uuid.UUID) -> None:
        super().__init__(f"No {self.label} with id {entity_id}.")


class InvoiceNotFound(_NotFoundById):
    """No invoice has this id."""

    code, label = "invoice_not_found", "invoice"


class InvoiceRunNotFound(_NotFoundById):
    """No invoice run has this id."""

    code, label = "invoice_run_not_found", "invoice run"


class CreditNoteNotFound(_NotFoundById):
    """No credit note has this id."""

    code, label = "credit_note_not_found", "credit note"


class TaxRateNotFound(_NotFoundById):
    """No tax rate has this id."""

    code, label = "tax_rate_not_found", "tax rate"


class InvoiceNotDraft(Conflict):
    """The invoice is posted already: only a draft can be posted."""

    code = "invoice_not_draft"


class InvoiceTotalNegative(Conflict):
    """The draft totals below zero: what the customer is owed is a credit note's job."""

    code = "invoice_total_negative"


class InvoiceNotPosted(Conflict):
    """The invoice is a draft: only a posted invoice can be credited."""

    code = "invoice_not_posted"


class InvoiceFullyCredited(Conflict):
    """Earlier credit notes took everything the invoice had left."""

    code = "invoice_fully_credited"


class InvoiceLineNotOnInvoice(Unprocessable):
    """A line to credit is not a line of this invoice."""

    code = "invoice_line_not_on_invoice"


class InvoiceLineRepeated(Unprocessable):
    """A line to credit is named twice."""

    code = "invoice_line_repeated"


class AmountNotInMinorUnits(Unprocessable):
    """An amount has more decimals than the currency has minor units."""

    code = "amount_not_in_minor_units"


class InvoiceLineNotACharge(Unprocessable):
    """A line to credit is itself a credit."""

    code = "invoice_line_not_a_charge"


class CreditExceedsLine(Unprocessable):
    """A credit is more than what is left of its line."""

    code = "credit_exceeds_line"


class CreditNoteNotDraft(Conflict):
    """The credit note is issued already."""

    code = "credit_note_not_draft"


class TaxRateExists(Conflict):
    """A rate for the same country, region and tax code exists: change it with PATCH."""

    code = "tax_rate_exists"


class PreviewTooLarge(Unprocessable):
    """The preview would hold more invoices than one answer may: narrow it by account or order."""

    code = "preview_too_large"


CREDIT_REFUSALS: tuple[type[Problem], ...] = (
    InvoiceFullyCredited,
    InvoiceLineNotOnInvoice,
    InvoiceLineRepeated,
    AmountNotInMinorUnits,
    InvoiceLineNotACharge,
    CreditExceedsLine,
)
"""What crediting (`core.crediting`, pure) may refuse, by the code it refuses with."""


def credit_refused(refused: CreditRefused) -> Problem:
    """The problem of a credit `core.crediting` refused."""
    for error in CREDIT_REFUSALS:
        if error.code == refused.code:
            return error(str(refused))
    raise AssertionError(f"unmapped credit refusal {refused.code!r}")  # a new code needs a class


class InvoiceDateOutOfRange(Unprocessable):
    """A run's invoices could fall due after the last business date (2199-12-31)."""

    code, title = "date_out_of_range", "Date out of range"


class InvoiceDateFarFromTargetDate(Unprocessable):
    """A run's invoice date lies more than a year (366 days) from its target date."""

    code, title = "invoice_date_far_from_target_date", "Invoice date far from the target date"


RUN_DATE_REFUSALS: tuple[type[Problem], ...] = (InvoiceDateOutOfRange, InvoiceDateFarFromTargetDate)
"""What `core.invoice_dates.check_run_dates` (pure) may refuse, by the code it refuses with."""


def run_date_refused(refused: InvoiceDateRefused) -> Problem:
    """The problem of an invoice date `core.invoice_dates` refused, naming the field to fix."""
    for error in RUN_DATE_REFUSALS:
        if error.code == refused.code:
            return error(
                str(refused), errors=[{"loc": ["body", refused.field], "msg": str(refused)}]
            )
    raise AssertionError(f"unmapped date refusal {refused.code!r}")  # a new code needs a class


class CreditNoteBeforeInvoice(Unprocessable):
    """A credit note dated before the invoice it credits."""

    code, title = "issue_date_before_invoice_date", "Credit note dated before its invoice"
