"""Amendments and renewals over the real broker: delta orders change the contract they name."""

from datetime import date

from factories import quote_accepted, quote_line, subscription_change

from q2c_shared.testing.kafka import publish, read_all
from q2c_shared.testing.waiting import eventually

END = "2027-01-14"


async def _order_of(service, settings, event):
    await publish(
        settings.kafka_bootstrap_servers,
        settings.topic("q2c.quotes"),
        event,
        key=event.data["quote"]["account_id"],
    )

    async def ordered():
        items = (await service.client.get(f"/v1/orders?quote_id={event.subject}")).json()["items"]
        return items[0] if items else None

    return await eventually(ordered, message=f"no order for quote {event.subject}")


async def _contract(service, settings):
    """10 seats at 31.00 and 5 add-ons at 5.00 a month, 2026-01-15 to 2027-01-14, billed on
    the 1st: the contract every test here changes."""
    seat = quote_line(sku="seat", quantity="10", monthly_amount="310.00")
    addon = quote_line(
        sku="addon", product_name="Add-on", quantity="5", net_unit_price="5.00",
        list_unit_price="5.00", monthly_amount="25.00",
    )  # fmt: skip
    event = quote_accepted(lines=[seat, addon])
    order = await _order_of(service, settings, event)
    activated = await service.client.post(f"/v1/orders/{order['id']}/activate")
    assert activated.status_code == 200, activated.text
    contract = await service.client.get(f"/v1/contracts/{activated.json()['contract_id']}")
    return event, contract.json()


def _by_sku(subscriptions):
    return {subscription["sku"]: subscription for subscription in subscriptions}


async def test_an_amendment_order_changes_the_contract_and_emits_its_deltas(service, settings):
    original, contract = await _contract(service, settings)
    account_id = original.data["quote"]["account_id"]
    seat, addon = _by_sku(contract["subscriptions"]).values()
    support = quote_line(
        sku="support", product_name="Support", quantity="1", quantity_delta="1",
        net_unit_price="20.00", list_unit_price="20.00", monthly_amount="20.00",
    )  # fmt: skip
    amendment = quote_accepted(
        account_id=account_id,
        quote_type="amendment",
        contract_id=contract["id"],
        start_date=date(2026, 3, 10),
        billing_day_of_month=None,  # order-svc bills it on the contract's day whatever it says
        lines=[
            subscription_change(seat, quantity="11"),
            subscription_change(addon, quantity="0"),
            support,
        ],
    )

    order = await _order_of(service, settings, amendment)
    activated = await service.client.post(f"/v1/orders/{order['id']}/activate")

    assert (order["type"], order["contract_id"], order["status"]) == (
        "amendment",
        contract["id"],
        "draft",
    )
    products = _by_sku(order["order_products"])
    assert [
        (p["quantity"], p["monthly_amount"], p["start_date"], p["end_date"])
        for p in products.values()
    ] == [
        ("1", "31.00", "2026-03-10", END),
        ("-5", "-25.00", "2026-03-10", END),
        ("1", "20.00", "2026-03-10", END),
    ]
    assert products["seat"]["subscription_id"] == seat["id"]
    assert products["support"]["subscription_id"] is None
    assert activated.status_code == 200, activated.text
    assert activated.json()["contract_id"] == contract["id"]
    assert activated.json()["billing_day_of_month"] == 1

    amended = (await service.client.get(f"/v1/contracts/{contract['id']}")).json()
    subscriptions = _by_sku(amended["subscriptions"])
    assert (amended["number"], amended["start_date"], amended["end_date"]) == (
        contract["number"],
        "2026-01-15",
        END,
    )
    assert (subscriptions["seat"]["quantity"], subscriptions["seat"]["end_date"]) == ("11", END)
    assert (subscriptions["addon"]["quantity"], subscriptions["addon"]["end_date"]) == (
        "0",
        "2026-03-09",  # cancelled: ends the day before the amendment starts
    )
    assert [
        subscriptions["support"][field]
        for field in ("quantity", "net_unit_price", "start_date", "end_date")
    ] == ["1", "20.00", "2026-03-10", END]
    contracts = await service.client.get(f"/v1/contracts?account_id={account_id}")
    assert [c["id"] for c in contracts.json()["items"]] == [contract["id"]]  # no new contract
    by_contract = await service.client.get(f"/v1/orders?contract_id={contract['id']}")
    assert len(by_contract.json()["items"]) == 2

    messages = await read_all(
        settings.kafka_bootstrap_servers, settings.topic("q2c.orders"), expect=2
    )
    event = messages[1]["value"]["data"]
    assert messages[1]["key"] == account_id
    assert (event["order"]["type"], event["order"]["contract_id"]) == ("amendment", contract["id"])
    assert event["order"]["billing_day_of_month"] == 1
    assert [
        (p["sku"], p["quantity"], p["monthly_amount"], p["start_date"], p["end_date"])
        for p in event["order"]["order_products"]
    ] == [
        ("seat", "1", "31.00", "2026-03-10", END),
        ("addon", "-5", "-25.00", "2026-03-10", END),
        ("support", "1", "20.00", "2026-03-10", END),
    ]
    assert event["order"]["order_products"][2]["subscription_id"] == subscriptions["support"]["id"]
    assert event["contract"]["number"] == contract["number"]


