"""Amendment and renewal quotes against a real order-svc (its own process, database and broker
consumer): the contract is read over HTTP, the accepted quote becomes an order there."""

import asyncio
import io
import socket
import uuid
from dataclasses import dataclass
from typing import Any

import pypdf
import pytest
from factories import create_account, create_price_book, create_priced_product

from q2c_shared.testing.service import running_service
from q2c_shared.testing.waiting import eventually
from quote_svc.app import create_app

END = "2027-01-14"


@dataclass
class Contracted:
    account: dict[str, Any]
    price_book: dict[str, Any]
    products: dict[str, dict[str, Any]]
    quote: dict[str, Any]
    contract: dict[str, Any]

    def subscription(self, sku: str) -> dict[str, Any]:
        (found,) = (s for s in self.contract["subscriptions"] if s["sku"] == sku)
        return found


async def _first(client, path):
    response = await client.get(path)
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    return items[0] if items else None


async def _ordered_and_activated(quotes, orders, quote_id) -> dict[str, Any]:
    """Submit and accept the quote, wait for order-svc's order, activate it: the contract."""
    submitted = await quotes.post(f"/v1/quotes/{quote_id}/submit")
    assert submitted.json()["status"] == "approved", submitted.text
    accepted = await quotes.post(f"/v1/quotes/{quote_id}/accept")
    assert accepted.status_code == 200, accepted.text
    order = await eventually(
        lambda: _first(orders, f"/v1/orders?quote_id={quote_id}"),
        message=f"order-svc made no order of quote {quote_id}",
    )
    activated = await orders.post(f"/v1/orders/{order['id']}/activate")
    assert activated.status_code == 200, activated.text
    contract = await orders.get(f"/v1/contracts/{activated.json()['contract_id']}")
    return {"order": activated.json(), "contract": contract.json()}


async def _contracted(quotes, orders) -> Contracted:
    """10 seats at 31.00 and 5 add-ons at 5.00 a month from 2026-01-15 for 12 months, billed on
    the 1st, accepted and activated; support at 20.00 is in the price book, not bought."""
    account = await create_account(quotes)
    book = await create_price_book(quotes)
    products = {
        sku: await create_priced_product(quotes, book["id"], sku=sku, unit_price=price)
        for sku, price in (("seat", "31.00"), ("addon", "5.00"), ("support", "20.00"))
    }
    quote = await quotes.post(
        "/v1/quotes",
        json={
            "account_id": account["id"],
            "price_book_id": book["id"],
            "start_date": "2026-01-15",
            "term_months": 12,
            "billing_day_of_month": 1,
            "payment_term": "net_45",
            "lines": [
                {"product_id": products["seat"]["id"], "quantity": "10"},
                {"product_id": products["addon"]["id"], "quantity": "5"},
            ],
        },
    )
    assert quote.status_code == 201, quote.text
    done = await _ordered_and_activated(quotes, orders, quote.json()["id"])
    return Contracted(account, book, products, quote.json(), done["contract"])


def _lines(quote):
    return {line["sku"]: line for line in quote["lines"]}


