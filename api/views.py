"""The REST API's endpoints (/api/v1/): thin views over the same selectors and services the pages use.

The key's owner is `request.user`; every lookup is scoped to them (an id of another owner's row is
404, never 403, so ids reveal nothing). Writes go through the services the dashboard calls (same
owner and item locks, same rules, same emails); their refusals are 409 problems (api.problems),
bad input 400 with the field errors and nothing changed.
"""
import datetime as dt
import hashlib
import zoneinfo

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers as drf_serializers
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from api import selectors
from api.idempotency import IdempotentWrites
from api.serializers import (
    SLOT_YEARS,
    AttendanceInputSerializer,
    BookingCancelInputSerializer,
    BookingCreateInputSerializer,
    BookingRescheduleInputSerializer,
    BookingSerializer,
    ClientSerializer,
    MeetingTypeSerializer,
    OrderCreateInputSerializer,
    OrderDetailSerializer,
    OrderSerializer,
    PackageSerializer,
    PaymentSerializer,
    SlotQuerySerializer,
    SlotSerializer,
    order_list_data,
)
from leadmonk.content_version import BOOKINGS, CONTENT, ORDERS, cached_fragment
from leadmonk.phones import normalize_mobile
from leadmonk.timezones import is_valid_timezone
from orders.models import OrderStatus
from orders.rules import client_phone_needed
from orders.services import order_session_book
from payments.forms import OrderIssueForm
from payments.models import PaymentStatus
from payments.selectors import packages_for_issuing
from payments.services import order_issue
from scheduling.attendance import booking_mark_attendance
from scheduling.availability import available_slots
from scheduling.booking_forms import CLIENT_MOBILE_REQUIRED
from scheduling.booking_step import picker_minute
from scheduling.holds import booking_hold
from scheduling.models import BookedBy, BookingStatus
from scheduling.rules import BookingPath
from scheduling.services import booking_cancel, booking_create, booking_reschedule

MAX_SLOT_DAYS = 62


def _found(row):
    if row is None:
        raise Http404
    return row


def _choice(request, name: str, choices) -> str:
    value = request.query_params.get(name, "")
    if value and value not in choices:
        raise ValidationError({name: [f"Choose one of: {', '.join(choices)}."]})
    return value


def _email(request) -> str:
    value = request.query_params.get("email", "")
    if "\x00" in value or len(value) > 254:
        raise ValidationError({"email": ["Enter an email address."]})
    return value


def _datetime(request, name: str) -> dt.datetime | None:
    value = request.query_params.get(name)
    if not value:
        return None
    try:
        return drf_serializers.DateTimeField().run_validation(value)
    except ValidationError as error:
        raise ValidationError({name: error.detail}) from None


def _int_param(request, name: str) -> int | None:
    value = request.query_params.get(name)
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or len(value) > 18:
        raise ValidationError({name: ["Enter a whole number."]})
    return int(value)


def _address_key(request) -> str:
    """The request's whole address (scheme, host, path, query) as a cache key's part."""
    return hashlib.sha256(request.build_absolute_uri().encode("utf-8", "surrogatepass")).hexdigest()


class OwnerListView(ListAPIView):
    """A list of the key owner's rows in cursor pages (ListAPIView, so the schema shows the page)."""

    def list_response(self, queryset):
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


# --- Meeting types and their free times ----------------------------------------------------------------


class MeetingTypeList(OwnerListView):
    serializer_class = MeetingTypeSerializer

    @extend_schema(summary="List meeting types", tags=["Meeting types"])
    def get(self, request):
        return self.list_response(selectors.meeting_types_for_api(request.user))


class MeetingTypeDetail(GenericAPIView):
    serializer_class = MeetingTypeSerializer

    @extend_schema(summary="Get a meeting type", tags=["Meeting types"])
    def get(self, request, pk: int):
        return Response(self.get_serializer(_found(selectors.meeting_type_for_api(request.user, pk))).data)


