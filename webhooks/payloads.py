"""The `data` of each event, in the REST API's shapes (api.serializers: the one description of what
an order or a booking looks like outside the app), as plain JSON values."""
import json

from django.core.serializers.json import DjangoJSONEncoder

from api.serializers import BookingSerializer, LedgerEntrySerializer, OrderSerializer


def _plain(data) -> dict:
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def order_data(order) -> dict:
    return _plain(OrderSerializer(order).data)


def booking_data(booking, **extra) -> dict:
    return _plain({**BookingSerializer(booking).data, **extra})


def credits_data(order, entries) -> dict:
    """The order (with each item's balance after the change) and the ledger entries that changed it."""
    return _plain({"order": OrderSerializer(order).data,
                   "entries": LedgerEntrySerializer(entries, many=True).data})
