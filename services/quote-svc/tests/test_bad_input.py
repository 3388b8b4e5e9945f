"""Hostile input (issue 12): every case is a 422 problem+json that says what is wrong, and
changes nothing (every table's row count, the account and the quote stay as they were).

Each case is a request on a small world (an account, a price book with a seat and a product
priced at the most a price may be, a draft quote with one line), its placeholders filled in with
that world's ids.
"""

from dataclasses import dataclass, field
from typing import Any

import pytest
from factories import create_account, create_price_book, create_priced_product
from sqlalchemy import text

from q2c_shared.testing.service import RunningService

NUL = "\u0000"
DIGITS_19 = "1" * 19
DIGITS_29 = "1" * 29
MOST = "9" * 18
"""The largest whole number a price or quantity may be."""


@dataclass(frozen=True)
class Case:
    id: str
    method: str
    path: str
    body: Any = None
    loc: tuple[str | int, ...] | None = None
    """Where `errors` must point (in order, within the error's loc)."""
    code: str | None = None
    """The problem's code, for problems the service (not the schema) finds."""
    params: dict[str, str] = field(default_factory=dict)


def _quote(**overrides: Any) -> dict[str, Any]:
    return {
        "account_id": "{account}",
        "price_book_id": "{book}",
        "start_date": "2026-01-15",
        "term_months": 12,
        "lines": [{"product_id": "{seat}", "quantity": "10"}],
    } | overrides


def _line(**overrides: Any) -> dict[str, Any]:
    return {"product_id": "{seat}", "quantity": "10"} | overrides


def _account(**overrides: Any) -> dict[str, Any]:
    return {"name": "Acme", "currency": "USD"} | overrides


def _address(**overrides: Any) -> dict[str, Any]:
    return {"line1": "1 Market St", "city": "San Francisco", "country": "US"} | overrides


def _entry(**overrides: Any) -> dict[str, Any]:
    return {"product_id": "{spare}", "unit_price": "10.00"} | overrides


def _tiered(tiers: list[dict[str, Any]]) -> dict[str, Any]:
    return _entry(pricing_model="tiered", tiers=tiers)


AMENDMENT = {
    "type": "amendment",
    "contract_id": "0191d4e5-7081-7c23-9d4e-5f6a7b8c9da0",
    "start_date": "2026-03-10",
    "lines": [],
}
RENEWAL = {"type": "renewal", "contract_id": "0191d4e5-7081-7c23-9d4e-5f6a7b8c9da0"}