def _slot_query(request) -> tuple[dt.date, dt.date, str]:
    """The free times' first and last day and zone, as asked (or a ValidationError)."""
    query = SlotQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    first, last = query.validated_data["start"], query.validated_data["end"]
    for name, day in (("start", first), ("end", last)):
        if day.year not in SLOT_YEARS:
            raise ValidationError({name: [f"Enter a day between {SLOT_YEARS[0]} and {SLOT_YEARS[-1]}."]})
    zone = query.validated_data["timezone"] or request.user.timezone or "UTC"
    if not is_valid_timezone(zone):
        raise ValidationError({"timezone": ["Enter an IANA time zone, like Europe/Berlin."]})
    if last < first:
        raise ValidationError({"end": ["The end must be on or after the start."]})
    if (last - first).days >= MAX_SLOT_DAYS:
        raise ValidationError({"end": [f"Ask for at most {MAX_SLOT_DAYS} days at a time."]})
    return first, last, zone


class MeetingTypeFreeTimes(GenericAPIView):
    serializer_class = SlotSerializer
    pagination_class = None

    @extend_schema(summary="Free times of a meeting type", tags=["Meeting types"], parameters=[SlotQuerySerializer],
                   description="The times a client can book now, from the slot engine the booking page uses "
                               f"(availability, bookings, buffers, notice, horizon). At most {MAX_SLOT_DAYS} days.",
                   responses=SlotSerializer(many=True))
    def get(self, request, pk: int):
        try:
            first, last, zone = _slot_query(request)
        except ValidationError:
            _found(selectors.meeting_type_for_api(request.user, pk))  # someone else's id: 404 first
            raise
        now, minute = picker_minute(timezone.now())
        tz = zoneinfo.ZoneInfo(zone)
        range_start = dt.datetime.combine(first, dt.time(), tzinfo=tz)
        range_end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=tz)

        def free_times() -> list | None:
            meeting_type = selectors.meeting_type_for_api(request.user, pk)
            if meeting_type is None:
                return None
            slots = [] if not meeting_type.is_bookable else available_slots(
                meeting_type=meeting_type, range_start=range_start, range_end=range_end, now=now)
            return SlotSerializer(slots, many=True).data

        if request.accepted_media_type != JSONRenderer.media_type:  # `; indent=4` asked: rendered as asked
            return Response(_found(free_times()))

        def render() -> bytes | None:
            data = free_times()
            return None if data is None else JSONRenderer().render(data)

        # The answer, as the renderer writes it, is kept under the owner's content version (the
        # meeting type, hours, overrides, their row) and bookings version (bookings, holds, other
        # calendars' busy times), as the public month picker is (scheduling.booking_step), per
        # minute: starts, notices and horizons are whole minutes, so every `now` strictly inside a
        # minute offers what its middle offers (picker_minute). An id of someone else's is None: 404.
        body = cached_fragment(owner_id=request.user.pk, name="api_free_times", kinds=(CONTENT, BOOKINGS),
                               extra=f"{pk}:{first.isoformat()}:{last.isoformat()}:{zone}:{minute}", render=render)
        return HttpResponse(_found(body), content_type=JSONRenderer.media_type)


# --- Packages ------------------------------------------------------------------------------------------


class PackageList(OwnerListView):
    serializer_class = PackageSerializer

    @extend_schema(summary="List packages", tags=["Packages"])
    def get(self, request):
        return self.list_response(selectors.packages_for_api(request.user))


class PackageDetail(GenericAPIView):
    serializer_class = PackageSerializer

    @extend_schema(summary="Get a package", tags=["Packages"])
    def get(self, request, pk: int):
        package = _found(selectors.packages_for_api(request.user).filter(pk=pk).first())
        return Response(self.get_serializer(package).data)


# --- Orders --------------------------------------------------------------------------------------------

ORDER_FILTERS = [
    OpenApiParameter("status", str, enum=OrderStatus.values),
    OpenApiParameter("email", str, description="The client's email (any case)."),
    OpenApiParameter("created_after", dt.datetime, description="Created at or after (ISO 8601)."),
    OpenApiParameter("created_before", dt.datetime, description="Created before (ISO 8601)."),
]


