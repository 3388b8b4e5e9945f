"""Hostile and out-of-bounds input to every invoice-svc route that takes any (issue 12): each is
a 422 problem saying what is wrong, and changes nothing."""

import uuid
from typing import Any

from factories import (
    activate_orders,
    invoices_of,
    order_activated,
    order_product,
    run_invoices,
    schedules_of,
)
from sqlalchemy import func, select

from invoice_svc.models import CreditNote, Invoice, InvoiceRun, TaxRate
from q2c_shared.outbox import OutboxEvent
from q2c_shared.testing.kafka import publish
from q2c_shared.testing.waiting import eventually

NUL = "\x00"
DIGITS_19 = "1" * 19
DIGITS_29 = "1" * 29
OUT_OF_RANGE_DATES = ("0001-01-01", "1899-12-31", "2200-01-01", "9999-12-31")


async def _counts(service) -> tuple[int, ...]:
    async with service.database.transaction() as session:
        return tuple(
            [
                await session.scalar(select(func.count()).select_from(table))
                for table in (InvoiceRun, Invoice, CreditNote, TaxRate, OutboxEvent)
            ]
        )


def _proposed(**product: Any) -> dict[str, Any]:
    return {
        "account_id": str(uuid.uuid4()),
        "currency": "USD",
        "order_products": [order_product() | product],
    }


def _preview(**body: Any) -> tuple[str, str, dict[str, Any]]:
    return ("POST", "/v1/invoices/preview", {"target_date": "2026-02-01"} | body)


def _run(**body: Any) -> tuple[str, str, dict[str, Any]]:
    return ("POST", "/v1/invoice-runs", {"target_date": "2026-02-01"} | body)


def _rate(**body: Any) -> tuple[str, str, dict[str, Any]]:
    return (
        "POST",
        "/v1/tax-rates",
        {"country": "DE", "tax_code": "SAAS", "rate_percent": "19"} | body,
    )