CASES = [
    # Accounts: NUL in every string, lengths, booleans, nulls that cannot be.
    Case("account name NUL", "POST", "/v1/accounts", _account(name=f"Acme{NUL}"), ("name",)),
    Case("account name too long", "POST", "/v1/accounts", _account(name="A" * 201), ("name",)),
    Case("account email NUL", "POST", "/v1/accounts", _account(email=f"a{NUL}@b.c"), ("email",)),
    Case(
        "account legal entity NUL",
        "POST",
        "/v1/accounts",
        _account(legal_entity=NUL),
        ("legal_entity",),
    ),
    *(
        Case(
            f"account address {part} NUL",
            "POST",
            "/v1/accounts",
            _account(billing_address=_address(**{part: f"x{NUL}"})),
            ("billing_address", part),
        )
        for part in ("line1", "line2", "city", "region", "postal_code")
    ),
    Case("account tax_exempt 1", "POST", "/v1/accounts", _account(tax_exempt=1), ("tax_exempt",)),
    Case(
        "account tax_exempt string",
        "POST",
        "/v1/accounts",
        _account(tax_exempt="true"),
        ("tax_exempt",),
    ),
    Case("patch account name null", "PATCH", "/v1/accounts/{account}", {"name": None}, ("name",)),
    Case(
        "patch account payment_term null",
        "PATCH",
        "/v1/accounts/{account}",
        {"payment_term": None},
        ("payment_term",),
    ),
    Case(
        "patch account tax_exempt null",
        "PATCH",
        "/v1/accounts/{account}",
        {"tax_exempt": None},
        ("tax_exempt",),
    ),
    Case(
        "patch account tax_exempt 0",
        "PATCH",
        "/v1/accounts/{account}",
        {"tax_exempt": 0},
        ("tax_exempt",),
    ),
    Case(
        "patch account name NUL",
        "PATCH",
        "/v1/accounts/{account}",
        {"name": f"x{NUL}"},
        ("name",),
    ),
    Case(
        "patch account address NUL",
        "PATCH",
        "/v1/accounts/{account}",
        {"billing_address": _address(city=NUL)},
        ("billing_address", "city"),
    ),
    # Catalog.
    Case(
        "product sku NUL",
        "POST",
        "/v1/products",
        {"sku": f"S{NUL}", "name": "S", "charge_type": "one_time"},
        ("sku",),
    ),
    Case(
        "product name NUL",
        "POST",
        "/v1/products",
        {"sku": "S", "name": f"S{NUL}", "charge_type": "one_time"},
        ("name",),
    ),
    Case(
        "product tax code NUL",
        "POST",
        "/v1/products",
        {"sku": "S", "name": "S", "charge_type": "one_time", "tax_code": NUL},
        ("tax_code",),
    ),
    Case(
        "price book name NUL",
        "POST",
        "/v1/price-books",
        {"name": f"B{NUL}", "currency": "USD"},
        ("name",),
    ),
    Case(
        "entry price 27 digits",
        "POST",
        "/v1/price-books/{book}/entries",
        _entry(unit_price="1" * 27),
        ("unit_price",),
    ),
    Case(
        "entry price 19 digits integer",
        "POST",
        "/v1/price-books/{book}/entries",
        _entry(unit_price=int(DIGITS_19)),
        ("unit_price",),
    ),
    Case(
        "entry price exponent",
        "POST",
        "/v1/price-books/{book}/entries",
        _entry(unit_price="1e30"),
        ("unit_price",),
    ),
    Case(
        "entry price float",
        "POST",
        "/v1/price-books/{book}/entries",
        _entry(unit_price=10.5),
        ("unit_price",),
    ),
    Case(
        "entry price negative",
        "POST",
        "/v1/price-books/{book}/entries",
        _entry(unit_price="-1"),
        ("unit_price",),
    ),
    Case(
        "entry price 7 decimals",
        "POST",
        "/v1/price-books/{book}/entries",
        _entry(unit_price="0.0000001"),
        ("unit_price",),
    ),
    Case(
        "tier up_to exponent",
        "POST",
        "/v1/price-books/{book}/entries",
        _tiered([{"up_to": "1e3", "unit_price": "1"}, {"up_to": None, "unit_price": "1"}]),
        ("tiers", 0, "up_to"),
    ),
    Case(
        "tier up_to 0",
        "POST",
        "/v1/price-books/{book}/entries",
        _tiered([{"up_to": "0", "unit_price": "1"}, {"up_to": None, "unit_price": "1"}]),
        ("tiers", 0, "up_to"),
    ),
    Case(
        "tier price 29 digits",
        "POST",
        "/v1/price-books/{book}/entries",
        _tiered([{"up_to": "10", "unit_price": DIGITS_29}, {"up_to": None, "unit_price": "1"}]),
        ("tiers", 0, "unit_price"),
    ),
    Case(
        "tiers descending",
        "POST",
        "/v1/price-books/{book}/entries",
        _tiered(
            [
                {"up_to": "10", "unit_price": "1"},
                {"up_to": "5", "unit_price": "1"},
                {"up_to": None, "unit_price": "1"},
            ]
        ),
        (),
    ),
    Case(
        "101 tiers",
        "POST",
        "/v1/price-books/{book}/entries",
        _tiered(
            [{"up_to": str(n), "unit_price": "1"} for n in range(1, 101)]
            + [{"up_to": None, "unit_price": "1"}]
        ),
        ("tiers",),
    ),
    # Quotes: dates, terms, strings, numbers.
    *(
        Case(f"quote start {day}", "POST", "/v1/quotes", _quote(start_date=day), ("start_date",))
        for day in ("0001-01-01", "1899-12-31", "2200-01-01", "9999-12-31")
    ),
    Case(
        "quote start as integer",
        "POST",
        "/v1/quotes",
        _quote(start_date=20260115),
        ("start_date",),
    ),
    Case(
        "quote ends past 2199",
        "POST",
        "/v1/quotes",
        _quote(start_date="2199-06-01", term_months=12),
        code="date_out_of_range",
    ),
    Case("quote term 0", "POST", "/v1/quotes", _quote(term_months=0), ("term_months",)),
    Case("quote term 121", "POST", "/v1/quotes", _quote(term_months=121), ("term_months",)),
    Case("quote term float", "POST", "/v1/quotes", _quote(term_months=1.5), ("term_months",)),
    Case(
        "quote billing day 32",
        "POST",
        "/v1/quotes",
        _quote(billing_day_of_month=32),
        ("billing_day_of_month",),
    ),
    Case(
        "quote expires 9999",
        "POST",
        "/v1/quotes",
        _quote(expires_on="9999-12-31"),
        ("expires_on",),
    ),
    Case("quote po NUL", "POST", "/v1/quotes", _quote(po_number=f"PO{NUL}"), ("po_number",)),
    Case(
        "quote legal entity NUL",
        "POST",
        "/v1/quotes",
        _quote(legal_entity=NUL),
        ("legal_entity",),
    ),
    *(
        Case(
            f"quote line quantity {name}",
            "POST",
            "/v1/quotes",
            _quote(lines=[_line(quantity=value)]),
            ("lines", 0, "quantity"),
        )
        for name, value in (
            ("29 digits", DIGITS_29),
            ("19 digits integer", int(DIGITS_19)),
            ("exponent", "1e30"),
            ("huge exponent", "1e999999"),
            ("float", 1.5),
            ("zero", "0"),
            ("7 decimals", "1.0000001"),
        )
    ),
    *(
        Case(
            f"quote line discount percent {name}",
            "POST",
            "/v1/quotes",
            _quote(lines=[_line(discount_percent=value)]),
            ("lines", 0, "discount_percent"),
        )
        for name, value in (("101", "101"), ("negative", "-1"), ("float", 10.5), ("exp", "1e1"))
    ),
    Case(
        "quote line discount amount 19 digits",
        "POST",
        "/v1/quotes",
        _quote(lines=[_line(discount_amount=DIGITS_19)]),
        ("lines", 0, "discount_amount"),
    ),
    Case(
        "quote line discount amount past the cent",
        "POST",
        "/v1/quotes",
        _quote(lines=[_line(discount_amount="0.001")]),
        ("lines", "0", "discount_amount"),
        code="too_many_decimals",
    ),
    Case(
        "quote line group id NUL",
        "POST",
        "/v1/quotes",
        _quote(lines=[_line(invoice_grouping="invoice_group_id", invoice_group_id=NUL)]),
        ("lines", 0, "invoice_group_id"),
    ),
    Case(
        "quote of 1,001 lines",
        "POST",
        "/v1/quotes",
        _quote(lines=[_line() for _ in range(1001)]),
        ("lines",),
    ),
    Case(
        "quote total past 18 digits",
        "POST",
        "/v1/quotes",
        _quote(lines=[{"product_id": "{priciest}", "quantity": MOST}]),
        code="amount_out_of_range",
    ),
    # A draft quote's lines.
    Case(
        "add line huge exponent",
        "POST",
        "/v1/quotes/{quote}/lines",
        _line(quantity="1e999999"),
        ("quantity",),
    ),
    Case(
        "add line discount past the cent",
        "POST",
        "/v1/quotes/{quote}/lines",
        _line(discount_amount="1.005"),
        ("discount_amount",),
        code="too_many_decimals",
    ),
    Case(
        "add line total past 18 digits",
        "POST",
        "/v1/quotes/{quote}/lines",
        {"product_id": "{priciest}", "quantity": "10"},
        code="amount_out_of_range",
    ),
    Case(
        "change line quantity null",
        "PATCH",
        "/v1/quotes/{quote}/lines/{line}",
        {"quantity": None},
        ("quantity",),
    ),
    Case(
        "change line quantity 0",
        "PATCH",
        "/v1/quotes/{quote}/lines/{line}",
        {"quantity": "0"},
        ("quantity",),
    ),
    Case(
        "change line with both discounts",
        "PATCH",
        "/v1/quotes/{quote}/lines/{line}",
        {"discount_percent": "10", "discount_amount": "1.00"},
        ("body",),
    ),
    Case(
        "change line discount past the cent",
        "PATCH",
        "/v1/quotes/{quote}/lines/{line}",
        {"discount_amount": "0.001"},
        ("discount_amount",),
        code="too_many_decimals",
    ),
    Case(
        "change line quantity past 18 digits of total",
        "PATCH",
        "/v1/quotes/{quote}/lines/{line}",
        {"quantity": MOST},
        code="amount_out_of_range",
    ),
    Case(
        "approve reason NUL",
        "POST",
        "/v1/quotes/{quote}/approve",
        {"reason": f"ok{NUL}"},
        ("reason",),
    ),
    # Amendments and renewals: refused before order-svc is asked.
    Case(
        "amendment start 9999",
        "POST",
        "/v1/quotes",
        AMENDMENT | {"start_date": "9999-12-31"},
        ("start_date",),
    ),
    Case(
        "amendment quantity exponent",
        "POST",
        "/v1/quotes",
        AMENDMENT | {"lines": [{"product_id": "{seat}", "quantity": "1e30"}]},
        ("lines", 0, "quantity"),
    ),
    Case(
        "amendment of 1,001 lines",
        "POST",
        "/v1/quotes",
        AMENDMENT | {"lines": [{"product_id": "{seat}", "quantity": "1"}] * 1001},
        ("lines",),
    ),
    Case("amendment po NUL", "POST", "/v1/quotes", AMENDMENT | {"po_number": NUL}, ("po_number",)),
    Case(
        "renewal uplift exponent",
        "POST",
        "/v1/quotes",
        RENEWAL | {"uplift_percent": "1e3"},
        ("uplift_percent",),
    ),
    Case(
        "renewal uplift below -100",
        "POST",
        "/v1/quotes",
        RENEWAL | {"uplift_percent": "-101"},
        ("uplift_percent",),
    ),
    Case(
        "renewal uplift float",
        "POST",
        "/v1/quotes",
        RENEWAL | {"uplift_percent": 5.5},
        ("uplift_percent",),
    ),
    Case(
        "renewal expires 0001",
        "POST",
        "/v1/quotes",
        RENEWAL | {"expires_on": "0001-01-01"},
        ("expires_on",),
    ),
    Case("renewal term 0", "POST", "/v1/quotes", RENEWAL | {"term_months": 0}, ("term_months",)),
    # Filters and pages.
    Case("quotes by account NUL", "GET", "/v1/quotes", params={"account_id": NUL}),
    Case("quotes by status NUL", "GET", "/v1/quotes", params={"status": f"draft{NUL}"}),
    Case("quotes cursor NUL", "GET", "/v1/quotes", params={"cursor": NUL}),
    Case("accounts cursor NUL", "GET", "/v1/accounts", params={"cursor": f"A{NUL}"}),
    Case("products limit 0", "GET", "/v1/products", params={"limit": "0"}),
]


