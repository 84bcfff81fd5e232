"""The owner's order pages: the list, one order, booking on the client's behalf, rescheduling or
cancelling its bookings, resending the confirmation and cancelling the order."""
import datetime as dt
import html
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST

from accounts.templatetags.text_tags import email_wrap
from leadmonk import money
from leadmonk.content_version import CONTENT, ORDERS
from leadmonk.csv_export import ExportRangeForm, export_response
from leadmonk.dashboard_pages import cached_page
from leadmonk.keyset import keyset_page
from leadmonk.sections import collect_parts
from orders import exports
from orders.credits import CreditError, booking_credit_return, ledger_adjust, order_extend
from orders.forms import CreditAdjustForm, OrderExtendForm, OrderFilterForm, OwnerSessionForm
from orders.gifts import undelivered_gift
from orders.lifecycle import order_cancel
from orders.models import OrderItem, OrderStatus, PackageOrder
from orders.rules import BookingLimitReached, client_phone_needed
from orders.selectors import order_bookings, order_for_owner, order_ledger, order_list_for_owner, with_item_progress
from orders.services import OrderError, order_session_book
from orders.signals import order_confirmation_requested, owner_order_page_parts
from packages.models import Package
from scheduling.attendance import booking_mark_attendance
from scheduling.booking_forms import AttendanceForm, CancelForm
from scheduling.booking_step import Step, StepWording, TimeStep, cancel_step
from scheduling.models import BookedBy, Booking, BookingStatus
from scheduling.services import BookingError, booking_cancel, booking_reschedule

PAGE_SIZE = 25
OWNER_BOOK_WORDING = StepWording(picker_heading="Pick a date", confirm_heading="Confirm",
                                 confirm_button="Book for client",
                                 picker_note="Minimum notice does not apply to you.")
OWNER_MOVE_WORDING = StepWording(picker_heading="Pick a new date", confirm_heading="Confirm",
                                 confirm_button="Move the session here", confirm_note="The client keeps the credit.")
ORDER_CANCEL_REASON = {"reason_label": "Reason (sent to the client)", "reason_help": ""}


def _get_order_for_owner(request: HttpRequest, pk: int) -> PackageOrder:
    order = order_for_owner(owner=request.user, pk=pk)
    if order is None:
        raise Http404
    return order


def _item_of_order(order: PackageOrder, item_id: int) -> OrderItem:
    for item in with_item_progress(order):
        if item.pk == item_id:
            return item
    raise Http404


def _booking_of_order(order: PackageOrder, booking_id: int) -> Booking:
    for booking in order_bookings(order):
        if booking.pk == booking_id:
            return booking
    raise Http404


def _detail_url(order: PackageOrder) -> str:
    return reverse("orders:detail", args=[order.pk])


# The detail page's URL with a stand-in for the order's id: one reverse() per list, not one per row.
_ID_STAND_IN = 987654321


def _order_rows_html(orders, *, zone: ZoneInfo) -> str:
    """The <tr>s of the dashboard list, built in Python: the rows' template (25 rows, each with a
    reverse(), a date and a dozen escapes through the template engine) was half of the page's CPU.
    The day ordered is the owner's day (`zone`), as on the order's own page."""
    detail_url, stand_in = reverse("orders:detail", args=[_ID_STAND_IN]), str(_ID_STAND_IN)
    statuses = {value: html.escape(str(label)) for value, label in OrderStatus.choices}
    prices: dict[tuple, str] = {}
    days: dict[dt.date, str] = {}
    rows = []
    for order in orders:
        url = detail_url.replace(stand_in, str(order.pk))
        price = prices.get((order.price, order.currency))
        if price is None:
            price = prices[order.price, order.currency] = html.escape(money.price_label(order.price, order.currency))
        day = timezone.localtime(order.created_at, zone).date()
        created = days.get(day) or days.setdefault(day, dateformat.format(day, "j M Y"))
        status = statuses.get(order.status) or html.escape(order.status)
        name = html.escape(order.client_name)
        rows.append(
            f'<tr><td data-label="Client"><div class="client-cell"><a href="{url}">{name}</a> '
            f'<span class="muted small">{email_wrap(order.client_email)}</span></div></td>'
            f'<td data-label="Package">{html.escape(order.title)}</td>'
            f'<td data-label="Status"><span class="badge badge-{html.escape(order.status)}">{status}</span></td>'
            f'<td data-label="Amount" class="nowrap">{price}</td>'
            f'<td data-label="Sessions" class="nowrap">{order.sessions_used} used · {order.sessions_left} left</td>'
            f'<td data-label="Ordered" class="nowrap">{created}</td></tr>'
        )
    return mark_safe("\n".join(rows))  # noqa: S308 - every value above is escaped


