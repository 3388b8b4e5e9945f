"""Small keyword-only builders of quote-svc data over its HTTP API."""

from typing import Any

import httpx


async def create_account(client: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    body = {
        "name": "Acme Corp",
        "currency": "USD",
        "email": "billing@acme.example",
        "billing_address": {
            "line1": "1 Market St",
            "city": "San Francisco",
            "region": "CA",
            "postal_code": "94105",
            "country": "US",
        },
        "payment_term": "net_30",
        "legal_entity": "q2c Inc",
        "tax_exempt": False,
    } | overrides
    response = await client.post("/v1/accounts", json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def create_priced_product(
    client: httpx.AsyncClient,
    price_book_id: str,
    *,
    sku: str,
    unit_price: str,
    charge_type: str = "recurring",
    pricing_model: str = "per_unit",
    tiers: list[dict[str, Any]] | None = None,
    tax_code: str = "SAAS",
) -> dict[str, Any]:
    product = await client.post(
        "/v1/products",
        json={
            "sku": sku,
            "name": sku.title(),
            "charge_type": charge_type,
            "billing_type": "advance",
            "billing_frequency": "monthly" if charge_type == "recurring" else None,
            "tax_code": tax_code,
        },
    )
    assert product.status_code == 201, product.text
    entry = await client.post(
        f"/v1/price-books/{price_book_id}/entries",
        json={
            "product_id": product.json()["id"],
            "unit_price": unit_price,
            "pricing_model": pricing_model,
            "tiers": tiers,
        },
    )
    assert entry.status_code == 201, entry.text
    return product.json()


async def create_price_book(client: httpx.AsyncClient, *, currency: str = "USD") -> dict[str, Any]:
    response = await client.post(
        "/v1/price-books", json={"name": f"Standard {currency}", "currency": currency}
    )
    assert response.status_code == 201, response.text
    return response.json()