class OrderList(IdempotentWrites, OwnerListView):
    serializer_class = OrderSerializer

    @extend_schema(summary="List orders", tags=["Orders"], parameters=ORDER_FILTERS)
    def get(self, request):
        filters = dict(status=_choice(request, "status", OrderStatus.values), email=_email(request),
                       created_after=_datetime(request, "created_after"),
                       created_before=_datetime(request, "created_before"))

        def page() -> Response:
            orders = self.paginate_queryset(selectors.order_list_for_api(request.user, **filters))
            # OrderSerializer's output, written by hand (api.serializers.order_list_data).
            items = selectors.order_item_rows([order.pk for order in orders])
            return self.get_paginated_response(order_list_data(orders, items))

        if request.accepted_media_type != JSONRenderer.media_type:  # `; indent=4` asked: rendered as asked
            return page()
        # The page, as the renderer writes it, is kept under the owner's orders version (bumped by
        # every write of an order, its items or its credit ledger, update() included:
        # leadmonk.content_version.ORDERS), keyed by the whole address: its `next` and `previous`
        # links are absolute and keep every parameter. It shows nothing that changes with the clock.
        body = cached_fragment(owner_id=request.user.pk, name="api_orders", kinds=(ORDERS,),
                               extra=_address_key(request), render=lambda: JSONRenderer().render(page().data))
        return HttpResponse(body, content_type=JSONRenderer.media_type)

    @extend_schema(summary="Issue an order", tags=["Orders"], request=OrderCreateInputSerializer,
                   responses={201: OrderDetailSerializer},
                   description="An order of one of your published packages for a client, as the dashboard's "
                               "\"New order\": paid outside the app, complimentary, or waiting for the client's "
                               "payment (they are emailed the order link). The package's questions to the "
                               "client are left unanswered; a package with a question that must be answered is "
                               "refused (400 on `package_id`).")
    def post(self, request):
        shape = OrderCreateInputSerializer(data=request.data)
        shape.is_valid(raise_exception=True)
        # The API asks the client no questions: the package's are as if shown and left empty (an
        # optional one stays unanswered, as on "New order"; a required one is refused below).
        data = {**shape.validated_data, "package": shape.validated_data["package_id"],
                "questions_for": str(shape.validated_data["package_id"])}
        # The dashboard form's own checks (a published package of this owner, the mobile rule), so the
        # API and the page can never disagree.
        form = OrderIssueForm(data, packages=packages_for_issuing(request.user))
        if not form.is_valid():
            raise ValidationError(_order_form_errors(form))
        clean = form.cleaned_data
        order = order_issue(owner=request.user, package=clean["package"], client_name=clean["client_name"],
                            client_email=clean["client_email"], client_phone=clean["client_phone"],
                            mode=clean["mode"], note=clean["note"], answers=form.answers())
        order = selectors.order_for_api(request.user, order.pk)
        return Response(OrderDetailSerializer(order, context={"ledger": selectors.order_ledger_for_api(order)}).data,
                        status=status.HTTP_201_CREATED)


def _order_form_errors(form: OrderIssueForm) -> dict[str, list[str]]:
    """The "New order" form's errors under the API's field names; a required question of the
    package (which the API cannot answer) is said on `package_id`."""
    names = {"package": "package_id", "__all__": "non_field_errors"}
    questions = dict(zip(form.question_names, form.questions, strict=True))  # field name -> question
    errors: dict[str, list[str]] = {}
    for field, messages in form.errors.items():
        if field in questions:
            messages = [f"This package asks the client a question that must be answered (“{questions[field].text}”), "
                        "which the API cannot send: issue this order from the dashboard's New order."]
            field = "package"
        errors.setdefault(names.get(field, field), []).extend(messages)
    return errors


class OrderDetail(GenericAPIView):
    serializer_class = OrderDetailSerializer

    @extend_schema(summary="Get an order with its items, balances and credit ledger", tags=["Orders"])
    def get(self, request, pk: int):
        order = _found(selectors.order_for_api(request.user, pk))
        return Response(OrderDetailSerializer(order, context={"ledger": selectors.order_ledger_for_api(order)}).data)


# --- Bookings ------------------------------------------------------------------------------------------

BOOKING_FILTERS = [
    OpenApiParameter("status", str, enum=BookingStatus.values),
    OpenApiParameter("email", str, description="The client's email (any case)."),
    OpenApiParameter("meeting_type_id", int),
    OpenApiParameter("order_id", int),
    OpenApiParameter("start_after", dt.datetime, description="Starting at or after (ISO 8601)."),
    OpenApiParameter("start_before", dt.datetime, description="Starting before (ISO 8601)."),
]


