"""The owner's order pages: the list, one order, booking on the client's behalf, rescheduling or
cancelling its bookings, resending the confirmation and cancelling the order."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from leadmonk.timezones import viewer_timezone
from notifications import services as notifications
from orders.credits import CreditError, ledger_adjust
from orders.forms import CreditAdjustForm, OrderCancelForm, OrderFilterForm, SlotChoiceForm
from orders.models import OrderItem, PackageOrder
from orders.picker import picker_context
from orders.selectors import order_bookings, order_for_owner, order_ledger, order_list_for_owner, with_item_progress
from orders.services import OrderError, order_cancel, order_session_book
from packages.models import Package
from scheduling.booking_forms import CancelForm
from scheduling.models import BookedBy, Booking, BookingStatus
from scheduling.services import BookingError, booking_cancel, booking_reschedule

PAGE_SIZE = 25
REFUND_TEMPLATE = "payments/_order_refund.html"


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


def _has_template(name: str) -> bool:
    try:
        get_template(name)
    except TemplateDoesNotExist:
        return False
    return True


def _detail_url(order: PackageOrder) -> str:
    return reverse("orders:detail", args=[order.pk])


@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    packages = Package.objects.for_owner(request.user).order_by("name", "id")
    form = OrderFilterForm(request.GET or None, packages=packages)
    filters = form.cleaned_data if form.is_valid() else {}
    orders = order_list_for_owner(
        owner=request.user,
        status=filters.get("status") or "",
        package_id=filters.get("package"),
        search=filters.get("q") or "",
    )
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "orders/dashboard_list.html",
        {
            "form": form,
            "page": page,
            "orders": page.object_list,
            "filtered": any(filters.values()),
            "query": query.urlencode(),
        },
    )


def _render_detail(request: HttpRequest, order: PackageOrder, *, adjust_form: CreditAdjustForm | None = None,
                   status: int = 200) -> HttpResponse:
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
            "viewer_tz": request.user.timezone,
            "now": timezone.now(),
            "cancel_form": OrderCancelForm(),
            "has_refund_template": _has_template(REFUND_TEMPLATE),
        },
        status=status,
    )


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
    if not item.can_schedule:
        if not order.is_active:
            messages.error(request, "Sessions can only be booked on a paid, active order.")
        elif item.meeting_type_unavailable:
            messages.error(request, "This meeting type can no longer be scheduled.")
        else:
            messages.error(request, "No sessions left for this item.")
        return redirect(_detail_url(order))
    if request.method == "POST":
        form = SlotChoiceForm(request.POST)
        if not form.is_valid():
            messages.error(request, form.errors["start"][0])
            return redirect(request.path)
        try:
            order_session_book(item=item, start=form.cleaned_data["start"], booked_by=BookedBy.OWNER)
        except BookingError as error:
            messages.error(request, error.message)
            return redirect(request.path)
        messages.success(request, f"Session of {item.meeting_type_name} booked for {order.client_name}.")
        return redirect(_detail_url(order))
    viewer_tz = viewer_timezone(request, request.user.timezone)
    return render(
        request,
        "orders/dashboard_book.html",
        {
            "order": order,
            "item": item,
            "booking": None,
            **picker_context(request, meeting_type=item.meeting_type, viewer_tz=viewer_tz, enforce_notice=False),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def order_booking_reschedule(request: HttpRequest, pk: int, booking_id: int) -> HttpResponse:
    order = _get_order_for_owner(request, pk)
    booking = _booking_of_order(order, booking_id)
    if booking.status != BookingStatus.CONFIRMED:
        messages.error(request, "This booking was already cancelled.")
        return redirect(_detail_url(order))
    if request.method == "POST":
        form = SlotChoiceForm(request.POST)
        if not form.is_valid():
            messages.error(request, form.errors["start"][0])
            return redirect(request.path)
        try:
            booking_reschedule(booking=booking, new_start=form.cleaned_data["start"], by=BookedBy.OWNER)
        except BookingError as error:
            messages.error(request, error.message)
            return redirect(request.path)
        messages.success(request, "The session was rescheduled; the client keeps the credit.")
        return redirect(_detail_url(order))
    booking.meeting_type.owner = order.owner
    viewer_tz = viewer_timezone(request, request.user.timezone)
    return render(
        request,
        "orders/dashboard_book.html",
        {
            "order": order,
            "item": booking.order_item,
            "booking": booking,
            **picker_context(request, meeting_type=booking.meeting_type, viewer_tz=viewer_tz,
                             exclude_booking_id=booking.pk, enforce_notice=False),
        },
    )


@login_required
@require_POST
def order_booking_cancel(request: HttpRequest, pk: int, booking_id: int) -> HttpResponse:
    order = _get_order_for_owner(request, pk)
    booking = _booking_of_order(order, booking_id)
    # The reason goes through a form: a NUL byte or an overlong text is refused, not stored.
    form = CancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The reason is too long (2,000 characters at most) or has characters we can't store.")
        return redirect(_detail_url(order))
    try:
        booking_cancel(booking=booking, by=BookedBy.OWNER, reason=form.cleaned_data["reason"])
    except BookingError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "The session was cancelled; its credit is back on the order.")
    return redirect(_detail_url(order))


@login_required
@require_POST
def order_resend_confirmation(request: HttpRequest, pk: int) -> HttpResponse:
    order = _get_order_for_owner(request, pk)
    if not order.is_active:
        messages.error(request, "Only an active order has a confirmation to resend.")
    else:
        # A resend is for the client only; the owner already had the new-order notice.
        notifications.notify_order_confirmed(order=order, owner_notice=False)
        messages.success(request, f"The order confirmation was sent again to {order.client_email}.")
    return redirect(_detail_url(order))


@login_required
@require_POST
def order_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    order = _get_order_for_owner(request, pk)
    form = OrderCancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The reason is too long (2,000 characters at most).")
        return redirect(_detail_url(order))
    try:
        order_cancel(order=order, by_owner=True, reason=form.cleaned_data["reason"])
    except OrderError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "The order was cancelled, its upcoming sessions too, and the client was told.")
    return redirect(_detail_url(order))