async def test_an_amendment_adds_a_seat_and_a_product_co_terminated_with_the_contract(
    with_orders, order_service
):
    quotes = with_orders.client
    async with order_service.client() as orders:
        setup = await _contracted(quotes, orders)
        seat = setup.subscription("seat")

        response = await quotes.post(
            "/v1/quotes",
            json={
                "type": "amendment",
                "contract_id": setup.contract["id"],
                "start_date": "2026-03-10",
                "lines": [
                    {"subscription_id": seat["id"], "quantity": "11"},
                    {"product_id": setup.products["support"]["id"], "quantity": "2"},
                    {"subscription_id": setup.subscription("addon")["id"], "quantity": "5"},
                ],
            },
        )

        assert response.status_code == 201, response.text
        quote = response.json()
        assert (quote["type"], quote["status"], quote["contract_id"]) == (
            "amendment",
            "draft",
            setup.contract["id"],
        )
        assert (quote["start_date"], quote["end_date"], quote["term_months"]) == (
            "2026-03-10",
            END,  # co-terminated with the contract
            11,  # 10 months end on 2027-01-09: rounded up, for display
        )
        assert quote["billing_day_of_month"] == 1  # the contract's, not the 10th
        assert quote["payment_term"] == "net_45"  # the contract's terms, not the account's
        assert quote["price_book_id"] == setup.price_book["id"]  # the contract's quote's
        lines = _lines(quote)
        assert sorted(lines) == ["seat", "support"]  # the add-on is unchanged: no line
        assert [
            lines["seat"][field]
            for field in ("subscription_id", "quantity", "quantity_delta", "net_unit_price")
        ] == [seat["id"], "11", "1", "31.00"]
        # One seat more, at the subscription's price, from 2026-03-10 to the contract's end:
        # 31.00 x 22/31 = 22.00, then 9 x 31.00, then 31.00 x 14/31 = 14.00.
        assert (lines["seat"]["monthly_amount"], lines["seat"]["net_total"]) == (
            "31.00",
            "315.00",
        )
        # Two support, priced from the price book: 40.00 a month, 28.39 + 9 x 40.00 + 18.06.
        assert [
            lines["support"][field]
            for field in ("subscription_id", "quantity", "quantity_delta", "monthly_amount")
        ] == [None, "2", "2", "40.00"]
        assert lines["support"]["net_total"] == "406.45"
        assert (
            quote["monthly_recurring_total"],
            quote["one_time_total"],
            quote["total_contract_value"],
        ) == ("71.00", "0.00", "721.45")

        done = await _ordered_and_activated(quotes, orders, quote["id"])

        order = done["order"]
        assert (order["type"], order["contract_id"]) == ("amendment", setup.contract["id"])
        assert sorted(
            (p["sku"], p["quantity"], p["monthly_amount"], p["start_date"], p["end_date"])
            for p in order["order_products"]
        ) == [
            ("seat", "1", "31.00", "2026-03-10", END),
            ("support", "2", "40.00", "2026-03-10", END),
        ]
        contract = done["contract"]
        assert contract["id"] == setup.contract["id"]
        quantities = {s["sku"]: s["quantity"] for s in contract["subscriptions"]}
        assert quantities == {"seat": "11", "addon": "5", "support": "2"}


async def test_an_amendment_cancels_a_subscription_and_lines_are_edited_as_new_totals(
    with_orders, order_service
):
    quotes = with_orders.client
    async with order_service.client() as orders:
        setup = await _contracted(quotes, orders)
        addon, seat = setup.subscription("addon"), setup.subscription("seat")

        response = await quotes.post(
            "/v1/quotes",
            json={
                "type": "amendment",
                "contract_id": setup.contract["id"],
                "account_id": setup.account["id"],
                "start_date": "2026-03-10",
                "lines": [
                    {"subscription_id": addon["id"], "quantity": "0"},
                    {"subscription_id": seat["id"], "quantity": "12"},
                ],
            },
        )
        assert response.status_code == 201, response.text
        quote = response.json()
        cancelled = _lines(quote)["addon"]
        # Five add-ons fewer: -25.00 a month, credited 17.74 + 9 x 25.00 + 11.29.
        assert [
            cancelled[field]
            for field in ("quantity", "quantity_delta", "monthly_amount", "net_total")
        ] == ["0", "-5", "-25.00", "-254.03"]

        seat_line = _lines(quote)["seat"]
        edited = await quotes.patch(
            f"/v1/quotes/{quote['id']}/lines/{seat_line['id']}", json={"quantity": "11"}
        )
        unchanged = await quotes.patch(
            f"/v1/quotes/{quote['id']}/lines/{seat_line['id']}", json={"quantity": "10"}
        )
        discounted = await quotes.patch(
            f"/v1/quotes/{quote['id']}/lines/{seat_line['id']}", json={"discount_percent": "5"}
        )

        assert edited.status_code == 200, edited.text
        seat_now = _lines(edited.json())["seat"]
        assert (seat_now["quantity"], seat_now["quantity_delta"], seat_now["monthly_amount"]) == (
            "11",
            "1",
            "31.00",
        )
        assert edited.json()["monthly_recurring_total"] == "6.00"  # 31.00 - 25.00
        assert edited.json()["total_contract_value"] == "60.97"  # 315.00 - 254.03
        assert (unchanged.status_code, unchanged.json()["code"]) == (422, "no_quantity_change")
        assert (discounted.status_code, discounted.json()["code"]) == (
            422,
            "subscription_price_fixed",
        )

        contract = (await _ordered_and_activated(quotes, orders, quote["id"]))["contract"]

        addon_now = next(s for s in contract["subscriptions"] if s["sku"] == "addon")
        assert (addon_now["quantity"], addon_now["end_date"]) == ("0", "2026-03-09")