@dataclass
class World:
    ids: dict[str, str]

    def fill(self, value: Any) -> Any:
        if isinstance(value, str):
            return value.format(**self.ids) if "{" in value else value
        if isinstance(value, list):
            return [self.fill(item) for item in value]
        if isinstance(value, dict):
            return {key: self.fill(item) for key, item in value.items()}
        return value


async def _world(client) -> World:
    account = await create_account(client)
    book = await create_price_book(client)
    seat = await create_priced_product(client, book["id"], sku="seat", unit_price="31.00")
    priciest = await create_priced_product(client, book["id"], sku="priciest", unit_price=MOST)
    spare = await client.post(
        "/v1/products", json={"sku": "spare", "name": "Spare", "charge_type": "one_time"}
    )
    quote = await client.post(
        "/v1/quotes",
        json={
            "account_id": account["id"],
            "price_book_id": book["id"],
            "start_date": "2026-01-15",
            "term_months": 12,
            "lines": [{"product_id": seat["id"], "quantity": "10"}],
        },
    )
    assert quote.status_code == 201, quote.text
    return World(
        {
            "account": account["id"],
            "book": book["id"],
            "seat": seat["id"],
            "priciest": priciest["id"],
            "spare": spare.json()["id"],
            "quote": quote.json()["id"],
            "line": quote.json()["lines"][0]["id"],
        }
    )


