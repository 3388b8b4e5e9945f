"""The dunning reminder e-mail: a notice and its invoice in, the message to send out.

Pure apart from reading the Jinja2 templates (`templates/dunning_reminder.{txt,html}.j2`): no
database, no clock (the caller passes the `Date`), no network. Figures are written as q2c's
documents write them (`q2c_shared.documents.formatting`), so the templates only place strings.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

import jinja2

from q2c_shared.documents import formatting as fmt

_LOADER = jinja2.PackageLoader("payment_svc.dunning", "templates")
_TEXT = jinja2.Environment(
    loader=_LOADER,
    autoescape=False,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_HTML = jinja2.Environment(
    loader=_LOADER,
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)

# The subject's opening per level: plain at first, firmer as the invoice gets later.
_SUBJECT_OPENING = {1: "Reminder", 7: "Reminder", 14: "Urgent reminder", 30: "Final reminder"}


@dataclass(frozen=True)
class Reminder:
    """What one reminder says, and to whom."""

    notice_id: str
    level: int
    invoice_number: str
    due_date: date
    days_past_due: int
    amount_due: Decimal
    currency: str
    to_address: str
    customer_name: str | None


@dataclass(frozen=True)
class Sender:
    """Who the reminders come from (the settings, resolved once per run)."""

    from_address: str
    company_name: str
    reply_to: str | None
    payment_instructions: tuple[str, ...]
    """How to pay, one line each; empty: the reminder points to the invoice."""


def days(count: int) -> str:
    return "1 day" if count == 1 else f"{count} days"


def subject(reminder: Reminder) -> str:
    """`Reminder: invoice INV-000042 is 7 days overdue`."""
    opening = _SUBJECT_OPENING.get(reminder.level, "Reminder")
    return f"{opening}: invoice {reminder.invoice_number} is {days(reminder.days_past_due)} overdue"


def compose_reminder(reminder: Reminder, sender: Sender, *, sent_at: datetime) -> EmailMessage:
    """The reminder as a multipart/alternative message: plain text, then the same in HTML."""
    context = {
        "subject": subject(reminder),
        "customer_name": reminder.customer_name,
        "level": reminder.level,
        "invoice_number": reminder.invoice_number,
        "amount_due": fmt.money_with_currency(reminder.amount_due, reminder.currency),
        "due_date": fmt.day(reminder.due_date),
        "days_overdue": days(reminder.days_past_due),
        "payment_instructions": list(sender.payment_instructions),
        "reply_to": sender.reply_to,
        "company_name": sender.company_name,
    }
    message = EmailMessage()
    message["Subject"] = context["subject"]
    message["From"] = sender.from_address
    message["To"] = reminder.to_address
    if sender.reply_to:
        message["Reply-To"] = sender.reply_to
    message["Date"] = format_datetime(sent_at)
    # The same id however often the notice is sent: should a crash between the SMTP server's
    # acceptance and our record of it send a reminder twice, mail systems can tell it is one.
    message["Message-ID"] = f"<dunning-{reminder.notice_id}@{_domain(sender.from_address)}>"
    message.set_content(_TEXT.get_template("dunning_reminder.txt.j2").render(context))
    message.add_alternative(
        _HTML.get_template("dunning_reminder.html.j2").render(context), subtype="html"
    )
    return message


def _domain(address: str) -> str:
    _, bare = parseaddr(address)
    domain = bare.rpartition("@")[2]
    return domain or "q2c.invalid"
