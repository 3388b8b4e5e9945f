"""quote-svc over HTTP against real PostgreSQL and the real broker."""

import uuid

from factories import create_account, create_price_book, create_priced_product

from q2c_shared.testing.kafka import read_all


async def _approved_quote(client, *, discount_percent=None):
    account = await create_account(client)
    book = await create_price_book(client)
    seat = await create_priced_product(client, book["id"], sku="seat", unit_price="31.00")
    setup = await create_priced_product(
        client, book["id"], sku="setup", unit_price="500.00", charge_type="one_time"
    )
    line = {"product_id": seat["id"], "quantity": "10"}
    if discount_percent:
        line["discount_percent"] = discount_percent
    response = await client.post(
        "/v1/quotes",
        json={
            "account_id": account["id"],
            "price_book_id": book["id"],
            "start_date": "2026-01-15",
            "term_months": 12,
            "billing_day_of_month": 1,
            "lines": [line, {"product_id": setup["id"], "quantity": "1"}],
        },
    )
    assert response.status_code == 201, response.text
    return account, response.json()


async def test_a_quote_prices_its_lines_and_totals(service):
    _, quote = await _approved_quote(service.client, discount_percent="10")

    seat, setup = quote["lines"]
    assert quote["status"] == "draft"
    assert quote["number"].startswith("Q-")
    assert quote["end_date"] == "2027-01-14"
    assert seat["list_unit_price"] == "31.00"
    assert seat["monthly_amount"] == "279.00"  # 10 x 31.00 less 10%
    assert seat["net_total"] == "3348.00"
    assert setup["amount"] == "500.00"
    assert quote["monthly_recurring_total"] == "279.00"
    assert quote["one_time_total"] == "500.00"
    assert quote["total_contract_value"] == "3848.00"


async def test_accepting_an_approved_quote_emits_quote_accepted(service, settings):
    account, quote = await _approved_quote(service.client)

    submitted = await service.client.post(f"/v1/quotes/{quote['id']}/submit")
    accepted = await service.client.post(f"/v1/quotes/{quote['id']}/accept")

    assert submitted.json()["status"] == "approved"
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted"
    messages = await read_all(
        settings.kafka_bootstrap_servers, settings.topic("q2c.quotes"), expect=1
    )
    assert len(messages) == 1
    event = messages[0]["value"]
    assert messages[0]["key"] == account["id"]
    assert event["type"] == "QuoteAccepted"
    assert event["specversion"] == "1.0"
    assert event["source"] == "/q2c/quote-svc"
    assert event["data"]["quote"]["id"] == quote["id"]
    assert event["data"]["quote"]["lines"][0]["monthly_amount"] == "310.00"
    assert event["data"]["account"]["name"] == "Acme Corp"


async def test_a_deep_discount_needs_approval_and_a_draft_cannot_be_accepted(service):
    _, quote = await _approved_quote(service.client, discount_percent="35")

    early = await service.client.post(f"/v1/quotes/{quote['id']}/accept")
    submitted = await service.client.post(f"/v1/quotes/{quote['id']}/submit")
    still_in_review = await service.client.post(f"/v1/quotes/{quote['id']}/accept")
    approved = await service.client.post(f"/v1/quotes/{quote['id']}/approve")

    assert early.status_code == 409
    assert early.headers["content-type"] == "application/problem+json"
    assert early.json()["code"] == "quote_not_approved"
    assert submitted.json()["status"] == "in_review"
    assert "35.00% exceeds 20%" in submitted.json()["status_reason"]
    assert still_in_review.status_code == 409
    assert approved.json()["status"] == "approved"


