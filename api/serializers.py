"""The shapes of the REST API (/api/v1/), output and input.

The output serializers (MeetingTypeSerializer, PackageSerializer, OrderSerializer,
OrderDetailSerializer, BookingSerializer, LedgerEntrySerializer, PaymentSerializer,
ClientSerializer, SlotSerializer) are the one description of what an object looks like outside
the app: outgoing webhooks send `data` in these same shapes. They read only the row and what the
API's selectors join or annotate; given a bare row (a webhook), they read what is missing
themselves (an order item's balance: one query per item).

Money is a string with the currency's own number of decimals (leadmonk.money: JPY has none),
never a float. Times are ISO 8601 in UTC.

The input serializers (…InputSerializer) check types and shapes only; the rules (is this time
free, has this item a credit left) are the services', whose refusals come back as 400/409
problems (api.problems).
"""
from decimal import Decimal

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from leadmonk.money import round_money
from orders.credits import item_balance
from orders.models import CreditLedgerEntry, OrderItem, OrderStatus, PackageOrder
from packages.models import Package, PackageItem
from payments.models import Payment
from payments.services import IssueMode
from scheduling.models import Attendance, BookedBy, Booking, MeetingType, PaymentMedium


def money(amount: Decimal, currency: str) -> str:
    """An amount as a string with the currency's decimals ("120.00", "5000" for JPY)."""
    return str(round_money(Decimal(amount), currency))


class MoneyField(serializers.Field):
    """An amount of the object's `currency`, as a decimal string."""

    def __init__(self, *, currency_field: str = "currency", **kwargs):
        self.currency_field = currency_field
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        return (super().get_attribute(instance), getattr(instance, self.currency_field))

    def to_representation(self, value) -> str:
        amount, currency = value
        return money(amount, currency)


extend_schema_field({"type": "string", "format": "decimal", "example": "120.00"})(MoneyField)


# --- Meeting types, packages ----------------------------------------------------------------------


class MeetingTypeSerializer(serializers.ModelSerializer):
    bookable = serializers.BooleanField(source="is_bookable", read_only=True,
                                        help_text="Active and not deleted: it can be booked now.")
    price = MoneyField()

    class Meta:
        model = MeetingType
        fields = ["id", "name", "slug", "kind", "capacity", "duration_minutes", "description", "location_kind",
                  "visibility", "state", "bookable", "price", "currency", "min_notice_minutes", "horizon_days",
                  "created_at", "updated_at"]
        read_only_fields = fields


class PackageItemSerializer(serializers.ModelSerializer):
    meeting_type_name = serializers.CharField(source="meeting_type.name", read_only=True)

    class Meta:
        model = PackageItem
        fields = ["meeting_type_id", "meeting_type_name", "quantity"]
        read_only_fields = fields


class PackageSerializer(serializers.ModelSerializer):
    price = MoneyField()
    items = PackageItemSerializer(many=True, read_only=True)
    # Empty for a free package: the schema says so (as BookingSerializer.cancelled_by).
    payment_medium = serializers.ChoiceField(choices=PaymentMedium.choices, allow_blank=True, read_only=True,
                                             help_text="How a client pays for it; empty for a free package.")

    class Meta:
        model = Package
        fields = ["id", "name", "slug", "description", "state", "price", "currency", "payment_medium",
                  "listed", "expiry_kind", "expiry_days", "items", "created_at", "updated_at"]
        read_only_fields = fields


# --- Orders ---------------------------------------------------------------------------------------


class OrderItemSerializer(serializers.ModelSerializer):
    remaining = serializers.SerializerMethodField(
        help_text="Sessions left to book: the item's credit ledger balance (never below 0).")

    class Meta:
        model = OrderItem
        fields = ["id", "meeting_type_id", "meeting_type_name", "kind", "duration_minutes", "quantity", "remaining"]
        read_only_fields = fields

    def get_remaining(self, item: OrderItem) -> int:
        # The API's selectors annotate `balance` (orders.selectors); a bare row reads its ledger.
        balance = getattr(item, "balance", None)
        if balance is None:
            balance = item_balance(item.pk)
        return max(balance, 0)


class OrderSerializer(serializers.ModelSerializer):
    price = MoneyField()
    discount = MoneyField()
    items = OrderItemSerializer(many=True, read_only=True)
    client_link = serializers.SerializerMethodField(help_text="The client's order page (path), where they book.")

    class Meta:
        model = PackageOrder
        fields = ["id", "status", "package_id", "title", "client_name", "client_email", "client_phone",
                  "client_timezone", "price", "discount", "currency", "promo_code", "paid_with", "items",
                  "client_link", "created_at", "paid_at", "cancelled_at", "expires_at"]
        read_only_fields = fields

    def get_client_link(self, order: PackageOrder) -> str:
        return f"/orders/{order.token}/"