@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    def context() -> dict:
        packages = Package.objects.for_owner(request.user).only("name").order_by("name", "id")  # the filter's choices
        form = OrderFilterForm(request.GET or None, packages=packages)
        filters = form.cleaned_data if form.is_valid() else {}
        orders = order_list_for_owner(
            owner=request.user,
            status=filters.get("status") or "",
            package_id=filters.get("package"),
            search=filters.get("q") or "",
        )
        page = keyset_page(orders, request.GET, key="created_at", descending=True, size=PAGE_SIZE)
        return {
            "form": form,
            "page": page,
            "orders": page.object_list,
            "rows": _order_rows_html(page.object_list, zone=ZoneInfo(request.user.timezone or "UTC")),
            "filtered": any(filters.values()),
            "export_form": ExportRangeForm(),
        }

    # The owner's orders (ORDERS) and package names for the filter (CONTENT); nothing moves with time.
    return cached_page(request, name="orders_list", template="orders/dashboard_list.html", context=context,
                       kinds=(CONTENT, ORDERS))


def _render_detail(request: HttpRequest, order: PackageOrder, *, adjust_form: CreditAdjustForm | None = None,
                   extend_form: OrderExtendForm | None = None, status: int = 200) -> HttpResponse:
    items = with_item_progress(order)
    return render(
        request,
        "orders/dashboard_detail.html",
        {
            "order": order,
            "items": items,
            "bookings": order_bookings(order),
            "ledger": order_ledger(order),
            "adjust_form": adjust_form or CreditAdjustForm(items=items),
            "extend_form": extend_form or OrderExtendForm(),
            "expired": order.is_expired(timezone.now()),
            "viewer_tz": request.user.timezone,
            "now": timezone.now(),
            "cancel_form": CancelForm(**ORDER_CANCEL_REASON),
            # What the apps above add (payments: the refund box, "Cancel order" with a refund).
            "parts": collect_parts(owner_order_page_parts, request=request, order=order),
        },
        status=status,
    )


def _owner_step(request: HttpRequest, *, order: PackageOrder, item: OrderItem, wording: StepWording,
                booking: Booking | None, commit, success: str) -> HttpResponse:
    """The owner's booking step on an order (not held to the minimum notice). A new session whose
    meeting needs the client's number, on an order without one, asks the owner for it; on an order
    with a booking limit, the owner may book over it with a note (OwnerSessionForm)."""
    limited = booking is None and (order.max_sessions_per_week is not None
                                   or order.max_sessions_per_month is not None)
    step = TimeStep(request, meeting_type=item.meeting_type if booking is None else booking.meeting_type,
                    default_tz=request.user.timezone, wording=wording, moving=booking, enforce_notice=False,
                    duration=item.duration if booking is None else None,  # a booking moves at its own length
                    owner_page=True, form_class=OwnerSessionForm,
                    form_kwargs={"requires_mobile": booking is None and client_phone_needed(item), "for_owner": True,
                                 "zone": order.client_timezone, "limited": limited})

    def done(_result) -> HttpResponse:
        messages.success(request, success)
        return redirect(_detail_url(order))

    def page(current: Step) -> HttpResponse:
        return render(request, "orders/dashboard_book.html",
                      {"order": order, "item": item, "booking": booking, "step": current})

    return step.handle(commit=commit, done=done, page=page)


