"""Invoices over HTTP: payments reflected, filters and pages, problems for bad requests."""

import uuid

from factories import (
    activate_orders,
    invoices_of,
    order_activated,
    order_product,
    payment_allocated,
    payment_unapplied,
    run_invoices,
)

from q2c_shared.testing.kafka import publish
from q2c_shared.testing.waiting import eventually


async def _posted_invoice(service, settings, **order):
    event = order_activated(**order)
    await activate_orders(service.client, settings, event)
    run = await run_invoices(service.client, target_date="2026-02-01", post=True)
    (invoice,) = await invoices_of(service.client, invoice_run_id=run["id"])
    return invoice


async def test_payment_allocated_marks_the_invoice_partially_paid_then_paid(service, settings):
    invoice = await _posted_invoice(service, settings)  # 17.00 + 31.00
    topic = settings.topic("q2c.payments")

    async def payment_status_is(status):
        current = (await service.client.get(f"/v1/invoices/{invoice['id']}")).json()
        return current if current["payment_status"] == status else None

    first = payment_allocated(invoice=invoice, amount="20.00")
    await publish(settings.kafka_bootstrap_servers, topic, first, key=invoice["account_id"])
    await publish(settings.kafka_bootstrap_servers, topic, first, key=invoice["account_id"])
    partly = await eventually(lambda: payment_status_is("partially_paid"))
    rest = payment_allocated(invoice=partly, amount="28.00")
    await publish(settings.kafka_bootstrap_servers, topic, rest, key=invoice["account_id"])
    paid = await eventually(lambda: payment_status_is("paid"))

    assert (partly["amount_paid"], partly["balance"]) == ("20.00", "28.00")
    assert (paid["amount_paid"], paid["balance"]) == ("48.00", "0.00")  # the redelivery: no-op


async def test_payment_unapplied_lowers_the_amount_paid_again(service, settings):
    invoice = await _posted_invoice(service, settings)  # 17.00 + 31.00
    topic = settings.topic("q2c.payments")
    key = invoice["account_id"]

    async def current(amount_paid=None, status=None):
        now = (await service.client.get(f"/v1/invoices/{invoice['id']}")).json()
        if amount_paid is not None and now["amount_paid"] not in amount_paid:
            return None
        return now if status in (None, now["payment_status"]) else None

    first = payment_allocated(invoice=invoice, amount="20.00")
    await publish(settings.kafka_bootstrap_servers, topic, first, key=key)
    partly = await eventually(lambda: current(status="partially_paid"))
    rest = payment_allocated(invoice=partly, amount="28.00")
    await publish(settings.kafka_bootstrap_servers, topic, rest, key=key)
    paid = await eventually(lambda: current(status="paid"))
    taken_back = payment_unapplied(allocated=first, invoice=paid)
    await publish(settings.kafka_bootstrap_servers, topic, taken_back, key=key)
    await publish(settings.kafka_bootstrap_servers, topic, taken_back, key=key)
    # A marker after the redelivery: 29.00 when the redelivery changed nothing, 9.00 otherwise.
    reopened = await eventually(lambda: current(amount_paid={"28.00"}))
    marker = payment_allocated(invoice=reopened, amount="1.00")
    await publish(settings.kafka_bootstrap_servers, topic, marker, key=key)
    after = await eventually(lambda: current(amount_paid={"29.00", "9.00"}))

    assert (reopened["balance"], reopened["payment_status"]) == ("20.00", "partially_paid")
    assert (after["amount_paid"], after["balance"]) == ("29.00", "19.00")


async def test_the_same_allocation_under_a_new_event_id_changes_nothing(service, settings):
    # Issue 11: a PaymentAllocated resent with a fresh CloudEvent id paid the invoice twice.
    invoice = await _posted_invoice(service, settings)  # 17.00 + 31.00
    topic = settings.topic("q2c.payments")
    key = invoice["account_id"]

    async def current(amount_paid):
        now = (await service.client.get(f"/v1/invoices/{invoice['id']}")).json()
        return now if now["amount_paid"] in amount_paid else None

    def resent(event):
        return event.model_copy(update={"id": str(uuid.uuid4())})

    allocated = payment_allocated(invoice=invoice, amount="10.00")
    await publish(settings.kafka_bootstrap_servers, topic, allocated, key=key)
    await publish(settings.kafka_bootstrap_servers, topic, resent(allocated), key=key)
    # A marker after the resent event: 11.00 when it changed nothing, 21.00 otherwise.
    marker = payment_allocated(invoice=invoice, amount="1.00")
    await publish(settings.kafka_bootstrap_servers, topic, marker, key=key)
    paid = await eventually(lambda: current({"11.00", "21.00"}))
    taken_back = payment_unapplied(allocated=allocated, invoice=paid)
    await publish(settings.kafka_bootstrap_servers, topic, taken_back, key=key)
    await publish(settings.kafka_bootstrap_servers, topic, resent(taken_back), key=key)
    second_marker = payment_allocated(invoice=invoice, amount="2.00")
    await publish(settings.kafka_bootstrap_servers, topic, second_marker, key=key)
    after = await eventually(lambda: current({"3.00", "-7.00"}))

    assert (paid["amount_paid"], paid["balance"]) == ("11.00", "37.00")
    assert (after["amount_paid"], after["balance"]) == ("3.00", "45.00")