def order_list_data(orders: list, items: dict[int, list[tuple]]) -> list[dict]:
    """OrderSerializer(orders, many=True).data, written out for the order list (a page of 50 orders
    through the serializer's fields cost ten times the queries' CPU): the same keys in the same
    order, the same values, so the same JSON byte for byte (api/tests/test_order_list_shape.py
    compares them). `orders` are api.selectors.order_list_for_api's rows, `items` order_item_rows of them."""
    as_time = _time_writer()
    return [{
        "id": order.pk, "status": order.status, "package_id": order.package_id, "title": order.title,
        "client_name": order.client_name, "client_email": order.client_email, "client_phone": order.client_phone,
        "client_timezone": order.client_timezone, "price": money(order.price, order.currency),
        "discount": money(order.discount, order.currency), "currency": order.currency,
        "promo_code": order.promo_code, "paid_with": order.paid_with,
        "items": [{"id": item_id, "meeting_type_id": meeting_type_id, "meeting_type_name": meeting_type_name,
                   "kind": kind, "duration_minutes": duration_minutes, "quantity": quantity,
                   "remaining": max(balance, 0)}
                  for (item_id, _order, meeting_type_id, meeting_type_name, kind, duration_minutes, quantity,
                       balance) in items.get(order.pk, ())],
        "client_link": f"/orders/{order.token}/",
        "created_at": as_time(order.created_at), "paid_at": as_time(order.paid_at),
        "cancelled_at": as_time(order.cancelled_at), "expires_at": as_time(order.expires_at),
    } for order in orders]


def _time_writer():
    """serializers.DateTimeField().to_representation for aware datetimes (ISO 8601 in the current
    time zone, "Z" for UTC; None stays None), without a field per value."""
    field = serializers.DateTimeField()
    zone = field.default_timezone()

    def write(value):
        if value is None:
            return None
        if zone is None or not timezone.is_aware(value):
            return field.to_representation(value)
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return write


class LedgerEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = CreditLedgerEntry
        fields = ["id", "order_item_id", "change", "reason", "booking_id", "note", "created_at"]
        read_only_fields = fields


class OrderDetailSerializer(OrderSerializer):
    ledger = serializers.SerializerMethodField()

    class Meta(OrderSerializer.Meta):
        fields = [*OrderSerializer.Meta.fields, "description", "ledger"]
        read_only_fields = fields

    @extend_schema_field(LedgerEntrySerializer(many=True))
    def get_ledger(self, order: PackageOrder) -> list:
        entries = self.context.get("ledger")
        if entries is None:
            entries = CreditLedgerEntry.objects.filter(order_item__order=order).order_by("created_at", "id")
        return LedgerEntrySerializer(entries, many=True).data


# --- Bookings -------------------------------------------------------------------------------------


class BookingSerializer(serializers.ModelSerializer):
    meeting_type_name = serializers.CharField(source="meeting_type.name", read_only=True)
    order_id = serializers.SerializerMethodField()
    # Empty while the booking is not cancelled: the schema says so (a model field's `blank` alone
    # does not reach a read-only field's enum).
    cancelled_by = serializers.ChoiceField(choices=BookedBy.choices, allow_blank=True, read_only=True,
                                           help_text="Who cancelled it; empty while it is not cancelled.")

    class Meta:
        model = Booking
        fields = ["id", "status", "meeting_type_id", "meeting_type_name", "order_id", "order_item_id", "start",
                  "end", "client_name", "client_email", "client_phone", "client_timezone", "booked_by",
                  "attendance", "cancelled_at", "cancelled_by", "cancel_reason", "created_at", "updated_at"]
        read_only_fields = fields

    def get_order_id(self, booking: Booking) -> int | None:
        # The API's selectors join order_item; a bare row reads it.
        return booking.order_item.order_id if booking.order_item_id else None


# --- Payments, clients, free times ------------------------------------------------------------------


class PaymentSerializer(serializers.ModelSerializer):
    amount = MoneyField()
    discount = MoneyField()

    class Meta:
        model = Payment
        fields = ["id", "order_id", "booking_id", "provider", "status", "amount", "discount", "currency",
                  "created_at", "confirmed_at", "refunded_at"]
        read_only_fields = fields


class ClientSerializer(serializers.Serializer):
    """A client of the owner, by normalised email, gathered from their orders and bookings."""

    email = serializers.EmailField(read_only=True)
    name = serializers.CharField(read_only=True, help_text="The name on their latest order or booking.")
    orders = serializers.IntegerField(read_only=True, help_text="How many orders they placed.")
    bookings = serializers.IntegerField(read_only=True, help_text="How many bookings they have (any status).")
    first_seen = serializers.DateTimeField(read_only=True)
    last_seen = serializers.DateTimeField(read_only=True)


