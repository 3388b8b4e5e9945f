"""A quote of many lines (issue 12): at most 1,000, written set-based, so that a big quote
costs the same round trips as a small one (no query per line)."""

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from factories import create_account, create_price_book, create_priced_product
from sqlalchemy import event

from q2c_shared.bounds import MAX_LINES
from q2c_shared.testing.service import RunningService

_BACKGROUND = ("outbox_events", "inbox_events", "idempotency_keys", "pg_try_advisory")
"""What the service's background jobs (outbox relay, retention) send at any time."""


@contextmanager
def counted_statements(service: RunningService) -> Iterator[list[str]]:
    """The SQL statements the service's requests send while the block runs (an executemany
    counts once: it is one statement, sent in one pipeline)."""
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        if not any(job in statement for job in _BACKGROUND):
            statements.append(statement)

    engine = service.database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def _catalog(client) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    account = await create_account(client)
    book = await create_price_book(client)
    products = [
        await create_priced_product(client, book["id"], sku=sku, unit_price=price)
        for sku, price in (("seat", "31.00"), ("addon", "5.00"), ("storage", "0.125"))
    ]
    return account, book, [product["id"] for product in products]


def _lines(product_ids: list[str], count: int) -> list[dict[str, Any]]:
    return [
        {"product_id": product_ids[n % len(product_ids)], "quantity": str(n % 7 + 1)}
        for n in range(count)
    ]


async def _create(client, account, book, lines) -> Any:
    return await client.post(
        "/v1/quotes",
        json={
            "account_id": account["id"],
            "price_book_id": book["id"],
            "start_date": "2026-01-15",
            "term_months": 12,
            "lines": lines,
        },
    )


async def test_a_quote_costs_as_many_statements_with_1000_lines_as_with_3(service):
    account, book, product_ids = await _catalog(service.client)

    with counted_statements(service) as small:
        few = await _create(service.client, account, book, _lines(product_ids, 3))
    with counted_statements(service) as big:
        many = await _create(service.client, account, book, _lines(product_ids, MAX_LINES))

    assert few.status_code == 201, few.text
    assert many.status_code == 201, many.text
    assert len(big) == len(small), big
    assert sum("INSERT INTO quote_lines" in statement for statement in big) == 1


async def test_a_1000_line_quote_is_priced_line_by_line_in_order(service):
    account, book, product_ids = await _catalog(service.client)

    response = await _create(service.client, account, book, _lines(product_ids, MAX_LINES))

    assert response.status_code == 201, response.text
    quote = response.json()
    assert len(quote["lines"]) == MAX_LINES
    # Lines keep the order they were sent in: seat, addon, storage, seat, ...
    assert [line["sku"] for line in quote["lines"][:4]] == ["seat", "addon", "storage", "seat"]
    assert quote["lines"][5]["quantity"] == "6"
    assert quote["lines"][2]["net_unit_price"] == "0.13"  # 0.125 x 3 = 0.375 -> 0.38 / 3
    assert quote["lines"][2]["monthly_amount"] == "0.38"
    monthly = sum(Decimal(line["monthly_amount"]) for line in quote["lines"])
    assert Decimal(quote["monthly_recurring_total"]) == monthly
    stored = await service.client.get(f"/v1/quotes/{quote['id']}")
    assert stored.json() == quote


async def test_lines_added_to_a_full_quote_are_refused(service):
    account, book, product_ids = await _catalog(service.client)
    full = await _create(service.client, account, book, _lines(product_ids, MAX_LINES))
    assert full.status_code == 201, full.text
    quote_id = full.json()["id"]

    one_more = await service.client.post(
        f"/v1/quotes/{quote_id}/lines", json={"product_id": product_ids[0], "quantity": "1"}
    )

    assert one_more.status_code == 422, one_more.text
    problem = one_more.json()
    assert problem["code"] == "too_many_lines"
    assert problem["errors"][0]["loc"] == ["body", "lines"]
    after = await service.client.get(f"/v1/quotes/{quote_id}")
    assert len(after.json()["lines"]) == MAX_LINES
    assert after.json() == full.json()


async def test_a_line_removed_from_a_full_quote_makes_room_for_one(service):
    account, book, product_ids = await _catalog(service.client)
    full = await _create(service.client, account, book, _lines(product_ids, MAX_LINES))
    quote = full.json()

    removed = await service.client.delete(
        f"/v1/quotes/{quote['id']}/lines/{quote['lines'][0]['id']}"
    )
    added = await service.client.post(
        f"/v1/quotes/{quote['id']}/lines", json={"product_id": product_ids[1], "quantity": "2"}
    )

    assert removed.status_code == 200, removed.text
    assert added.status_code == 201, added.text
    lines = added.json()["lines"]
    assert len(lines) == MAX_LINES
    # The new line comes after the last one, not in the gap the removed one left.
    assert lines[-1]["sku"] == "addon"
    assert lines[-1]["quantity"] == "2"