async def test_a_quarterly_decrease_is_quoted_on_the_subscriptions_own_period_grid(
    with_orders_and_invoices, order_service
):
    # Issue 11: 2 quarterly seats at 30.00 a month from 2026-02-01 (D=1), 1 seat from 05-16.
    # The order product is billed on the subscription's quarters (Feb-Apr, May-Jul, ...), so
    # the quote must total the same credits, not quarters starting at the amendment.
    quotes = with_orders_and_invoices.client
    async with order_service.client() as orders:
        account = await create_account(quotes)
        book = await create_price_book(quotes)
        product = await quotes.post(
            "/v1/products",
            json={
                "sku": "seat-q",
                "name": "Seat, billed quarterly",
                "charge_type": "recurring",
                "billing_frequency": "quarterly",
                "tax_code": "SAAS",
            },
        )
        await quotes.post(
            f"/v1/price-books/{book['id']}/entries",
            json={"product_id": product.json()["id"], "unit_price": "30.00"},
        )
        quote = await quotes.post(
            "/v1/quotes",
            json={
                "account_id": account["id"],
                "price_book_id": book["id"],
                "start_date": "2026-02-01",
                "term_months": 12,
                "billing_day_of_month": 1,
                "lines": [{"product_id": product.json()["id"], "quantity": "2"}],
            },
        )
        contract = (await _ordered_and_activated(quotes, orders, quote.json()["id"]))["contract"]

        response = await quotes.post(
            "/v1/quotes",
            json={
                "type": "amendment",
                "contract_id": contract["id"],
                "start_date": "2026-05-16",
                "lines": [{"subscription_id": contract["subscriptions"][0]["id"], "quantity": "1"}],
            },
        )

        assert response.status_code == 201, response.text
        (line,) = response.json()["lines"]
        # -90.00 a quarter: 05-16..07-31 is 77 of May-July's 92 days (-75.33), then the
        # quarters from 08-01 and 11-01 whole; not -15.65 for 05-16..05-31 and quarters from
        # 06-01 (-257.65 in all).
        assert (line["quantity_delta"], line["monthly_amount"], line["net_total"]) == (
            "-1",
            "-30.00",
            "-255.33",
        )
        assert response.json()["total_contract_value"] == "-255.33"
        # The document's first invoices are invoice-svc's, cut on the same grid: the credits
        # outweigh any charge, so each billing date's is a credit note.
        document = await quotes.get(f"/v1/quotes/{response.json()['id']}/pdf")
        assert document.status_code == 200, document.text
        text = " ".join(
            " ".join(page.extract_text().split())
            for page in pypdf.PdfReader(io.BytesIO(document.content)).pages
        )
        assert "CREDIT NOTE 16 May 2026 CREDITS the account" in text
        assert "Seat, billed quarterly 16 May – 31 Jul 2026 -75.33 — 0.00" in text
        assert "Total credited USD -75.33" in text
        assert "CREDIT NOTE 1 Aug 2026" in text
        assert "Seat, billed quarterly 1 Aug – 31 Oct 2026 -90.00" in text
        assert "INVOICE DATE" not in text