def _booking_response(request, booking, status_code=status.HTTP_200_OK) -> Response:
    return Response(BookingSerializer(selectors.booking_for_api(request.user, booking.pk)).data, status=status_code)


class BookingList(IdempotentWrites, OwnerListView):
    serializer_class = BookingSerializer
    keyset_key = "start"

    @extend_schema(summary="List bookings", tags=["Bookings"], parameters=BOOKING_FILTERS,
                   description="Latest start first.")
    def get(self, request):
        return self.list_response(selectors.bookings_for_api(
            request.user, status=_choice(request, "status", BookingStatus.values),
            email=_email(request), meeting_type_id=_int_param(request, "meeting_type_id"),
            order_id=_int_param(request, "order_id"), start_after=_datetime(request, "start_after"),
            start_before=_datetime(request, "start_before"),
        ))

    @extend_schema(summary="Book a time", tags=["Bookings"], request=BookingCreateInputSerializer,
                   responses={201: BookingSerializer},
                   description="With `order_item_id`: one session of an order for its client (a credit of the "
                               "item, as \"Book for client\" on the order page). With `meeting_type_id`: a "
                               "Public or Secret meeting type for the client you name (a paid one is held "
                               "while the client pays: status `held`). The same locks and rules as the pages, "
                               "the meeting type's minimum notice included (as on the public page); a time "
                               "just taken, or too soon, is a 409.")
    def post(self, request):
        shape = BookingCreateInputSerializer(data=request.data)
        shape.is_valid(raise_exception=True)
        data = shape.validated_data
        zone = data["client_timezone"]
        if zone and not is_valid_timezone(zone):
            raise ValidationError({"client_timezone": ["Enter an IANA time zone, like Europe/Berlin."]})
        if data.get("order_item_id") is not None:
            item = selectors.order_item_for_api(request.user, data["order_item_id"])
            if item is None:
                raise ValidationError({"order_item_id": ["No order item of yours has this id."]})
            # Through the API a time keeps the meeting type's minimum notice, as on the public page
            # (scheduling.rules.held_to_min_notice).
            booking = order_session_book(item=item, start=data["start"], booked_by=BookedBy.OWNER,
                                         client_timezone=zone, client_phone=_session_phone(item, data),
                                         limit_override_note=data["limit_override_note"], through_api=True)
            return _booking_response(request, booking, status.HTTP_201_CREATED)
        meeting_type = selectors.meeting_type_for_api(request.user, data["meeting_type_id"])
        if meeting_type is None:
            raise ValidationError({"meeting_type_id": ["No meeting type of yours has this id."]})
        phone = data["client_phone"].strip()
        if phone or meeting_type.client_phone_required:
            try:
                phone = normalize_mobile(phone)
            except DjangoValidationError as error:  # the mobile-number rule's words (leadmonk.phones)
                raise ValidationError({"client_phone": list(error.messages)}) from None
        details = dict(meeting_type=meeting_type, start=data["start"], client_name=data["client_name"],
                       client_email=data["client_email"], client_phone=phone,
                       client_timezone=zone or request.user.timezone or "UTC", path=BookingPath.SECRET_LINK)
        if meeting_type.is_paid:
            booking = booking_hold(**details)  # confirmed once paid, as on the booking page
        else:
            booking = booking_create(**details, booked_by=BookedBy.OWNER, through_api=True)
        return _booking_response(request, booking, status.HTTP_201_CREATED)


def _session_phone(item, data) -> str:
    """The number given for a session of an order: required when its meeting needs one the order
    lacks (orders.rules.client_phone_needed: the host calls the client), as on "Book for client"."""
    phone = data["client_phone"].strip()
    if not phone:
        if client_phone_needed(item):
            raise ValidationError({"client_phone": [CLIENT_MOBILE_REQUIRED]})
        return ""
    try:
        return normalize_mobile(phone, zone=item.order.client_timezone)
    except DjangoValidationError as error:  # the mobile-number rule's words (leadmonk.phones)
        raise ValidationError({"client_phone": list(error.messages)}) from None


class BookingDetail(GenericAPIView):
    serializer_class = BookingSerializer

    @extend_schema(summary="Get a booking", tags=["Bookings"])
    def get(self, request, pk: int):
        return Response(self.get_serializer(_found(selectors.booking_for_api(request.user, pk))).data)


