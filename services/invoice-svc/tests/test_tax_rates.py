"""Tax rates over HTTP, and invoices taxed by the bill-to address and the product's tax code."""

import uuid

from factories import (
    account_event,
    activate_orders,
    invoices_of,
    order_activated,
    order_product,
    publish_account_events,
    run_invoices,
)

from invoice_svc.models import BillToAccount
from q2c_shared.testing.waiting import eventually


def _tax_code() -> str:
    """A tax code of the test's own: the tests share one database, and their rates stay."""
    return f"SAAS-{uuid.uuid4().hex[:8]}"


async def _create_rate(client, **body):
    response = await client.post("/v1/tax-rates", json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def _bill(service, settings, account_id, *, tax_code, post=True, **order):
    event = order_activated(
        account_id=account_id,
        products=[order_product(tax_code=tax_code), order_product(tax_code=None, sku="support")],
        **order,
    )
    await activate_orders(service.client, settings, event)
    run = await run_invoices(
        service.client, target_date="2026-02-01", account_ids=[account_id], post=post
    )
    (invoice,) = await invoices_of(service.client, invoice_run_id=run["id"])
    return invoice


async def _wait_for_bill_to(service, settings, **account):
    account_id = str(uuid.uuid4())
    await publish_account_events(settings, account_event(account_id=account_id, **account))

    async def recorded():
        async with service.database.transaction() as session:
            return await session.get(BillToAccount, uuid.UUID(account_id))

    await eventually(recorded, message=f"account {account_id} did not reach the read model")
    return account_id


async def test_lines_are_taxed_at_the_bill_to_countrys_rate_rounded_per_line(service, settings):
    tax_code = _tax_code()
    await _create_rate(service.client, country="de", tax_code=tax_code, rate_percent="19")
    account_id = await _wait_for_bill_to(service, settings)  # Berlin, DE

    invoice = await _bill(service, settings, account_id, tax_code=tax_code)

    taxed = [
        (line["amount"], line["tax_rate_percent"], line["tax_amount"]) for line in invoice["lines"]
    ]
    # The seat: 17.00 (Jan 15-31) and 31.00 (February) at 19%; support has no tax code.
    assert sorted(taxed, key=str) == sorted(
        [
            ("17.00", "19", "3.23"),
            ("31.00", "19", "5.89"),
            ("17.00", None, "0.00"),
            ("31.00", None, "0.00"),
        ],
        key=str,
    )
    assert (invoice["subtotal"], invoice["tax_total"], invoice["total"]) == (
        "96.00",
        "9.12",
        "105.12",
    )
    assert (invoice["balance"], invoice["credited_total"]) == ("105.12", "0.00")


async def test_a_regions_rate_beats_the_countrys_and_exempt_accounts_pay_none(service, settings):
    tax_code = _tax_code()
    await _create_rate(service.client, country="US", tax_code=tax_code, rate_percent="5")
    await _create_rate(
        service.client, country="US", region="ny", tax_code=tax_code, rate_percent="8.875"
    )
    new_york = {"line1": "1 Broadway", "city": "New York", "region": "NY", "country": "US"}
    boston = {"line1": "1 Main St", "city": "Boston", "region": "MA", "country": "US"}
    in_new_york = await _wait_for_bill_to(service, settings, billing_address=new_york)
    in_boston = await _wait_for_bill_to(service, settings, billing_address=boston)
    exempt = await _wait_for_bill_to(service, settings, billing_address=new_york, tax_exempt=True)

    ny = await _bill(service, settings, in_new_york, tax_code=tax_code)
    ma = await _bill(service, settings, in_boston, tax_code=tax_code)
    none = await _bill(service, settings, exempt, tax_code=tax_code)

    def seat_taxes(invoice):
        return sorted(
            (line["amount"], line["tax_amount"])
            for line in invoice["lines"]
            if line["tax_rate_percent"] is not None
        )

    assert seat_taxes(ny) == [("17.00", "1.51"), ("31.00", "2.75")]  # 1.50875, 2.75125
    assert seat_taxes(ma) == [("17.00", "0.85"), ("31.00", "1.55")]
    assert seat_taxes(none) == [] and none["tax_total"] == "0.00"


async def test_a_draft_is_taxed_again_when_posted(service, settings):
    tax_code = _tax_code()
    rate = await _create_rate(service.client, country="DE", tax_code=tax_code, rate_percent="19")
    account_id = await _wait_for_bill_to(service, settings)
    draft = await _bill(service, settings, account_id, tax_code=tax_code, post=False)
    assert draft["tax_total"] == "9.12"

    changed = await service.client.patch(f"/v1/tax-rates/{rate['id']}", json={"rate_percent": "20"})
    assert changed.status_code == 200, changed.text
    posted = await service.client.post(f"/v1/invoices/{draft['id']}/post")

    assert posted.status_code == 200, posted.text
    invoice = posted.json()
    assert (invoice["tax_total"], invoice["total"], invoice["balance"]) == (
        "9.60",  # 3.40 + 6.20
        "105.60",
        "105.60",
    )
    assert {line["tax_rate_percent"] for line in invoice["lines"]} == {"20", None}


async def test_tax_rates_are_listed_found_and_refused_when_wrong(service):
    tax_code = _tax_code()
    created = await _create_rate(service.client, country="FR", tax_code=tax_code, rate_percent="20")
    assert (created["country"], created["region"], created["rate_percent"]) == ("FR", None, "20")

    again = await service.client.post(
        "/v1/tax-rates", json={"country": "fr", "tax_code": tax_code, "rate_percent": "5.5"}
    )
    listed = await service.client.get("/v1/tax-rates", params={"tax_code": tax_code})
    found = await service.client.get(f"/v1/tax-rates/{created['id']}")
    missing = await service.client.get(f"/v1/tax-rates/{uuid.uuid4()}")

    assert again.status_code == 409
    assert again.json()["code"] == "tax_rate_exists"
    assert [rate["id"] for rate in listed.json()["items"]] == [created["id"]]
    assert found.json() == created
    assert missing.status_code == 404
    for body in (
        {"country": "FR", "tax_code": tax_code, "rate_percent": 20.0},  # a float
        {"country": "FR", "tax_code": tax_code, "rate_percent": "100.5"},
        {"country": "FR", "tax_code": tax_code, "rate_percent": "-1"},
        {"country": "France", "tax_code": tax_code, "rate_percent": "20"},
        {"country": "FR", "rate_percent": "20"},
    ):
        refused = await service.client.post("/v1/tax-rates", json=body)
        assert refused.status_code == 422, body
        assert refused.headers["content-type"] == "application/problem+json"
    listed_after = await service.client.get("/v1/tax-rates", params={"tax_code": tax_code})
    assert len(listed_after.json()["items"]) == 1


async def test_a_retry_with_the_same_idempotency_key_answers_the_rate_it_created(service):
    # Issue 11: a retried POST /v1/tax-rates answered 409 `tax_rate_exists` to its own retry.
    body = {"country": "FR", "tax_code": _tax_code(), "rate_percent": "20"}
    headers = {"Idempotency-Key": f"tax-rate-{uuid.uuid4()}"}

    first = await service.client.post("/v1/tax-rates", json=body, headers=headers)
    retry = await service.client.post("/v1/tax-rates", json=body, headers=headers)
    other = await service.client.post(
        "/v1/tax-rates", json=body | {"rate_percent": "5.5"}, headers=headers
    )
    listed = await service.client.get("/v1/tax-rates", params={"tax_code": body["tax_code"]})

    assert first.status_code == 201, first.text
    assert (retry.status_code, retry.json()) == (201, first.json())
    assert other.status_code == 409, other.text
    assert [rate["id"] for rate in listed.json()["items"]] == [first.json()["id"]]
