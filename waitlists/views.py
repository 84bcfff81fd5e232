"""Waitlist pages: the public page of a group meeting type's full sessions (join one's waitlist,
also for a package client from their order link), the claim page of an offered seat, and the owner's
Waitlists page (remove an entry)."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from leadmonk.languages import translatable as _
from leadmonk.languages import use_page_language
from leadmonk.throttle import throttle_post
from leadmonk.timezones import viewer_timezone
from orders.selectors import order_item_for_token
from scheduling.models import BookingStatus
from scheduling.public_views import get_public_owner
from scheduling.rules import BookingPath, booking_path_refusal
from scheduling.selectors import datetime_label, format_slot_start, get_bookable_meeting_type, parse_slot_start
from scheduling.signals import held_booking_payment_url_for
from waitlists import selectors, services
from waitlists.forms import JoinForm


def _group_type_or_404(owner_slug: str, meeting_type_slug: str):
    owner = get_public_owner(owner_slug)
    meeting_type = get_bookable_meeting_type(owner=owner, slug=meeting_type_slug)
    if meeting_type is None or not meeting_type.is_group:
        raise Http404("No group sessions here.")
    return owner, meeting_type


def _order_item(request: HttpRequest, meeting_type):
    """The package client's item named by ?order=<token>&item=<id> (their order link), or None."""
    token, item_id = request.GET.get("order", ""), request.GET.get("item", "")
    if not token and not item_id:
        return None
    item = order_item_for_token(token=token, item_id=int(item_id)) if item_id.isascii() and item_id.isdigit() else None
    if item is None or item.meeting_type_id != meeting_type.pk:
        raise Http404("No such order item.")
    return item


@throttle_post("public_booking")
@require_http_methods(["GET", "POST"])
def waitlist_page(request: HttpRequest, owner_slug: str, meeting_type_slug: str) -> HttpResponse:
    owner, meeting_type = _group_type_or_404(owner_slug, meeting_type_slug)
    item = _order_item(request, meeting_type)
    if item is None and booking_path_refusal(meeting_type, path=BookingPath.PUBLIC_PAGE):
        raise Http404("This meeting type is booked through its own link or a package only.")
    zone = item.order.client_timezone if item is not None else viewer_timezone(request, owner.timezone)
    now = timezone.now()
    start = parse_slot_start(request.POST.get("start") or request.GET.get("start"))
    form = JoinForm(request.POST or None, zone=zone, texts=meeting_type.sends_sms) if item is None else None
    error, joined = "", None
    if request.method == "POST":
        if start is None:
            error = _("Choose one of the full sessions below.")
        elif form is None or form.is_valid():
            details = ({"client_name": item.order.client_name, "client_email": item.order.client_email,
                        "client_phone": item.order.client_phone} if item is not None else form.cleaned_data)
            try:
                joined = services.waitlist_join(meeting_type=meeting_type, start=start, client_timezone=zone,
                                                order_item=item, now=now, **details)
            except services.WaitlistError as refusal:
                error = refusal.message
    status = 400 if request.method == "POST" and joined is None else 200
    return render(request, "waitlists/join.html", {
        "owner": owner, "meeting_type": meeting_type, "item": item, "form": form, "error": error,
        "texts": meeting_type.sends_sms,
        "joined": joined, "start": start, "start_value": format_slot_start(start) if start else "",
        "start_label": datetime_label(start, zone) if start else "", "zone": zone,
        "sessions": [(format_slot_start(value), datetime_label(value, zone))
                     for value in selectors.full_sessions(meeting_type=meeting_type, now=now)],
        "book_url": reverse("public:book_meeting", args=[owner.slug, meeting_type.slug]),
        "query": request.GET.urlencode(),
    }, status=status)


@throttle_post("public_booking")
@require_http_methods(["GET", "POST"])
def claim_page(request: HttpRequest, owner_slug: str, meeting_type_slug: str, token: str) -> HttpResponse:
    """GET shows the offered seat and a button (mail scanners that open links claim nothing); POST
    books it once."""
    entry = services.entry_for_token(token)
    if entry is not None:
        use_page_language(entry.meeting_type.owner)
    if entry is None or entry.meeting_type.slug != meeting_type_slug or entry.meeting_type.owner.slug != owner_slug:
        return render(request, "waitlists/claim.html", {
            "error": _("This claim link is not valid. Check that you copied all of it.")}, status=404)
    # A paid seat claimed and not paid yet: back to paying. A used, removed or expired link says so
    # when opened, rather than offering the seat again.
    now = timezone.now()
    held = services.seat_awaiting_payment(entry, now=now)
    if held is not None:
        return redirect(held_booking_payment_url_for(held) or reverse("bookings:manage", args=[held.token]))
    refusal = services.claim_refusal(entry, now=now)
    error = refusal.message if refusal is not None else ""
    if request.method == "POST" and refusal is None:
        try:
            booking = services.waitlist_claim(token=token)
        except services.ClaimRefused as refused:
            error = refused.message
        else:
            if booking.status == BookingStatus.HELD:  # a paid session: the client pays next
                return redirect(held_booking_payment_url_for(booking) or reverse("bookings:manage",
                                                                                 args=[booking.token]))
            return redirect(reverse("bookings:manage", args=[booking.token]) + "?booked=1")
    return render(request, "waitlists/claim.html", {
        "entry": entry, "error": error, "start_label": datetime_label(entry.start, entry.client_timezone),
        "zone": entry.client_timezone,
    }, status=400 if error else 200)


@login_required
def waitlist_list(request: HttpRequest) -> HttpResponse:
    """Dashboard › Waitlists: every upcoming session with people waiting, in line order."""
    zone = request.user.timezone or "UTC"
    lines = selectors.lines_for_owner(owner=request.user, now=timezone.now())
    for line in lines:
        line.label = datetime_label(line.start, zone)
    return render(request, "waitlists/dashboard_list.html", {"lines": lines, "zone": zone})


@login_required
@require_POST
def waitlist_entry_remove(request: HttpRequest, pk: int) -> HttpResponse:
    entry = selectors.entry_for_owner(owner=request.user, pk=pk)
    if entry is None:
        raise Http404("No such waitlist entry.")
    services.waitlist_remove(entry=entry)
    messages.success(request, f"{entry.client_name} was removed from the waitlist.")
    next_url = request.POST.get("next", "")
    if next_url.startswith("/dashboard/") and "//" not in next_url:
        return redirect(next_url)
    return redirect("waitlists:list")