@login_required
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, _get_order_for_owner(request, pk))


@login_required
@require_POST
def order_credit_adjust(request: HttpRequest, pk: int) -> HttpResponse:
    """Add or remove credits of one item by hand (a ledger entry with the owner's reason). A bad
    value, or one that would leave fewer than zero credits, is shown next to its field and changes nothing."""
    order = _get_order_for_owner(request, pk)
    items = with_item_progress(order)
    form = CreditAdjustForm(request.POST, items=items)
    if form.is_valid():
        item = next(item for item in items if item.pk == form.cleaned_data["item"])
        try:
            ledger_adjust(item=item, change=form.cleaned_data["change"], note=form.cleaned_data["note"],
                          by_user=request.user)
        except CreditError as error:
            form.add_error("change", error.message)
        else:
            change = form.cleaned_data["change"]
            verb = "added to" if change > 0 else "removed from"
            messages.success(request, f"{abs(change)} session{'s' if abs(change) != 1 else ''} {verb} "
                                      f"{item.meeting_type_name}.")
            return redirect(_detail_url(order) + "#ledger-title")
    return _render_detail(request, order, adjust_form=form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def order_book(request: HttpRequest, pk: int, item_id: int) -> HttpResponse:
    """Book a session of an item on the client's behalf (not held to the minimum notice)."""
    order = _get_order_for_owner(request, pk)
    item = _item_of_order(order, item_id)
    if item.booking_refusal is not None:  # orders.rules, asked by the selector
        messages.error(request, item.booking_refusal.message)
        return redirect(_detail_url(order))
    def book(data: dict) -> Booking:
        try:
            return order_session_book(item=item, start=data["start"], booked_by=BookedBy.OWNER,
                                      client_phone=data.get("client_phone", ""),
                                      limit_override_note=data.get("override_note", ""))
        except BookingLimitReached as refusal:
            raise BookingLimitReached(f"{refusal.message} To book it anyway, choose the time again, tick "
                                      "“Book over this package's booking limit” and say why.") from None

    return _owner_step(
        request, order=order, item=item, wording=OWNER_BOOK_WORDING, booking=None, commit=book,
        success=f"Session of {item.meeting_type_name} booked for {order.client_name}.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def order_booking_reschedule(request: HttpRequest, pk: int, booking_id: int) -> HttpResponse:
    order = _get_order_for_owner(request, pk)
    booking = _booking_of_order(order, booking_id)
    if booking.status != BookingStatus.CONFIRMED:
        messages.error(request, "This booking was already cancelled.")
        return redirect(_detail_url(order))
    booking.meeting_type.owner = order.owner
    return _owner_step(
        request, order=order, item=booking.order_item, wording=OWNER_MOVE_WORDING, booking=booking,
        commit=lambda data: booking_reschedule(booking=booking, new_start=data["start"], by=BookedBy.OWNER),
        success="The session was rescheduled; the client keeps the credit.",
    )


@login_required
@require_POST
def order_booking_cancel(request: HttpRequest, pk: int, booking_id: int) -> HttpResponse:
    order = _get_order_for_owner(request, pk)
    booking = _booking_of_order(order, booking_id)
    # orders.credits._give_back expires the credit again, also when the expiry task has not run yet.
    if order.credits_expired_at is not None or order.is_expired(timezone.now()):
        success = ("The session was cancelled; its credit came back and expired with the order's other sessions: "
                   "extend the order to let the client book it.")
    else:
        success = "The session was cancelled; its credit is back on the order."
    return cancel_step(
        request,
        cancel=lambda reason: booking_cancel(booking=booking, by=BookedBy.OWNER, reason=reason),
        success=success,
        next_url=_detail_url(order),
    )


@login_required
@require_POST
def order_resend_confirmation(request: HttpRequest, pk: int) -> HttpResponse:
    order = _get_order_for_owner(request, pk)
    if not order.is_active:
        messages.error(request, "Only an active order has a confirmation to resend.")
    else:
        order_confirmation_requested.send(sender=PackageOrder, order=order)
        # A gift not sent yet is still the buyer's: its receipt goes to them, not to the recipient.
        gift = undelivered_gift(order)
        sent_to = gift.buyer_email if gift is not None else order.client_email
        messages.success(request, f"The order confirmation was sent again to {sent_to}.")
    return redirect(_detail_url(order))


@login_required
@require_POST
def order_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    order = _get_order_for_owner(request, pk)
    form = CancelForm(request.POST, **ORDER_CANCEL_REASON)
    if not form.is_valid():
        messages.error(request, form.error_message())
        return redirect(_detail_url(order))
    try:
        order_cancel(order=order, by_owner=True, reason=form.cleaned_data["reason"])
    except OrderError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "The order was cancelled, its upcoming sessions too, and the client was told.")
    return redirect(_detail_url(order))


@login_required
@require_POST
def order_booking_attendance(request: HttpRequest, pk: int, booking_id: int) -> HttpResponse:
    """Mark a session of the order attended or a no-show; the ledger follows the order's policy."""
    order = _get_order_for_owner(request, pk)
    booking = _booking_of_order(order, booking_id)
    form = AttendanceForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["attendance"][0])
        return redirect(_detail_url(order))
    try:
        booking, changed = booking_mark_attendance(
            booking=booking, attendance=form.cleaned_data["attendance"], by_user=request.user)
    except BookingError as error:
        messages.error(request, error.message)
    else:
        marked = booking.get_attendance_display().lower()
        if changed:
            messages.success(request, f"The session is marked {marked}.")
        else:
            messages.info(request, f"This session is already marked {marked}.")
    return redirect(_detail_url(order) + "#bookings-title")


