"""Bad input to order-svc (issue 12): each case is a 422 problem+json naming what is wrong, and
changes nothing, neither a row nor a number of the order series.

Through HTTP for the API; through the broker for `QuoteAccepted`, whose out-of-bounds events
are dead-lettered without writing an order.
"""

import copy
import uuid
from collections.abc import Callable
from typing import Any

from factories import direct_order, quote_accepted
from sqlalchemy import func, select

from order_svc.models import Order, OrderProduct
from q2c_shared.events.envelope import CloudEvent
from q2c_shared.testing.kafka import publish, read_all
from q2c_shared.testing.waiting import eventually

Body = dict[str, Any]
THIRTY_DIGITS = "1" + "0" * 29


def _order(**fields: Any) -> Callable[[Body], Body]:
    return lambda body: body | fields


def _product(**fields: Any) -> Callable[[Body], Body]:
    def change(body: Body) -> Body:
        first, *rest = body["order_products"]
        return body | {"order_products": [first | fields, *rest]}

    return change


def _products(count: int) -> Callable[[Body], Body]:
    return lambda body: body | {"order_products": [body["order_products"][0]] * count}


PRODUCT = ["body", "order_products", 0]
# (case, change of a valid direct order, expected code, the `loc` its first error starts with)
ORDER_CASES: list[tuple[str, Callable[[Body], Body], str, list[Any]]] = [
    ("1,001 order products", _products(1001), "validation_failed", ["body", "order_products"]),
    ("no order products", _products(0), "validation_failed", ["body", "order_products"]),
    ("30-digit quantity", _product(quantity=THIRTY_DIGITS), "validation_failed", PRODUCT),
    ("exponent quantity", _product(quantity="1e30"), "validation_failed", PRODUCT),
    ("huge exponent price", _product(net_unit_price="1e999999"), "validation_failed", PRODUCT),
    ("19-digit price", _product(net_unit_price="1" * 19), "validation_failed", PRODUCT),
    ("NaN price", _product(net_unit_price="NaN"), "validation_failed", PRODUCT),
    ("negative price", _product(net_unit_price="-1.00"), "validation_failed", PRODUCT),
    ("float price", _product(net_unit_price=19.99), "validation_failed", PRODUCT),
    ("float quantity", _product(quantity=3.5), "validation_failed", PRODUCT),
    ("boolean quantity", _product(quantity=True), "validation_failed", PRODUCT),
    ("zero quantity", _product(quantity="0"), "validation_failed", PRODUCT),
    ("7-decimal quantity", _product(quantity="1.1234567"), "validation_failed", PRODUCT),
    ("4-decimal price", _product(net_unit_price="1.0001"), "validation_failed", PRODUCT),
    (
        "3-decimal USD price",
        _product(net_unit_price="19.999"),
        "too_many_decimals",
        ["body", "order_products", "0", "net_unit_price"],
    ),
    (
        "1-decimal JPY price",
        lambda body: _product(net_unit_price="100.5")(body | {"currency": "JPY"}),
        "too_many_decimals",
        ["body", "order_products", "0", "net_unit_price"],
    ),
    (
        "amount past 18 digits",
        _product(quantity="999999999999999999", net_unit_price="999999999999999999"),
        "amount_out_of_range",
        ["body", "order_products", "0", "quantity"],
    ),
    ("integer product start", _product(start_date=20260301), "validation_failed", PRODUCT),
    ("product start 9999-12-31", _product(start_date="9999-12-31"), "validation_failed", PRODUCT),
    (
        "product start after the end",
        _product(start_date="2027-03-01"),
        "start_outside_term",
        ["body", "order_products", "0", "start_date"],
    ),
    (
        "product start before the start",
        _product(start_date="1900-01-01"),
        "start_outside_term",
        ["body", "order_products", "0", "start_date"],
    ),
    ("NUL in sku", _product(sku="se\x00at"), "validation_failed", PRODUCT),
    ("NUL in product_name", _product(product_name="\x00"), "validation_failed", PRODUCT),
    ("NUL in tax_code", _product(tax_code="SAAS\x00"), "validation_failed", PRODUCT),
    ("NUL in invoice_group_id", _product(invoice_group_id="g\x001"), "validation_failed", PRODUCT),
    ("101-character sku", _product(sku="s" * 101), "validation_failed", PRODUCT),
    ("NUL in product_id", _product(product_id="\x00"), "validation_failed", PRODUCT),
    ("unknown charge type", _product(charge_type="free"), "validation_failed", PRODUCT),
    ("integer start", _order(start_date=20260301), "validation_failed", ["body", "start_date"]),
    ("timestamp start", _order(start_date=1700000000), "validation_failed", ["body", "start_date"]),
    ("start 0001-01-01", _order(start_date="0001-01-01"), "validation_failed", ["body"]),
    ("start 1899-12-31", _order(start_date="1899-12-31"), "validation_failed", ["body"]),
    ("start 2200-01-01", _order(start_date="2200-01-01"), "validation_failed", ["body"]),
    ("start 9999-12-31", _order(start_date="9999-12-31"), "validation_failed", ["body"]),
    ("start not a date", _order(start_date="2026-02-30"), "validation_failed", ["body"]),
    (
        "end past 2199-12-31",
        _order(start_date="2199-06-01", term_months=12),
        "date_out_of_range",
        ["body", "end_date"],
    ),
    ("boolean term", _order(term_months=True), "validation_failed", ["body", "term_months"]),
    ("text term", _order(term_months="12"), "validation_failed", ["body", "term_months"]),
    ("float term", _order(term_months=12.0), "validation_failed", ["body", "term_months"]),
    ("term 0", _order(term_months=0), "validation_failed", ["body", "term_months"]),
    ("term 121", _order(term_months=121), "validation_failed", ["body", "term_months"]),
    ("30-digit term", _order(term_months=10**30), "validation_failed", ["body", "term_months"]),
    ("billing day 32", _order(billing_day_of_month=32), "validation_failed", ["body"]),
    ("billing day true", _order(billing_day_of_month=True), "validation_failed", ["body"]),
    ("NUL in po_number", _order(po_number="PO\x00-7"), "validation_failed", ["body"]),
    ("NUL in legal_entity", _order(legal_entity="q2c\x00"), "validation_failed", ["body"]),
    ("101-character po_number", _order(po_number="P" * 101), "validation_failed", ["body"]),
    ("NUL in currency", _order(currency="US\x00"), "validation_failed", ["body", "currency"]),
    ("unknown currency", _order(currency="XXX"), "validation_failed", ["body", "currency"]),
    ("NUL in account_id", _order(account_id="\x00"), "validation_failed", ["body", "account_id"]),
    ("NUL in payment_term", _order(payment_term="net_\x00"), "validation_failed", ["body"]),
]