def _cases(invoice: dict[str, Any], rate_id: str) -> list[tuple[str, str, Any, str]]:
    """(method, path, JSON body or query parameters, expected problem code)."""
    invalid = "validation_failed"
    credit = f"/v1/invoices/{invoice['id']}/credit-notes"
    line_id = invoice["lines"][0]["id"]

    def credit_line(amount: Any, **body: Any) -> tuple[str, str, Any, str]:
        lines = [{"invoice_line_id": line_id, "amount": amount}]
        return ("POST", credit, {"reason": "Goodwill", "lines": lines} | body, invalid)

    cases: list[tuple[str, str, Any, str]] = []
    # Invoice runs: business dates, their coherence, booleans, the accounts list.
    cases += [(*_run(target_date=day), invalid) for day in OUT_OF_RANGE_DATES]
    cases += [(*_run(invoice_date=day), invalid) for day in OUT_OF_RANGE_DATES]
    cases += [
        (*_run(target_date=20260201), invalid),
        (*_run(target_date="2026-02-01" + NUL), invalid),
        (*_run(invoice_date=1769904000), invalid),
        (*_run(post=1), invalid),
        (*_run(post="true"), invalid),
        (*_run(account_ids=[NUL]), invalid),
        (*_run(account_ids=[str(uuid.uuid4()) for _ in range(1001)]), invalid),
        (*_run(target_date="2199-12-31"), "date_out_of_range"),  # due in 2200
        (*_run(target_date="2199-10-01", invoice_date="2199-10-03"), "date_out_of_range"),
        (*_run(invoice_date="1900-01-01"), "invoice_date_far_from_target_date"),
        (*_run(invoice_date="2027-02-03"), "invoice_date_far_from_target_date"),
        ("GET", "/v1/invoice-runs", {"status": NUL}, invalid),
        ("GET", "/v1/invoice-runs", {"status": "done"}, invalid),
    ]
    # Credit notes: amounts bounded and in the invoice's minor units, reason, date, lines.
    cases += [
        credit_line(DIGITS_29),
        credit_line(DIGITS_19),
        credit_line("1e3"),
        credit_line("1E+30"),
        credit_line("Infinity"),
        credit_line(1.5),
        credit_line(True),
        credit_line("1.00", reason=NUL),
        credit_line("1.00", reason="x" * 501),
        credit_line("1.00", issue_date=20260301),
        (
            "POST",
            credit,
            {"reason": "Goodwill", "lines": [{"invoice_line_id": NUL, "amount": "1"}]},
            invalid,
        ),
        (
            "POST",
            credit,
            {"reason": "Goodwill", "lines": [{"invoice_line_id": line_id, "amount": "1"}] * 1001},
            invalid,
        ),
        (*credit_line("0.001")[:3], "amount_not_in_minor_units"),
        (*credit_line("1.00", issue_date="1900-01-01")[:3], "issue_date_before_invoice_date"),
        ("GET", "/v1/credit-notes", {"status": NUL}, invalid),
        ("GET", "/v1/credit-notes", {"invoice_id": NUL}, invalid),
    ]
    cases += [credit_line("1.00", issue_date=day) for day in OUT_OF_RANGE_DATES]
    # Tax rates: the percent 0..100 as a bounded decimal string, codes without NUL.
    cases += [
        (*_rate(rate_percent=value), invalid)
        for value in ("1e1", DIGITS_29, 20.5, "100.0000001", "0.1234567", "-0.1", "101", True)
    ]
    cases += [
        (*_rate(country="D" + NUL), invalid),
        (*_rate(country="DEU"), invalid),
        (*_rate(tax_code="SA" + NUL), invalid),
        (*_rate(tax_code="x" * 51), invalid),
        (*_rate(region="N" + NUL), invalid),
        ("PATCH", f"/v1/tax-rates/{rate_id}", {"rate_percent": "1e2"}, invalid),
        ("PATCH", f"/v1/tax-rates/{rate_id}", {"rate_percent": 19.5}, invalid),
        ("GET", "/v1/tax-rates", {"tax_code": NUL}, invalid),
        ("GET", "/v1/tax-rates", {"country": NUL}, invalid),
        ("GET", "/v1/tax-rates", {"country": "DEU"}, invalid),
    ]
    # The preview: dates, the proposed order's numbers, strings and size, computed totals.
    cases += [(*_preview(target_date=day), invalid) for day in OUT_OF_RANGE_DATES]
    cases += [(*_preview(invoice_date=day), invalid) for day in OUT_OF_RANGE_DATES]
    cases += [
        (*_preview(target_date=20260201), invalid),
        (*_preview(target_date="2199-12-31"), "date_out_of_range"),
        (*_preview(invoice_date="1900-01-01"), "invoice_date_far_from_target_date"),
        (*_preview(account_id=NUL), invalid),
        (*_preview(proposed_order=_proposed(quantity="1e3")), invalid),
        (*_preview(proposed_order=_proposed(quantity=DIGITS_19)), invalid),
        (*_preview(proposed_order=_proposed(quantity=2.5)), invalid),
        (*_preview(proposed_order=_proposed(net_unit_price="1.1234567")), invalid),
        (*_preview(proposed_order=_proposed(net_unit_price=DIGITS_29)), invalid),
        (*_preview(proposed_order=_proposed(monthly_amount="1e999999")), invalid),
        (*_preview(proposed_order=_proposed(monthly_amount="31.001")), "too_many_decimals"),
        (
            *_preview(proposed_order=_proposed(monthly_amount="31.5") | {"currency": "JPY"}),
            "too_many_decimals",
        ),
        (*_preview(proposed_order=_proposed(sku=NUL)), invalid),
        (*_preview(proposed_order=_proposed(product_name="Seat" + NUL)), invalid),
        (*_preview(proposed_order=_proposed(tax_code=NUL)), invalid),
        (*_preview(proposed_order=_proposed(invoice_group_id=NUL)), invalid),
        (*_preview(proposed_order=_proposed(start_date="2200-01-01")), invalid),
        (*_preview(proposed_order=_proposed(start_date=20260115)), invalid),
        (*_preview(proposed_order=_proposed(end_date="2025-01-01")), invalid),
        (*_preview(proposed_order=_proposed() | {"po_number": NUL}), invalid),
        (*_preview(proposed_order=_proposed() | {"legal_entity": NUL}), invalid),
        (*_preview(proposed_order=_proposed() | {"billing_day_of_month": 32}), invalid),
        (
            *_preview(proposed_order=_proposed() | {"order_products": [order_product()] * 1001}),
            invalid,
        ),
        (
            # Each amount in bounds, their sum not: 19 digits.
            *_preview(
                proposed_order=_proposed()
                | {
                    "order_products": [
                        order_product(
                            charge_type="one_time",
                            billing_frequency=None,
                            monthly_amount=None,
                            end_date=None,
                            amount="999999999999999999.00",
                        )
                    ]
                    * 2
                }
            ),
            "amount_out_of_range",
        ),
    ]
    # Lists: ids and statuses.
    cases += [
        ("GET", "/v1/invoices", {"status": NUL}, invalid),
        ("GET", "/v1/invoices", {"account_id": NUL}, invalid),
        ("GET", "/v1/invoices", {"order_id": "x" * 5000}, invalid),
        ("GET", "/v1/billing-schedules", {"order_id": NUL}, invalid),
    ]
    return cases


