"""Dunning runs over a real SMTP server (aiosmtpd), with receivables from `InvoicePosted` on the
real broker and real PostgreSQL: each level mailed once, failures retried, notices listed."""

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from factories import (
    account_event,
    invoice_posted,
    post_invoice,
    publish_account_events,
    record_payment,
)

from payment_svc.dunning import service as dunning_runs
from payment_svc.models import CustomerAccount
from q2c_devstack.servers import free_port
from q2c_shared.testing.waiting import eventually

pytestmark = pytest.mark.usefixtures("outbox_drained")

DUE = date(2026, 1, 31)
PAYMENT_INSTRUCTIONS = "Bank: First Bank\nIBAN: DE89 3704 0044 0532 0130 00"
NBSP = "\N{NO-BREAK SPACE}"


class Mailbox:
    """A real SMTP server on a local port that keeps every message it accepts; stopped and
    started again on the same port, it plays a mail server that was down for a while."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.messages: list[EmailMessage] = []
        self._controller: Controller | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def start(self) -> None:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def mailbox():
    box = Mailbox(free_port())
    box.start()
    yield box
    box.stop()


@pytest.fixture
def settings(settings, mailbox):
    """The service's settings (conftest), sending to the test's SMTP server."""
    return settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": mailbox.port,
            "smtp_from": "Acme Receivables <ar@acme.example>",
            "smtp_timeout_seconds": 5,
            "dunning_payment_instructions": PAYMENT_INSTRUCTIONS,
        }
    )


async def customer(
    service, settings, *, name: str = "Globex Ltd", email: str | None = "ap@globex.example"
) -> str:
    """A new account as quote-svc announces it, once payment-svc knows it."""
    account_id = str(uuid.uuid4())
    await publish_account_events(
        settings, account_event(account_id=account_id, name=name, email=email)
    )

    async def known() -> bool:
        async with service.database.transaction() as session:
            return await session.get(CustomerAccount, uuid.UUID(account_id)) is not None

    await eventually(known, message=f"account {account_id} not in the read model")
    return account_id


async def invoice(service, settings, account_id: str, **overrides: Any) -> dict[str, Any]:
    overrides.setdefault("due_date", DUE)
    return await post_invoice(service, settings, invoice_posted(account_id=account_id, **overrides))


async def run(service, as_of: date) -> dict[str, Any]:
    response = await service.client.post("/v1/dunning-runs", json={"as_of": as_of.isoformat()})
    assert response.status_code == 200, response.text
    return response.json()


async def notices(service, **filters: Any) -> list[dict[str, Any]]:
    response = await service.client.get("/v1/dunning-notices", params=filters)
    assert response.status_code == 200, response.text
    return response.json()["items"]


def text_of(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def html_of(message: EmailMessage) -> str:
    return message.get_body(("html",)).get_content()


def days_after_due(days: int) -> date:
    return DUE + timedelta(days=days)


async def test_an_invoice_8_days_overdue_gets_one_level_7_reminder(service, settings, mailbox):
    account_id = await customer(service, settings, name="Globex Ltd", email="ap@globex.example")
    receivable = await invoice(service, settings, account_id, number="INV-000042", total="1234.50")

    summary = await run(service, days_after_due(8))

    assert (summary["as_of"], summary["recorded"], summary["sent"]) == ("2026-02-08", 1, 1)
    assert (summary["failed"], summary["skipped"]) == (0, 0)
    [mail] = mailbox.messages
    assert mail["Subject"] == "Reminder: invoice INV-000042 is 8 days overdue"
    assert mail["To"] == "ap@globex.example"
    assert mail["X-Envelope-To"] == "ap@globex.example"
    assert mail["From"] == "Acme Receivables <ar@acme.example>"
    text = text_of(mail)
    assert text.startswith("Dear Globex Ltd,")
    assert "INV-000042" in text
    assert f"Amount due:  USD{NBSP}1,234.50" in text
    assert "Due date:    31 Jan 2026" in text
    assert "Overdue by:  8 days" in text
    assert "Bank: First Bank" in text
    assert "IBAN: DE89 3704 0044 0532 0130 00" in text
    html = html_of(mail)
    for shown in ("INV-000042", f"USD{NBSP}1,234.50", "31 Jan 2026", "IBAN: DE89"):
        assert shown in html
    [notice] = summary["notices"]
    assert (notice["invoice_id"], notice["level"], notice["status"]) == (
        receivable["invoice_id"],
        7,
        "sent",
    )
    assert (notice["days_past_due"], notice["amount_due"], notice["attempts"]) == (8, "1234.50", 1)
    assert notice["email"] == "ap@globex.example"
    assert notice["sent_at"] is not None
    assert mail["Message-ID"] == f"<dunning-{notice['id']}@acme.example>"


async def test_a_second_run_for_the_same_day_sends_nothing(service, settings, mailbox):
    account_id = await customer(service, settings)
    await invoice(service, settings, account_id)
    await run(service, days_after_due(8))

    again = await run(service, days_after_due(8))

    assert (again["recorded"], again["sent"], again["failed"], again["notices"]) == (0, 0, 0, [])
    assert len(mailbox.messages) == 1


async def test_each_level_is_mailed_once_as_the_invoice_gets_later(service, settings, mailbox):
    account_id = await customer(service, settings)
    receivable = await invoice(service, settings, account_id, number="INV-000007")

    for days in (1, 3, 8, 8, 15, 20, 31, 45):
        await run(service, days_after_due(days))

    assert [mail["Subject"] for mail in mailbox.messages] == [
        "Reminder: invoice INV-000007 is 1 day overdue",
        "Reminder: invoice INV-000007 is 8 days overdue",
        "Urgent reminder: invoice INV-000007 is 15 days overdue",
        "Final reminder: invoice INV-000007 is 31 days overdue",
    ]
    listed = await notices(service, invoice_id=receivable["invoice_id"])
    assert [(item["level"], item["as_of"], item["status"]) for item in listed] == [
        (30, "2026-03-03", "sent"),
        (14, "2026-02-15", "sent"),
        (7, "2026-02-08", "sent"),
        (1, "2026-02-01", "sent"),
    ]
    assert all(item["sent_at"] for item in listed)


async def test_a_level_passed_over_between_runs_is_not_sent_later(service, settings, mailbox):
    account_id = await customer(service, settings)
    await invoice(service, settings, account_id, number="INV-000020")

    await run(service, days_after_due(20))
    await run(service, days_after_due(30))

    assert [mail["Subject"] for mail in mailbox.messages] == [
        "Urgent reminder: invoice INV-000020 is 20 days overdue",
        "Final reminder: invoice INV-000020 is 30 days overdue",
    ]


async def test_paid_and_not_yet_overdue_invoices_get_no_reminder(service, settings, mailbox):
    account_id = await customer(service, settings)
    await invoice(service, settings, account_id, number="INV-000001", total="100.00")
    await invoice(service, settings, account_id, number="INV-000002", due_date=days_after_due(8))
    paid = await record_payment(service.client, account_id=account_id, amount="100.00")
    assert paid.status_code == 201, paid.text

    summary = await run(service, days_after_due(8))  # the second one's due date

    assert (summary["recorded"], summary["sent"]) == (0, 0)
    assert mailbox.messages == []


async def test_a_failed_reminder_is_sent_by_the_next_run_once_smtp_is_back(
    service, settings, mailbox
):
    account_id = await customer(service, settings)
    receivable = await invoice(service, settings, account_id, number="INV-000099")
    mailbox.stop()

    down = await run(service, days_after_due(8))

    assert (down["recorded"], down["sent"], down["failed"]) == (1, 0, 1)
    [failed] = await notices(service, invoice_id=receivable["invoice_id"])
    assert (failed["status"], failed["attempts"], failed["sent_at"]) == ("failed", 1, None)
    assert f"127.0.0.1:{mailbox.port} unavailable" in failed["last_error"]

    mailbox.start()
    back = await run(service, days_after_due(8))
    again = await run(service, days_after_due(8))

    assert (back["recorded"], back["sent"], back["failed"]) == (0, 1, 0)
    assert (again["sent"], again["failed"]) == (0, 0)
    [mail] = mailbox.messages
    assert mail["Subject"] == "Reminder: invoice INV-000099 is 8 days overdue"
    [sent] = await notices(service, invoice_id=receivable["invoice_id"])
    assert (sent["id"], sent["status"], sent["attempts"], sent["last_error"]) == (
        failed["id"],
        "sent",
        2,
        None,
    )


async def test_a_server_down_is_tried_once_per_run_not_once_per_reminder(
    service, settings, mailbox
):
    account_id = await customer(service, settings)
    for number in ("INV-000001", "INV-000002", "INV-000003"):
        await invoice(service, settings, account_id, number=number)
    mailbox.stop()

    down = await run(service, days_after_due(8))

    assert (down["recorded"], down["failed"]) == (3, 3)
    assert sorted(notice["attempts"] for notice in down["notices"]) == [0, 0, 1]
    assert sum(notice["last_error"].startswith("not attempted") for notice in down["notices"]) == 2
    mailbox.start()
    assert (await run(service, days_after_due(8)))["sent"] == 3


async def test_an_account_without_an_email_address_is_reminded_once_it_has_one(
    service, settings, mailbox
):
    account_id = await customer(service, settings, email=None)
    receivable = await invoice(service, settings, account_id, number="INV-000005")

    first = await run(service, days_after_due(2))

    assert (first["sent"], first["failed"]) == (0, 1)
    [notice] = first["notices"]
    assert notice["last_error"] == f"no e-mail address for account {account_id}"
    assert notice["email"] is None

    await publish_account_events(
        settings,
        account_event(
            "AccountUpdated",
            account_id=account_id,
            name="Globex Ltd",
            email="ap@globex.example",
            time=datetime.now(UTC) + timedelta(seconds=1),
        ),
    )

    async def has_email() -> bool:
        async with service.database.transaction() as session:
            account = await session.get(CustomerAccount, uuid.UUID(account_id))
            return account is not None and account.email is not None

    await eventually(has_email, message="the account's e-mail address did not arrive")
    second = await run(service, days_after_due(2))

    assert (second["sent"], second["failed"]) == (1, 0)
    [mail] = mailbox.messages
    assert mail["To"] == "ap@globex.example"
    [listed] = await notices(service, invoice_id=receivable["invoice_id"])
    assert (listed["status"], listed["email"], listed["level"]) == (
        "sent",
        "ap@globex.example",
        1,
    )


async def test_a_reminder_left_pending_by_an_interrupted_run_is_sent_once(
    service, settings, mailbox
):
    account_id = await customer(service, settings)
    await invoice(service, settings, account_id, number="INV-000013")
    # An earlier run recorded the reminder, then died before mailing it.
    async with service.database.transaction() as session:
        assert await dunning_runs.record_notices_due(session, days_after_due(8)) == 1

    resumed = await run(service, days_after_due(8))
    again = await run(service, days_after_due(9))

    assert (resumed["recorded"], resumed["sent"]) == (0, 1)
    assert (again["recorded"], again["sent"]) == (0, 0)
    assert [mail["Subject"] for mail in mailbox.messages] == [
        "Reminder: invoice INV-000013 is 8 days overdue"
    ]


async def test_a_reminder_no_longer_due_when_its_turn_comes_is_cancelled(
    service, settings, mailbox
):
    account_id = await customer(service, settings)
    receivable = await invoice(service, settings, account_id, total="100.00")
    async with service.database.transaction() as session:
        await dunning_runs.record_notices_due(session, days_after_due(8))
    paid = await record_payment(service.client, account_id=account_id, amount="100.00")
    assert paid.status_code == 201, paid.text

    summary = await run(service, days_after_due(8))

    assert (summary["sent"], summary["skipped"]) == (0, 1)
    [notice] = await notices(service, invoice_id=receivable["invoice_id"])
    assert notice["status"] == "cancelled"
    assert "was paid" in notice["last_error"]
    assert mailbox.messages == []


async def test_concurrent_runs_mail_each_reminder_once(service, settings, mailbox):
    account_id = await customer(service, settings)
    for number in ("INV-000001", "INV-000002", "INV-000003"):
        await invoice(service, settings, account_id, number=number)

    first, second = await asyncio.gather(
        run(service, days_after_due(8)), run(service, days_after_due(8))
    )

    assert first["recorded"] + second["recorded"] == 3
    assert first["sent"] + second["sent"] == 3
    assert sorted(mail["Subject"] for mail in mailbox.messages) == [
        f"Reminder: invoice INV-00000{n} is 8 days overdue" for n in (1, 2, 3)
    ]


async def test_dunning_notices_filter_by_account_and_level_and_page(service, settings, mailbox):
    account_id, other_account_id = (
        await customer(service, settings),
        await customer(service, settings),
    )
    first = await invoice(service, settings, account_id, number="INV-000001")
    await invoice(service, settings, account_id, number="INV-000002", due_date=DUE + timedelta(7))
    await invoice(service, settings, other_account_id, number="INV-000003")
    await run(service, days_after_due(8))

    page_one = (
        await service.client.get(
            "/v1/dunning-notices", params={"account_id": account_id, "limit": 1}
        )
    ).json()
    page_two = (
        await service.client.get(
            "/v1/dunning-notices",
            params={"account_id": account_id, "limit": 1, "cursor": page_one["next_cursor"]},
        )
    ).json()

    assert [item["account_id"] for item in page_one["items"] + page_two["items"]] == [
        account_id,
        account_id,
    ]
    assert page_two["next_cursor"] is None
    level_7 = await notices(service, account_id=account_id, level=7)
    assert [item["invoice_id"] for item in level_7] == [first["invoice_id"]]
    assert len(await notices(service, status="sent")) == 3
    assert await notices(service, status="failed") == []
    bad_cursor = await service.client.get("/v1/dunning-notices", params={"cursor": "nope"})
    assert bad_cursor.status_code == 422
