"""One trace id follows a quote from the HTTP request that accepts it to the billing schedules
invoice-svc makes of its order, across three processes and the broker.

The client starts the trace and sends it (`traceparent`) with the two actions of the journey:
accepting the quote and, later, activating its order. Each service continues it: the events
enqueued while serving a request carry it in their envelopes (the outbox row) and in Kafka
headers, and a consumer applies an event in a child span, writing its trace id in the JSON
line it logs. Not in the trace: the invoice run that bills the schedules later is a job of its
own (queued by one request, executed by a worker), so its `InvoicePosted` events start no
trace of the quote's.
"""

import secrets
from typing import Any

from sqlalchemy import select
from test_quote_to_cash import _accepted_quote, _one

from q2c_shared.db import Database
from q2c_shared.outbox import OutboxEvent
from q2c_shared.testing.waiting import eventually


def _traceparent(trace_id: str) -> str:
    """A new span of the client's in trace `trace_id` (sampled)."""
    return f"00-{trace_id}-{secrets.token_hex(8)}-01"


def _trace_id(traceparent: str) -> str:
    return traceparent.split("-")[1]


async def _envelope(suite, service: str, event_type: str, subject: str) -> dict[str, Any]:
    """The envelope of the service's outbox row of `event_type` about `subject`."""
    database = Database(suite.services[service].env["DATABASE_URL"], pool_size=1)
    try:
        async with database.transaction() as session:
            (envelope,) = (
                await session.scalars(
                    select(OutboxEvent.envelope).where(
                        OutboxEvent.event_type == event_type,
                        OutboxEvent.envelope["subject"].astext == subject,
                    )
                )
            ).all()
    finally:
        await database.dispose()
    return envelope


def _applied(suite, service: str, event_id: str) -> dict[str, Any] | None:
    """The line the service's consumer logged when it applied the event."""
    for record in suite.services[service].log_lines():
        if record.get("event_id") == event_id and record["message"].endswith(" applied"):
            return record
    return None


async def test_a_trace_id_follows_a_quote_from_http_to_its_billing_schedules(suite):
    trace_id = secrets.token_hex(16)
    async with (
        suite.client("quote") as quote_svc,
        suite.client("order") as order_svc,
        suite.client("invoice") as invoice_svc,
    ):
        _, quote = await _accepted_quote(
            quote_svc, name="Traced Ltd", accept_headers={"traceparent": _traceparent(trace_id)}
        )
        order = await eventually(lambda: _one(order_svc, f"/v1/orders?quote_id={quote['id']}"))
        activated = await order_svc.post(
            f"/v1/orders/{order['id']}/activate",
            headers={"traceparent": _traceparent(trace_id)},
        )
        assert activated.status_code == 200, activated.text
        await eventually(lambda: _one(invoice_svc, f"/v1/billing-schedules?order_id={order['id']}"))

    quote_accepted = await _envelope(suite, "quote", "QuoteAccepted", quote["id"])
    order_activated = await _envelope(suite, "order", "OrderActivated", order["id"])
    made_order = await eventually(lambda: _applied(suite, "order", quote_accepted["id"]))
    scheduled = await eventually(lambda: _applied(suite, "invoice", order_activated["id"]))

    assert _trace_id(quote_accepted["traceparent"]) == trace_id  # quote-svc, the accept request
    assert made_order["trace_id"] == trace_id  # order-svc made the draft order in it
    assert _trace_id(order_activated["traceparent"]) == trace_id  # order-svc, the activation
    assert scheduled["trace_id"] == trace_id  # invoice-svc made the billing schedules in it
    assert (scheduled["service"], scheduled["event_type"]) == ("invoice-svc", "OrderActivated")
    # In a span of its own, a child of the activation's: not the producer's span.
    assert scheduled["span_id"] != order_activated["traceparent"].split("-")[2]