async def test_invoices_filter_by_account_order_run_and_status_and_page(service, settings):
    account_id = str(uuid.uuid4())
    orders = [
        order_activated(account_id=account_id, products=[order_product(invoice_grouping="order")])
        for _ in range(3)
    ]
    other = order_activated()
    await activate_orders(service.client, settings, *orders, other)
    run = await run_invoices(service.client, target_date="2026-01-31")

    by_account = await invoices_of(service.client, account_id=account_id)
    by_order = await invoices_of(service.client, order_id=orders[1].subject)
    posted = await invoices_of(service.client, status="posted")
    first = (await service.client.get("/v1/invoices", params={"limit": 2})).json()
    rest = (
        await service.client.get(
            "/v1/invoices", params={"limit": 2, "cursor": first["next_cursor"]}
        )
    ).json()

    assert len(by_account) == 3
    assert [line["order_id"] for line in by_order[0]["lines"]] == [orders[1].subject]
    assert len(await invoices_of(service.client, invoice_run_id=run["id"])) == 4
    assert posted == []
    assert len(first["items"]) == 2 and len(rest["items"]) == 2
    assert rest["next_cursor"] is None
    assert {i["id"] for i in first["items"]}.isdisjoint(i["id"] for i in rest["items"])
    line = by_order[0]["lines"][0]
    assert set(line) >= {
        "order_id",
        "order_product_id",
        "product_id",
        "period_start",
        "period_end",
        "quantity",
        "amount",
        "tax_amount",
    }
    assert (line["quantity"], line["amount"], line["tax_amount"]) == ("1", "17.00", "0.00")


async def test_unknown_ids_are_404_problems(service):
    invoice = await service.client.get(f"/v1/invoices/{uuid.uuid4()}")
    post = await service.client.post(f"/v1/invoices/{uuid.uuid4()}/post")
    run = await service.client.get(f"/v1/invoice-runs/{uuid.uuid4()}")

    assert (invoice.status_code, post.status_code, run.status_code) == (404, 404, 404)
    assert invoice.headers["content-type"] == "application/problem+json"
    assert (invoice.json()["code"], run.json()["code"]) == (
        "invoice_not_found",
        "invoice_run_not_found",
    )


async def test_bad_run_requests_are_422_problems_and_queue_nothing(service):
    bad_bodies = [
        {},
        {"target_date": "2026-02-30"},
        {"target_date": "2026-02-01", "account_ids": []},
        {"target_date": "2026-02-01", "account_ids": ["not-a-uuid"]},
        {"target_date": "2026-02-01", "post": "maybe"},
    ]

    responses = [await service.client.post("/v1/invoice-runs", json=body) for body in bad_bodies]
    bad_filter = await service.client.get("/v1/invoices", params={"status": "paid"})
    runs = await service.client.get("/v1/invoice-runs")

    assert [r.status_code for r in responses] == [422] * len(bad_bodies)
    assert all(r.headers["content-type"] == "application/problem+json" for r in responses)
    assert responses[1].json()["errors"][0]["loc"] == ["body", "target_date"]
    assert bad_filter.status_code == 422
    assert runs.json()["items"] == []


async def test_idempotency_key_starts_one_run(service):
    body = {"target_date": "2026-02-01"}
    headers = {"Idempotency-Key": "run-2026-02"}

    first = await service.client.post("/v1/invoice-runs", json=body, headers=headers)
    again = await service.client.post("/v1/invoice-runs", json=body, headers=headers)
    other = await service.client.post(
        "/v1/invoice-runs", json={"target_date": "2026-03-01"}, headers=headers
    )
    runs = (await service.client.get("/v1/invoice-runs")).json()["items"]

    assert first.status_code == again.status_code == 202
    assert again.json() == first.json()
    assert first.json()["status"] == "queued"
    assert again.headers["Idempotent-Replayed"] == "true"
    assert other.status_code == 409
    assert [run["id"] for run in runs] == [first.json()["id"]]


async def test_requests_without_the_key_get_401(service):
    response = await service.client.get("/v1/invoices", headers={"Authorization": "Bearer no"})

    assert response.status_code == 401