async def test_a_renewal_quotes_the_next_term_at_uplifted_prices(with_orders, order_service):
    quotes = with_orders.client
    async with order_service.client() as orders:
        setup = await _contracted(quotes, orders)

        response = await quotes.post(
            "/v1/quotes",
            json={
                "type": "renewal",
                "contract_id": setup.contract["id"],
                "uplift_percent": "3.5",
            },
        )
        longer = await quotes.post(
            "/v1/quotes",
            json={"type": "renewal", "contract_id": setup.contract["id"], "term_months": 24},
        )

        assert response.status_code == 201, response.text
        quote = response.json()
        assert (quote["type"], quote["contract_id"], quote["uplift_percent"]) == (
            "renewal",
            setup.contract["id"],
            "3.5",
        )
        assert (quote["start_date"], quote["end_date"], quote["term_months"]) == (
            "2027-01-15",  # the day after the contract ends
            "2028-01-14",
            12,  # the contract's original term
        )
        lines = _lines(quote)
        # 31.00 x 1.035 = 32.085 -> 32.09; 5.00 x 1.035 = 5.175 -> 5.18 (half-up).
        assert [
            (
                line["subscription_id"],
                line["quantity"],
                line["net_unit_price"],
                line["monthly_amount"],
            )
            for line in (lines["seat"], lines["addon"])
        ] == [
            (setup.subscription("seat")["id"], "10", "32.09", "320.90"),
            (setup.subscription("addon")["id"], "5", "5.18", "25.90"),
        ]
        assert (quote["monthly_recurring_total"], quote["total_contract_value"]) == (
            "346.80",
            "4161.60",
        )
        assert (longer.json()["end_date"], longer.json()["term_months"]) == ("2029-01-14", 24)
        assert _lines(longer.json())["seat"]["net_unit_price"] == "31.00"

        done = await _ordered_and_activated(quotes, orders, quote["id"])

        assert done["order"]["type"] == "renewal"
        contract = done["contract"]
        assert (contract["start_date"], contract["end_date"]) == ("2026-01-15", "2028-01-14")
        assert {
            (s["sku"], s["quantity"], s["net_unit_price"], s["end_date"])
            for s in contract["subscriptions"]
        } == {("seat", "10", "32.09", "2028-01-14"), ("addon", "5", "5.18", "2028-01-14")}
        # The 24-month renewal was quoted against the old end: order-svc refuses it now.
        stale = await quotes.post(f"/v1/quotes/{longer.json()['id']}/submit")
        assert stale.status_code == 200
        await quotes.post(f"/v1/quotes/{longer.json()['id']}/accept")
        order = await eventually(
            lambda: _first(orders, f"/v1/orders?quote_id={longer.json()['id']}")
        )
        refused = await orders.post(f"/v1/orders/{order['id']}/activate")
        assert (refused.status_code, refused.json()["code"]) == (409, "renewal_out_of_date")