async def _counts(service) -> tuple[int, int]:
    async with service.database.transaction() as session:
        orders = await session.scalar(select(func.count()).select_from(Order))
        products = await session.scalar(select(func.count()).select_from(OrderProduct))
    return orders, products


def _number(order: Body) -> int:
    return int(order["number"].removeprefix("O-"))


def _unexpected(case: str, response, code: str, loc: list[Any] | None) -> str | None:
    """What is wrong with the answer to a bad input, or None when it is the expected 422."""
    if response.status_code != 422:
        return f"{case}: {response.status_code} {response.text[:200]}"
    if response.headers["content-type"] != "application/problem+json":
        return f"{case}: {response.headers['content-type']}"
    problem = response.json()
    if problem.get("code") != code:
        return f"{case}: code {problem.get('code')}, expected {code}: {problem.get('detail')}"
    if loc is not None:
        errors = problem.get("errors") or []
        if not errors or errors[0]["loc"][: len(loc)] != loc:
            return f"{case}: errors {errors[:1]}, expected a loc starting {loc}"
    return None


async def test_bad_direct_orders_are_refused_and_change_nothing(service):
    first = await service.client.post("/v1/orders", json=direct_order())
    assert first.status_code == 201, first.text
    before = await _counts(service)

    wrong = []
    for case, change, code, loc in ORDER_CASES:
        response = await service.client.post("/v1/orders", json=change(direct_order()))
        wrong.append(_unexpected(case, response, code, loc))

    assert [w for w in wrong if w] == []
    assert await _counts(service) == before
    after = await service.client.post("/v1/orders", json=direct_order())
    # Not even a number of the order series was drawn by the refused requests.
    assert _number(after.json()) == _number(first.json()) + 1


async def test_the_bounds_themselves_are_accepted(service):
    body = direct_order(start_date="2189-12-31", term_months=120, currency="KWD")
    body["order_products"][0] |= {
        "quantity": "999999999999.123456",
        "net_unit_price": "1.001",
        "sku": "s" * 100,
        "start_date": "2199-12-30",
    }
    body["order_products"][1] |= {"quantity": 2, "net_unit_price": 250}
    created = await service.client.post("/v1/orders", json=body)

    assert created.status_code == 201, created.text
    seat, setup = created.json()["order_products"]
    assert (seat["end_date"], seat["monthly_amount"]) == ("2199-12-30", "1000999999999.123")
    assert setup["amount"] == "500.000"