async def test_lines_change_only_while_draft(service):
    _, quote = await _approved_quote(service.client)
    seat_line = quote["lines"][0]

    changed = await service.client.patch(
        f"/v1/quotes/{quote['id']}/lines/{seat_line['id']}", json={"quantity": "2"}
    )
    removed = await service.client.delete(
        f"/v1/quotes/{quote['id']}/lines/{quote['lines'][1]['id']}"
    )
    await service.client.post(f"/v1/quotes/{quote['id']}/submit")
    refused = await service.client.patch(
        f"/v1/quotes/{quote['id']}/lines/{seat_line['id']}", json={"quantity": "3"}
    )

    assert changed.json()["lines"][0]["monthly_amount"] == "62.00"
    assert removed.json()["one_time_total"] == "0.00"
    assert refused.status_code == 409


async def test_requests_without_the_key_get_401_problem(service):
    response = await service.client.get("/v1/accounts", headers={"Authorization": "Bearer nope"})
    missing = await service.client.get("/v1/accounts", headers={"Authorization": ""})

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert missing.status_code == 401


async def test_bad_input_is_a_422_problem_and_changes_nothing(service):
    malformed = await service.client.post(
        "/v1/accounts", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    float_money = await service.client.post(
        "/v1/price-books/" + str(uuid.uuid4()) + "/entries",
        json={"product_id": str(uuid.uuid4()), "unit_price": 12.5},
    )
    bad_currency = await service.client.post("/v1/accounts", json={"name": "X", "currency": "XXX"})
    listing = await service.client.get("/v1/accounts")

    assert malformed.status_code == 422
    assert malformed.json()["errors"][0]["loc"] == ["body", 1]
    assert float_money.status_code == 422
    assert "decimal string" in float_money.text
    assert bad_currency.status_code == 422
    assert listing.json() == {"items": [], "next_cursor": None}


async def test_unknown_ids_are_404_problems(service):
    response = await service.client.get(f"/v1/quotes/{uuid.uuid4()}")

    assert response.status_code == 404
    assert response.json()["code"] == "quote_not_found"


async def test_idempotency_key_replays_the_first_response(service):
    body = {"name": "Once Ltd", "currency": "EUR"}
    headers = {"Idempotency-Key": "create-once-1"}

    first = await service.client.post("/v1/accounts", json=body, headers=headers)
    again = await service.client.post("/v1/accounts", json=body, headers=headers)
    other_body = await service.client.post(
        "/v1/accounts", json=body | {"name": "Other"}, headers=headers
    )
    listing = await service.client.get("/v1/accounts")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert other_body.status_code == 409
    assert [item["id"] for item in listing.json()["items"]] == [first.json()["id"]]


async def test_accounts_page_with_a_cursor(service):
    created = [await create_account(service.client, name=f"A{i}") for i in range(3)]

    first = (await service.client.get("/v1/accounts?limit=2")).json()
    second = (
        await service.client.get(f"/v1/accounts?limit=2&cursor={first['next_cursor']}")
    ).json()

    assert [a["name"] for a in first["items"]] == ["A2", "A1"]
    assert [a["name"] for a in second["items"]] == ["A0"]
    assert second["next_cursor"] is None
    assert len(created) == 3


async def test_a_retried_line_is_added_once(service):
    _, quote = await _approved_quote(service.client)
    extra = await create_priced_product(
        service.client, quote["price_book_id"], sku="extra", unit_price="12.00"
    )
    path = f"/v1/quotes/{quote['id']}/lines"
    body = {"product_id": extra["id"], "quantity": "5"}
    headers = {"Idempotency-Key": f"line-{quote['id']}"}

    first = await service.client.post(path, json=body, headers=headers)
    again = await service.client.post(path, json=body, headers=headers)
    other_body = await service.client.post(path, json=body | {"quantity": "6"}, headers=headers)
    now = (await service.client.get(f"/v1/quotes/{quote['id']}")).json()

    assert first.status_code == again.status_code == 201, first.text
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert other_body.status_code == 409
    assert other_body.json()["code"] == "idempotency_key_reused"
    assert [line["sku"] for line in now["lines"]] == ["seat", "setup", "extra"]
    # 10 seats at 31.00 plus 5 extras at 12.00 a month, once.
    assert now["monthly_recurring_total"] == first.json()["monthly_recurring_total"] == "370.00"
    assert now["total_contract_value"] == "4940.00"