class SlotSerializer(serializers.Serializer):
    """A free time of a meeting type (the slot engine's answer)."""

    start = serializers.DateTimeField(read_only=True)
    end = serializers.DateTimeField(read_only=True)
    seats_left = serializers.IntegerField(read_only=True)


# --- Input ----------------------------------------------------------------------------------------

ID_MAX = 2**63 - 1  # a bigint: a larger id names nothing (and PostgreSQL would refuse to compare it)
# The years free times may be asked for and times booked in: nothing is bookable outside them, and
# at the edges of Python's calendar (year 1 or 9999) a day or a zone offset added overflows (as
# scheduling.selectors.parse_picker_date's years).
SLOT_YEARS = range(1970, 9000)


class BookableTimeField(serializers.DateTimeField):
    """A time to book or move to: ISO 8601 with an offset (without one it would be read as UTC, an
    hour the client did not mean), in SLOT_YEARS (the slot engine works on the days around it)."""

    def to_internal_value(self, value):
        moment = super().to_internal_value(value)
        as_sent = parse_datetime(value.strip()) if isinstance(value, str) else None
        if as_sent is not None and as_sent.tzinfo is None:
            raise serializers.ValidationError(
                "Send the time with its offset, like 2026-12-08T09:00:00-05:00 (or Z for UTC).")
        if moment.year not in SLOT_YEARS:
            raise serializers.ValidationError(f"Enter a time between {SLOT_YEARS[0]} and {SLOT_YEARS[-1]}.")
        return moment


class SlotQuerySerializer(serializers.Serializer):
    start = serializers.DateField(help_text="First day (in `timezone`), YYYY-MM-DD.")
    end = serializers.DateField(help_text="Last day (in `timezone`), included; at most 62 days after start.")
    timezone = serializers.CharField(required=False, default="", allow_blank=True,
                                     help_text="IANA zone; the owner's by default.")


class OrderCreateInputSerializer(serializers.Serializer):
    package_id = serializers.IntegerField(min_value=1, max_value=ID_MAX)
    client_name = serializers.CharField(max_length=200)
    client_email = serializers.EmailField()
    client_phone = serializers.CharField(max_length=32, required=False, default="", allow_blank=True,
                                         help_text="International format, +441234567890.")
    mode = serializers.ChoiceField(choices=IssueMode.CHOICES, help_text="How the order is settled.")
    note = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)


class BookingCreateInputSerializer(serializers.Serializer):
    """Either `meeting_type_id` (a direct booking, for a client you name) or `order_item_id` (one
    session of an order, for the order's client)."""

    meeting_type_id = serializers.IntegerField(required=False, min_value=1, max_value=ID_MAX)
    order_item_id = serializers.IntegerField(required=False, min_value=1, max_value=ID_MAX)
    start = BookableTimeField(help_text="ISO 8601 with an offset, one of the free times.")
    client_name = serializers.CharField(max_length=200, required=False, help_text="Required with meeting_type_id.")
    # The bookings' column holds 254 characters (an address can be no longer): beyond it, a 400.
    client_email = serializers.EmailField(max_length=254, required=False, help_text="Required with meeting_type_id.")
    client_phone = serializers.CharField(max_length=32, required=False, default="", allow_blank=True,
                                         help_text="International format; required when the meeting type asks.")
    client_timezone = serializers.CharField(max_length=64, required=False, default="", allow_blank=True,
                                            help_text="IANA zone for the client's emails.")
    limit_override_note = serializers.CharField(
        max_length=300, required=False, default="", allow_blank=True,
        help_text="With order_item_id: book over the order's weekly or monthly limit, saying why (shown "
                  "beside the session). Without it a session over the limit is refused (409).")

    def validate(self, data):
        by_type, by_item = data.get("meeting_type_id"), data.get("order_item_id")
        if (by_type is None) == (by_item is None):
            raise serializers.ValidationError(
                {"meeting_type_id": ["Give either meeting_type_id or order_item_id (one of them)."]})
        if by_type is not None:
            missing = {name: ["This field is required for a booking of a meeting type."]
                       for name in ("client_name", "client_email") if not data.get(name)}
            if missing:
                raise serializers.ValidationError(missing)
        return data


class BookingRescheduleInputSerializer(serializers.Serializer):
    start = BookableTimeField(help_text="The new start, ISO 8601 with an offset.")


class BookingCancelInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, default="", allow_blank=True)


class AttendanceInputSerializer(serializers.Serializer):
    attendance = serializers.ChoiceField(choices=[Attendance.ATTENDED, Attendance.NO_SHOW])


ORDER_STATUSES = OrderStatus.values
