"""What invoice runs tell Prometheus: how long each took, and the invoices and credit notes
their committed batches made."""

import uuid

from factories import activate_orders, order_activated, order_product, run_invoices

from q2c_shared.testing.metrics import sample, scrape


async def test_runs_are_timed_and_count_their_invoices_and_credit_notes(service, settings):
    account_id = str(uuid.uuid4())
    seat = order_product(tax_code=None, quantity="2", monthly_amount="62.00")
    original = order_activated(account_id=account_id, products=[seat])
    fewer = order_product(
        tax_code=None, quantity="-1", monthly_amount="-31.00", start_date="2026-03-10"
    )
    amendment = order_activated(
        account_id=account_id,
        order_type="amendment",
        contract_id=original.data["contract"]["id"],
        products=[fewer],
    )
    other = order_activated()
    await activate_orders(service.client, settings, original, amendment, other)

    posting = await run_invoices(service.client, target_date="2026-03-01", post=True)
    drafting = await run_invoices(
        service.client, target_date="2026-03-10", account_ids=[account_id], post=False
    )
    metrics = await scrape(service.client)

    assert (posting["invoices_created"], posting["invoices_posted"]) == (2, 2)
    assert (drafting["invoices_created"], drafting["credit_notes_created"]) == (0, 1)
    assert sample(metrics, "q2c_invoice_run_duration_seconds_count", outcome="completed") == 2
    assert sample(metrics, "q2c_invoice_run_duration_seconds_sum", outcome="completed") > 0
    assert sample(metrics, "q2c_invoice_run_invoices_total", status="posted") == 2
    assert sample(metrics, "q2c_invoice_run_invoices_total", status="draft") == 0
    assert sample(metrics, "q2c_invoice_run_credit_notes_total") == 1
    # The OrderActivated events the schedules came from, applied once each.
    assert (
        sample(metrics, "q2c_consumer_messages_processed_total", event_type="OrderActivated") == 3
    )
