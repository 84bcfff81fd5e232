"""The order list's rows are written by hand (api.serializers.order_list_data) for speed: the JSON
must be OrderSerializer's, byte for byte, whatever the order holds (no items, several, a balance
below zero, JPY and three-decimal currencies, a discount, dates set or not, any characters), on
every page and with every filter."""
from datetime import timedelta
from decimal import Decimal

import time_machine
from rest_framework.renderers import JSONRenderer

from api import selectors
from api.serializers import OrderSerializer
from api.tests.helpers import api_client, key_for
from orders.models import CreditLedgerEntry, LedgerReason, OrderItem, OrderStatus
from tests import NOW, make_meeting_type, make_order, make_package


def _expected(response, owner, **filters) -> bytes:
    """What the serializer writes for the orders the response lists, with its own links."""
    body = response.json()
    ids = [row["id"] for row in body["results"]]
    orders = {order.pk: order for order in selectors.orders_for_api(owner, **filters).filter(pk__in=ids)}
    return JSONRenderer().render({"next": body["next"], "previous": body["previous"],
                                  "results": OrderSerializer([orders[pk] for pk in ids], many=True).data})


def _orders(owner) -> None:
    first, second = make_meeting_type(owner, name="Kick-off « Ünïcode » \u2028 line"), make_meeting_type(owner)
    package = make_package(owner, items=[(first, 3), (second, 1)])
    with time_machine.travel(NOW - timedelta(days=3), tick=False):
        make_order(package, with_items=True, status=OrderStatus.ACTIVE, paid_at=NOW - timedelta(days=3),
                   promo_code="SPRING", discount=Decimal("12.500"), paid_with="stripe",
                   client_name="Zoë \"Q\" <O'Neil>", client_phone="+441234567890", client_timezone="Asia/Tokyo")
    with time_machine.travel(NOW - timedelta(days=2), tick=False):
        make_order(owner, price="5000", currency="JPY", status=OrderStatus.CANCELLED,
                   cancelled_at=NOW - timedelta(days=1), expires_at=NOW + timedelta(days=300, microseconds=7))
        make_order(owner, price="1.234", currency="BHD", client_email="Mixed@Example.com")
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        spent = make_order(package, with_items=True, status=OrderStatus.ACTIVE)
    item = OrderItem.objects.filter(order=spent).first()
    CreditLedgerEntry.objects.create(order_item=item, change=-5, reason=LedgerReason.ADJUSTMENT)  # below zero


def test_the_list_is_the_serializers_json_byte_for_byte(owner, other_owner):
    _orders(owner)
    make_order(other_owner)
    client = api_client(key_for(owner))

    whole = client.get("/api/v1/orders/")
    first_page = client.get("/api/v1/orders/?limit=2")
    second_page = client.get(first_page.json()["next"])
    back = client.get(second_page.json()["previous"])
    cancelled = client.get("/api/v1/orders/?status=cancelled")
    by_email = client.get("/api/v1/orders/?email=mixed@example.com")

    assert len(whole.json()["results"]) == 4
    assert whole.content == _expected(whole, owner)
    assert whole["Content-Type"] == "application/json"
    assert [len(first_page.json()["results"]), len(second_page.json()["results"])] == [2, 2]
    for page in (first_page, second_page, back):
        assert page.content == _expected(page, owner)
    assert back.content == first_page.content
    assert cancelled.content == _expected(cancelled, owner, status="cancelled")
    assert [row["currency"] for row in cancelled.json()["results"]] == ["JPY"]
    assert by_email.content == _expected(by_email, owner, email="mixed@example.com")
    assert [row["price"] for row in by_email.json()["results"]] == ["1.234"]


def test_an_order_with_a_negative_balance_shows_none_remaining(owner):
    _orders(owner)
    rows = api_client(key_for(owner)).get("/api/v1/orders/").json()["results"]

    assert [item["remaining"] for item in rows[0]["items"]] == [0, 1]
    assert [item["remaining"] for item in rows[-1]["items"]] == [3, 1]