async def test_contract_quotes_refuse_what_does_not_fit_the_contract(with_orders, order_service):
    quotes = with_orders.client
    async with order_service.client() as orders:
        setup = await _contracted(quotes, orders)
        other = await create_account(quotes, name="Globex")
        seat = setup.subscription("seat")
        amendment = {
            "type": "amendment",
            "contract_id": setup.contract["id"],
            "start_date": "2026-03-10",
            "lines": [{"subscription_id": seat["id"], "quantity": "11"}],
        }
        direct = await orders.post(
            "/v1/orders",
            json={
                "account_id": setup.account["id"],
                "currency": "USD",
                "start_date": "2026-01-01",
                "term_months": 12,
                "order_products": [
                    {
                        "product_id": setup.products["seat"]["id"],
                        "sku": "seat",
                        "product_name": "Seat",
                        "charge_type": "recurring",
                        "quantity": "3",
                        "net_unit_price": "30.00",
                    }
                ],
            },
        )
        direct_contract_id = (
            await orders.post(f"/v1/orders/{direct.json()['id']}/activate")
        ).json()["contract_id"]

        cases = {
            "unknown_contract": amendment | {"contract_id": str(uuid.uuid4())},
            "contract_of_another_account": amendment | {"account_id": other["id"]},
            "amendment_outside_contract": amendment | {"start_date": "2027-01-15"},
            "unknown_subscription": amendment
            | {"lines": [{"subscription_id": str(uuid.uuid4()), "quantity": "1"}]},
            "subscription_listed_twice": amendment
            | {"lines": [amendment["lines"][0], amendment["lines"][0]]},
            "price_book_required": amendment | {"contract_id": direct_contract_id, "lines": []},
            "validation_failed": amendment
            | {
                "lines": [{"subscription_id": seat["id"], "quantity": "1", "discount_percent": "5"}]
            },
        }
        answers = {code: await quotes.post("/v1/quotes", json=body) for code, body in cases.items()}
        priced = await quotes.post(
            "/v1/quotes",
            json=cases["price_book_required"] | {"price_book_id": setup.price_book["id"]},
        )

        assert {code: (r.status_code, r.json()["code"]) for code, r in answers.items()} == {
            code: (422, code) for code in cases
        }
        assert answers["unknown_contract"].headers["content-type"] == "application/problem+json"
        assert priced.status_code == 201, priced.text
        assert priced.json()["billing_day_of_month"] == 1  # the direct order's start day
        listed = (await quotes.get("/v1/quotes", params={"account_id": other["id"]})).json()
        assert listed["items"] == []


async def _silent_server() -> tuple[asyncio.Server, int]:
    """Accepts connections and never answers: an order-svc that hangs."""

    async def hang(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # until the client gives up and closes
        writer.close()

    server = await asyncio.start_server(hang, "127.0.0.1", 0, family=socket.AF_INET)
    return server, server.sockets[0].getsockname()[1]


@pytest.mark.parametrize("order_svc", ["down", "hanging"])
async def test_order_svc_away_is_a_503_and_changes_nothing(settings, order_svc):
    from q2c_devstack.servers import free_port

    server = None
    if order_svc == "hanging":
        server, port = await _silent_server()
    else:
        port = free_port()  # nobody listens there
    unreachable = settings.model_copy(
        update={
            "order_service_url": f"http://127.0.0.1:{port}",
            "order_service_timeout_seconds": 0.3,
        }
    )
    try:
        async with running_service(create_app(unreachable)) as service:
            amendment = await service.client.post(
                "/v1/quotes",
                json={
                    "type": "amendment",
                    "contract_id": str(uuid.uuid4()),
                    "start_date": "2026-03-10",
                },
            )
            renewal = await service.client.post(
                "/v1/quotes",
                json={"type": "renewal", "contract_id": str(uuid.uuid4())},
                headers={"Idempotency-Key": f"renew-{order_svc}"},
            )
            listed = (await service.client.get("/v1/quotes")).json()
    finally:
        if server is not None:
            server.close()

    for response in (amendment, renewal):
        assert response.status_code == 503
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "order_service_unavailable"
    expected = "did not answer within 0.3 s" if order_svc == "hanging" else "is unreachable"
    assert expected in amendment.json()["detail"]
    assert listed["items"] == []


async def test_an_unknown_quote_type_is_a_422(service):
    response = await service.client.post("/v1/quotes", json={"type": "upsell"})

    assert response.status_code == 422
    assert response.json()["code"] == "validation_failed"