async def test_bad_inputs_are_422_problems_that_change_nothing(service, settings):
    account_id = str(uuid.uuid4())
    event = order_activated(account_id=account_id, products=[order_product(tax_code=None)])
    await activate_orders(service.client, settings, event)
    run = await run_invoices(
        service.client, target_date="2026-02-01", account_ids=[account_id], post=True
    )
    (invoice,) = await invoices_of(service.client, invoice_run_id=run["id"])
    rate = await service.client.post(
        "/v1/tax-rates", json={"country": "DE", "tax_code": "SAAS", "rate_percent": "19"}
    )
    assert rate.status_code == 201, rate.text
    before = await _counts(service)

    wrong = []
    for method, path, payload, code in _cases(invoice, rate.json()["id"]):
        if method == "GET":
            response = await service.client.get(path, params=payload)
        else:
            response = await service.client.request(method, path, json=payload)
        problem = (
            response.json()
            if response.headers.get("content-type", "").endswith("problem+json")
            else {}
        )
        if (response.status_code, problem.get("code")) != (422, code) or not problem.get("detail"):
            wrong.append(
                (method, path, repr(payload)[:200], response.status_code, response.text[:300])
            )
        elif code == "validation_failed" and not problem.get("errors"):
            wrong.append((method, path, repr(payload)[:200], "no errors listed"))

    assert wrong == []
    assert await _counts(service) == before
    unchanged = (await service.client.get(f"/v1/invoices/{invoice['id']}")).json()
    assert (unchanged["credited_total"], unchanged["balance"]) == ("0.00", invoice["balance"])
    rate_after = await service.client.get(f"/v1/tax-rates/{rate.json()['id']}")
    assert rate_after.json()["rate_percent"] == "19"


async def test_an_out_of_bounds_order_event_is_set_aside_and_the_next_one_applied(
    service, settings
):
    account_id = str(uuid.uuid4())
    poison = order_activated(account_id=account_id)
    product = poison.data["order"]["order_products"][0]
    product |= {"start_date": "9999-12-01", "end_date": "9999-12-31", "monthly_amount": DIGITS_29}
    poison.data["contract"] |= {"start_date": "9999-12-01", "end_date": "9999-12-31"}
    sound = order_activated(account_id=account_id)
    for event in (poison, sound):  # one account: one partition, in this order
        await publish(
            settings.kafka_bootstrap_servers, settings.topic("q2c.orders"), event, key=account_id
        )

    async def scheduled() -> bool:
        return len(await schedules_of(service.client, sound.subject)) == 1

    await eventually(scheduled, message="the order after a poison one was not scheduled")
    assert await schedules_of(service.client, poison.subject) == []
