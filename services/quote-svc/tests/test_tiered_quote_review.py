"""Issue 3's "done when": volume and tiered lines with a 35% discount go through review,
approval and acceptance, priced as CONTRACT.md says."""

from factories import create_account, create_price_book, create_priced_product

from q2c_shared.testing.kafka import read_all

VOLUME_TIERS = [
    {"up_to": "10", "unit_price": "20.00"},
    {"up_to": "50", "unit_price": "15.00"},
    {"up_to": None, "unit_price": "10.00"},
]
GRADUATED_TIERS = [{"up_to": "10", "unit_price": "20.00"}, {"up_to": None, "unit_price": "12.00"}]


async def test_volume_and_tiered_lines_with_a_deep_discount_are_reviewed_then_accepted(
    service, settings
):
    client = service.client
    account = await create_account(client)
    book = await create_price_book(client)
    storage = await create_priced_product(
        client,
        book["id"],
        sku="storage",
        unit_price="0.00",
        pricing_model="volume",
        tiers=VOLUME_TIERS,
    )
    api_calls = await create_priced_product(
        client,
        book["id"],
        sku="api",
        unit_price="0.00",
        pricing_model="tiered",
        tiers=GRADUATED_TIERS,
    )

    created = await client.post(
        "/v1/quotes",
        json={
            "account_id": account["id"],
            "price_book_id": book["id"],
            "start_date": "2026-01-01",
            "term_months": 12,
            "lines": [
                {"product_id": storage["id"], "quantity": "25"},
                {"product_id": api_calls["id"], "quantity": "25", "discount_percent": "35"},
            ],
        },
    )
    quote = created.json()
    submitted = await client.post(f"/v1/quotes/{quote['id']}/submit")
    approved = await client.post(
        f"/v1/quotes/{quote['id']}/approve", json={"reason": "strategic logo"}
    )
    accepted = await client.post(f"/v1/quotes/{quote['id']}/accept")

    volume_line, tiered_line = quote["lines"]
    # volume: all 25 units at the 11-50 tier's 15.00
    assert (volume_line["list_unit_price"], volume_line["monthly_amount"]) == ("15.00", "375.00")
    # tiered: 10 x 20.00 + 15 x 12.00 = 380.00, less 35% = 247.00
    assert (tiered_line["list_unit_price"], tiered_line["net_unit_price"]) == ("15.20", "9.88")
    assert tiered_line["monthly_amount"] == "247.00"
    assert quote["monthly_recurring_total"] == "622.00"
    assert quote["total_contract_value"] == "7464.00"
    assert submitted.json()["status"] == "in_review"
    assert "35.00% exceeds 20%" in submitted.json()["status_reason"]
    assert approved.json()["status"] == "approved"
    assert approved.json()["status_reason"] == "strategic logo"
    assert accepted.json()["status"] == "accepted"
    [message] = await read_all(
        settings.kafka_bootstrap_servers, settings.topic("q2c.quotes"), expect=1
    )
    event_lines = message["value"]["data"]["quote"]["lines"]
    assert [line["monthly_amount"] for line in event_lines] == ["375.00", "247.00"]


async def test_a_rejected_quote_cannot_be_accepted(service):
    client = service.client
    account = await create_account(client)
    book = await create_price_book(client)
    seat = await create_priced_product(client, book["id"], sku="seat", unit_price="10.00")
    quote = (
        await client.post(
            "/v1/quotes",
            json={
                "account_id": account["id"],
                "price_book_id": book["id"],
                "start_date": "2026-01-01",
                "term_months": 12,
                "lines": [{"product_id": seat["id"], "quantity": "1", "discount_percent": "50"}],
            },
        )
    ).json()

    await client.post(f"/v1/quotes/{quote['id']}/submit")
    rejected = await client.post(
        f"/v1/quotes/{quote['id']}/reject", json={"reason": "margin too low"}
    )
    accept = await client.post(f"/v1/quotes/{quote['id']}/accept")
    approve_again = await client.post(f"/v1/quotes/{quote['id']}/approve")

    assert rejected.json()["status"] == "rejected"
    assert accept.status_code == 409
    assert "rejected" in accept.json()["detail"]
    assert approve_again.status_code == 409