@login_required
@require_POST
def order_booking_return_credit(request: HttpRequest, pk: int, booking_id: int) -> HttpResponse:
    """Give back the credit a session holds (a late cancel, a no-show, a goodwill gesture)."""
    order = _get_order_for_owner(request, pk)
    booking = _booking_of_order(order, booking_id)
    try:
        booking_credit_return(booking=booking, by_user=request.user)
    except CreditError as error:
        messages.error(request, error.message)
    else:
        order.refresh_from_db(fields=["credits_expired_at"])
        if order.credits_expired_at is not None:  # orders.credits._give_back expired it again
            messages.success(request, "The session was given back, and expired with the order's other sessions: "
                                      "extend the order to let the client book it.")
        else:
            messages.success(request, "The session was given back: the client can book it again.")
    return redirect(_detail_url(order) + "#ledger-title")


@login_required
@require_POST
def order_extend_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Move the order's expiry later; expired sessions come back (ledger). Bad input is shown next
    to the field and changes nothing."""
    order = _get_order_for_owner(request, pk)
    form = OrderExtendForm(request.POST)
    if form.is_valid():
        try:
            order_extend(order=order, days=form.cleaned_data["days"], by_user=request.user)
        except CreditError as error:
            form.add_error("days", error.message)
        else:
            days = form.cleaned_data["days"]
            messages.success(request, f"The order was extended by {days} day{'s' if days != 1 else ''}.")
            return redirect(_detail_url(order) + "#ledger-title")
    return _render_detail(request, order, extend_form=form, status=400)


@login_required
@require_http_methods(["GET", "HEAD"])
def order_export(request: HttpRequest) -> HttpResponse:
    """The owner's orders placed in a date range, as CSV (or the range form with its message)."""
    return export_response(
        request, title="orders", basename="orders", back_url=reverse("orders:list"), header=exports.order_header,
        rows=lambda start, end, tz: exports.order_rows(request.user, start, end, tz),
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def ledger_export(request: HttpRequest) -> HttpResponse:
    """Every credit movement of the owner's orders in a date range, as CSV."""
    return export_response(
        request, title="credit ledger", basename="credit-ledger", back_url=reverse("orders:list"),
        header=exports.ledger_header, rows=lambda start, end, tz: exports.ledger_rows(request.user, start, end, tz),
    )