async def _state(service: RunningService, world: World) -> dict[str, Any]:
    """Every table's row count, and the account and the quote as the API shows them."""
    async with service.database.transaction() as session:
        tables = (
            await session.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
            )
        ).scalars()
        counts = {
            table: (await session.execute(text(f'SELECT count(*) FROM "{table}"'))).scalar_one()
            for table in list(tables)
        }
    account = await service.client.get(f"/v1/accounts/{world.ids['account']}")
    quote = await service.client.get(f"/v1/quotes/{world.ids['quote']}")
    return {"counts": counts, "account": account.json(), "quote": quote.json()}


def _points_at(loc: list[Any], expected: tuple[str | int, ...]) -> bool:
    """Whether `expected` appears in `loc` in order (loc may carry more: "body", a union's
    tag)."""
    parts = iter(str(part) for part in loc)
    return all(str(step) in parts for step in expected)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
async def test_bad_input_is_a_422_that_changes_nothing(service: RunningService, case: Case):
    world = await _world(service.client)
    before = await _state(service, world)

    response = await service.client.request(
        case.method,
        world.fill(case.path),
        json=world.fill(case.body) if case.body is not None else None,
        params=case.params or None,
    )

    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == 422
    assert problem["detail"]
    if case.code is not None:
        assert problem["code"] == case.code, problem
    if case.loc is not None:
        assert problem.get("errors"), problem
        assert any(_points_at(error["loc"], case.loc) for error in problem["errors"]), problem
    assert problem["code"] != "invalid_data", "refused by the database, not at the edge"
    assert await _state(service, world) == before