async def test_a_contract_keeps_the_terms_its_amendments_and_renewals_bill_on(service, settings):
    original, contract = await _contract(service, settings)

    assert contract["billing_day_of_month"] == 1
    assert contract["term_months"] == 12
    assert (contract["payment_term"], contract["po_number"], contract["legal_entity"]) == (
        "net_30",
        "PO-7",
        "q2c Inc",
    )
    assert contract["quote_id"] == original.subject


async def test_a_change_that_no_longer_fits_the_subscription_is_refused(service, settings):
    original, contract = await _contract(service, settings)
    addon = _by_sku(contract["subscriptions"])["addon"]
    amendments = [
        quote_accepted(
            account_id=original.data["quote"]["account_id"],
            quote_type="amendment",
            contract_id=contract["id"],
            start_date=date(2026, 3, 10),
            lines=[subscription_change(addon, quantity="2")],  # each: 3 add-ons fewer
        )
        for _ in range(2)
    ]
    first = await _order_of(service, settings, amendments[0])
    second = await _order_of(service, settings, amendments[1])

    applied = await service.client.post(f"/v1/orders/{first['id']}/activate")
    refused = await service.client.post(f"/v1/orders/{second['id']}/activate")

    assert applied.status_code == 200, applied.text
    assert refused.status_code == 409
    assert refused.json()["code"] == "amendment_refused"
    assert "would leave -1" in refused.json()["detail"]
    still = (await service.client.get(f"/v1/orders/{second['id']}")).json()
    assert still["status"] == "draft"
    addon_now = _by_sku(
        (await service.client.get(f"/v1/contracts/{contract['id']}")).json()["subscriptions"]
    )["addon"]
    assert addon_now["quantity"] == "2"


async def test_a_renewal_extends_the_contract_at_the_new_price(service, settings):
    original, contract = await _contract(service, settings)
    seat = _by_sku(contract["subscriptions"])["seat"]
    renewed_seat = {
        "product_id": seat["product_id"],
        "sku": "seat",
        "subscription_id": seat["id"],
        "quantity": "10",
        "list_unit_price": "34.10",
        "net_unit_price": "34.10",  # 31.00 + 10%
        "monthly_amount": "341.00",
        "net_total": "4092.00",
    }
    renewals = [
        quote_accepted(
            account_id=original.data["quote"]["account_id"],
            quote_type="renewal",
            contract_id=contract["id"],
            start_date=date(2027, 1, 15),
            end_date=date(2028, 1, 14),
            lines=[renewed_seat],  # the add-on is not renewed
        )
        for _ in range(2)
    ]
    order = await _order_of(service, settings, renewals[0])
    late = await _order_of(service, settings, renewals[1])

    activated = await service.client.post(f"/v1/orders/{order['id']}/activate")
    twice = await service.client.post(f"/v1/orders/{late['id']}/activate")

    assert order["type"] == "renewal"
    assert activated.status_code == 200, activated.text
    renewed = (await service.client.get(f"/v1/contracts/{contract['id']}")).json()
    assert (renewed["start_date"], renewed["end_date"]) == ("2026-01-15", "2028-01-14")
    assert renewed["term_months"] == 12  # the original term, for the next renewal
    subscriptions = _by_sku(renewed["subscriptions"])
    assert [subscriptions["seat"][f] for f in ("quantity", "net_unit_price", "end_date")] == [
        "10",
        "34.10",
        "2028-01-14",
    ]
    assert subscriptions["addon"]["end_date"] == END
    assert twice.status_code == 409
    assert twice.json()["code"] == "renewal_out_of_date"
    messages = await read_all(
        settings.kafka_bootstrap_servers, settings.topic("q2c.orders"), expect=2
    )
    event = messages[1]["value"]["data"]
    assert event["order"]["type"] == "renewal"
    assert [
        (p["quantity"], p["monthly_amount"], p["start_date"], p["end_date"])
        for p in event["order"]["order_products"]
    ] == [("10", "341.00", "2027-01-15", "2028-01-14")]
    assert event["contract"]["end_date"] == "2028-01-14"


async def test_an_amendment_of_an_unknown_contract_is_dead_lettered(service, settings):
    event = quote_accepted(
        quote_type="amendment",
        contract_id="0190a000-0000-7000-8000-00000000dead",
        lines=[quote_line(quantity="1", quantity_delta="1")],
    )

    await publish(
        settings.kafka_bootstrap_servers,
        settings.topic("q2c.quotes"),
        event,
        key=event.data["quote"]["account_id"],
    )
    (dead,) = await read_all(
        settings.kafka_bootstrap_servers, settings.topic("q2c.quotes") + ".dlq", expect=1
    )

    assert dead["value"]["id"] == event.id
    assert "unknown contract" in dead["headers"]["dlq_reason"].decode()