# (case, query, expected code) for the list filters, cursors and path ids
QUERY_CASES = [
    ("NUL in account_id filter", "/v1/orders", {"account_id": "\x00"}, "validation_failed"),
    ("NUL in quote_id filter", "/v1/orders", {"quote_id": "q\x00"}, "validation_failed"),
    ("NUL in contract_id filter", "/v1/orders", {"contract_id": "\x00"}, "validation_failed"),
    ("NUL in orders cursor", "/v1/orders", {"cursor": "\x00"}, "validation_failed"),
    ("limit 0", "/v1/orders", {"limit": "0"}, "validation_failed"),
    ("limit 501", "/v1/orders", {"limit": "501"}, "validation_failed"),
    ("exponent limit", "/v1/orders", {"limit": "1e3"}, "validation_failed"),
    ("NUL in contracts filter", "/v1/contracts", {"account_id": "a\x00"}, "validation_failed"),
    ("NUL in contracts cursor", "/v1/contracts", {"cursor": "ab\x00"}, "validation_failed"),
    ("NUL in order id", "/v1/orders/%00", {}, "validation_failed"),
    ("NUL in contract id", "/v1/contracts/%00", {}, "validation_failed"),
]


async def test_bad_filters_and_ids_are_refused(service):
    wrong = []
    for case, path, params, code in QUERY_CASES:
        response = await service.client.get(path, params=params)
        wrong.append(_unexpected(case, response, code, None))
    activate = await service.client.post("/v1/orders/%00/activate")
    wrong.append(_unexpected("NUL in activated id", activate, "validation_failed", None))

    assert [w for w in wrong if w] == []


def _line(data: Body, **fields: Any) -> Body:
    data["quote"]["lines"][0] |= fields
    return data


def _quote(data: Body, **fields: Any) -> Body:
    data["quote"] |= fields
    return data


# (case, change of a valid QuoteAccepted's data) for events that must be dead-lettered
EVENT_CASES: list[tuple[str, Callable[[Body], Body]]] = [
    ("1,001 lines", lambda d: _quote(d, lines=d["quote"]["lines"] * 1001)),
    ("30-digit amount", lambda d: _line(d, monthly_amount=THIRTY_DIGITS)),
    ("exponent quantity", lambda d: _line(d, quantity="1e30")),
    ("3-decimal USD price", lambda d: _line(d, net_unit_price="31.005")),
    ("start 9999-12-31", lambda d: _quote(d, start_date="9999-12-31", end_date="9999-12-31")),
    ("integer start", lambda d: _quote(d, start_date=20260115)),
    ("end before start", lambda d: _quote(d, end_date="2026-01-14")),
    ("NUL in po_number", lambda d: _quote(d, po_number="PO\x00")),
    ("NUL in sku", lambda d: _line(d, sku="se\x00at")),
    ("101-character invoice_group_id", lambda d: _line(d, invoice_group_id="g" * 101)),
    ("product id not an id", lambda d: _line(d, product_id="seat")),
    ("unknown charge type", lambda d: _line(d, charge_type="free")),
    ("boolean billing day", lambda d: _quote(d, billing_day_of_month=True)),
]


async def test_out_of_bounds_quote_accepted_is_dead_lettered_without_an_order(service, settings):
    account_id = str(uuid.uuid4())
    topic = settings.topic("q2c.quotes")
    bad = []
    for case, change in EVENT_CASES:
        valid = quote_accepted(account_id=account_id)
        event = CloudEvent.new(
            source=valid.source,
            type=valid.type,
            subject=valid.subject,
            data=change(copy.deepcopy(valid.data)),
        )
        bad.append((case, event))
        await publish(settings.kafka_bootstrap_servers, topic, event, key=account_id)
    marker = quote_accepted(account_id=account_id)
    await publish(settings.kafka_bootstrap_servers, topic, marker, key=account_id)

    # One key, one partition: once the marker is an order, every bad event was handled.
    await eventually(lambda: _items(service, f"/v1/orders?quote_id={marker.subject}"), timeout=60)
    dead = await read_all(settings.kafka_bootstrap_servers, topic + ".dlq", expect=len(bad))

    assert sorted(m["value"]["id"] for m in dead) == sorted(event.id for _, event in bad)
    assert await _counts(service) == (1, 1)
    for case, event in bad:
        assert await _items(service, f"/v1/orders?quote_id={event.subject}") == [], case


async def _items(service, path: str) -> list[Body]:
    return (await service.client.get(path)).json()["items"]