class BookingAction(IdempotentWrites, GenericAPIView):
    """A POST on one of the owner's bookings: the input is checked, then one service is called."""

    input_serializer = None

    def get_serializer_class(self):
        return self.input_serializer

    def post(self, request, pk: int):
        booking = _found(selectors.booking_for_api(request.user, pk))
        shape = self.input_serializer(data=request.data)
        shape.is_valid(raise_exception=True)
        self.act(booking, shape.validated_data)
        return _booking_response(request, booking)


class BookingReschedule(BookingAction):
    input_serializer = BookingRescheduleInputSerializer

    @extend_schema(summary="Move a booking", tags=["Bookings"], request=BookingRescheduleInputSerializer,
                   responses=BookingSerializer,
                   description="Keeps its credit and its length; the client is emailed as when you move it. "
                               "The new time keeps the meeting type's minimum notice.")
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, booking, data) -> None:
        booking_reschedule(booking=booking, new_start=data["start"], by=BookedBy.OWNER, through_api=True)


class BookingCancel(BookingAction):
    input_serializer = BookingCancelInputSerializer

    @extend_schema(summary="Cancel a booking", tags=["Bookings"], request=BookingCancelInputSerializer,
                   responses=BookingSerializer, description="Its credit (if any) returns; the client is emailed.")
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, booking, data) -> None:
        booking_cancel(booking=booking, by=BookedBy.OWNER, reason=data["reason"])


class BookingAttendance(BookingAction):
    input_serializer = AttendanceInputSerializer

    @extend_schema(summary="Mark attendance", tags=["Bookings"], request=AttendanceInputSerializer,
                   responses=BookingSerializer,
                   description="Of a session that has started: attended or no-show (a no-show may use the credit).")
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, booking, data) -> None:
        booking_mark_attendance(booking=booking, attendance=data["attendance"], by_user=self.request.user)


# --- Clients and payments ------------------------------------------------------------------------------


class ClientList(GenericAPIView):
    serializer_class = ClientSerializer
    pagination_class = None

    @extend_schema(summary="List clients", tags=["Clients"], parameters=[
        OpenApiParameter("after", str, description="Cursor: the page after this one (from `next`)."),
        OpenApiParameter("before", str, description="Cursor: the page before this one (from `previous`)."),
        OpenApiParameter("limit", int, description="Rows per page (default 50, at most 200)."),
    ], responses=inline_serializer("ClientPage", {
        "next": drf_serializers.CharField(allow_null=True),
        "previous": drf_serializers.CharField(allow_null=True),
        "results": ClientSerializer(many=True),
    }), description="Everyone who ordered or booked, by email (lowercased), sorted by email; erased "
                    "clients are not listed.")
    def get(self, request):
        # The cursors are the emails at the page's edges, as leadmonk.keyset's: `before` back at
        # the top gives the first page, full.
        clients = sorted(selectors.clients_for_api(request.user), key=lambda row: row["email"])
        after, before = request.query_params.get("after", ""), request.query_params.get("before", "")
        try:
            size = min(max(int(request.query_params.get("limit", 50)), 1), 200)
        except ValueError:
            size = 50
        if after:
            rest = [row for row in clients if row["email"] > after]
            page, has_previous, has_next = rest[:size], len(rest) < len(clients), len(rest) > size
        elif before and len(earlier := [row for row in clients if row["email"] < before]) > size:
            page, has_previous, has_next = earlier[-size:], True, True
        else:
            page, has_previous, has_next = clients[:size], False, len(clients) > size

        def link(name: str, email: str) -> str:
            query = request.query_params.copy()
            query.pop("after", None)
            query.pop("before", None)
            query[name] = email
            return request.build_absolute_uri(request.path + "?" + query.urlencode())

        return Response({"next": link("after", page[-1]["email"]) if has_next and page else None,
                         "previous": link("before", page[0]["email"]) if has_previous and page else None,
                         "results": ClientSerializer(page, many=True).data})


class PaymentList(OwnerListView):
    serializer_class = PaymentSerializer

    @extend_schema(summary="List payments", tags=["Payments"],
                   parameters=[OpenApiParameter("status", str, enum=PaymentStatus.values)])
    def get(self, request):
        return self.list_response(selectors.payments_for_api(
            request.user, status=_choice(request, "status", PaymentStatus.values)))

