"""Public pages of orders: the package order page, the order details page (reached by the order's
token) and booking a session of an order item from it."""
from functools import partial
from types import SimpleNamespace

from django.contrib import messages
from django.forms.utils import ErrorDict
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods

from accounts.brand import brand_of
from accounts.models import User
from leadmonk import splice
from leadmonk.content_version import cached_public_page, reading_ahead
from leadmonk.languages import date_formats, use_page_language
from leadmonk.languages import translatable as _
from leadmonk.money import price_label
from leadmonk.public_frame import framed_page, page_cut, page_response
from leadmonk.sections import render_sections
from leadmonk.throttle import throttle_post
from leadmonk.timezones import clock_formats, localize, time_format, viewer_clock, viewer_timezone
from orders.forms import OrderForm, PromoCodeForm
from orders.gift_forms import GiftEmailForm
from orders.gifts import GiftError, gift_change_recipient_email, gift_change_refusal, gift_for_token, gift_of
from orders.models import OrderStatus, PackageOrder
from orders.rules import NOT_BOOKABLE_MESSAGES, PaymentOverdue, client_phone_needed
from orders.selectors import (
    cached_order_item_for_token,
    order_bookings,
    order_for_token,
    order_item_for_token,
    with_item_progress,
)
from orders.services import (
    OrderError,
    PackageNotOrderable,
    PromoCodeNotAccepted,
    order_create,
    order_quote,
    order_session_book,
)
from orders.signals import order_item_page_sections, order_page_sections
from packages.models import Package
from packages.selectors import get_package_by_private_token, get_package_by_slug, package_is_orderable
from scheduling.booking_forms import SessionConfirmForm
from scheduling.booking_step import Step, StepWording, TimeStep
from scheduling.calendar import bookings_ics
from scheduling.tax import owner_tax_terms, tax_line


def _pick_page_marks() -> tuple[dict, tuple[splice.Placeholder, ...]]:
    """The context the pick stage of an item's booking page is cut with, and its placeholders."""
    places = {name: splice.placeholder(name) for name in (
        "item_name", "order_title", "details_url", "minutes", "remaining", "quantity", "picker", "sections")}
    marks = {name: place.mark for name, place in places.items()}
    context = {
        "order": SimpleNamespace(title=marks["order_title"]),
        "item": SimpleNamespace(meeting_type_name=marks["item_name"], duration_minutes=marks["minutes"],
                                remaining=marks["remaining"], total=marks["quantity"]),
        "step": SimpleNamespace(stage="pick", error="", picker_html=marks["picker"]),
        "details_url": marks["details_url"], "sections": [marks["sections"]],
    }
    return context, tuple(places.values())


_PICK_PAGE_CONTEXT, _PICK_PAGE_PLACES = _pick_page_marks()

CLIENT_BOOK_WORDING = StepWording(picker_heading=_("Pick a date"), confirm_heading=_("Confirm"),
                                  confirm_button=_("Book this session"))


def checkout_url(order: PackageOrder) -> str:
    """Where the client pays a pending order: a page of the payments app, named by its URL (a
    link, not an import: the URL map is the one place that knows every app)."""
    return reverse("payments:checkout", args=[order.token])


def order_details_url(order: PackageOrder) -> str:
    return reverse("order_details:detail", args=[order.token])


def client_order_url(order: PackageOrder) -> str:
    """Where the person who just paid (or opens the checkout of a paid order) goes: the order page,
    or for a gift the buyer's gift page, never the recipient's order page (orders.gifts)."""
    gift = gift_of(order)
    return reverse("order_details:gift", args=[gift.token]) if gift is not None else order_details_url(order)


# The session remembers which order was just paid, so its page says "Payment received" once: the
# first time it is shown after the payment, not on every later visit from the emailed link.
PAYMENT_RECEIVED_SESSION_KEY = "orders.payment_received"


def announce_payment_received(request: HttpRequest, order: PackageOrder) -> None:
    """Called by the payments app when it sends a client who has just paid to their order page."""
    request.session[PAYMENT_RECEIVED_SESSION_KEY] = order.token


def _take_payment_received(request: HttpRequest, order: PackageOrder) -> bool:
    if request.session.get(PAYMENT_RECEIVED_SESSION_KEY) != order.token:
        return False
    del request.session[PAYMENT_RECEIVED_SESSION_KEY]
    return order.status == OrderStatus.ACTIVE


def _order_page_owner(owner_slug: str) -> User:
    owner = User.objects.filter(slug=owner_slug, is_active=True, email_verified=True).first()
    if owner is None:
        raise Http404
    use_page_language(owner)
    return owner


def _order_page_package(owner: User, package_slug: str) -> Package:
    package = get_package_by_slug(owner=owner, slug=package_slug)
    if package is None:
        raise Http404
    package.owner = owner  # joined already: the same row
    return package


class _OfferMoved(Exception):
    """An old private link of the owner's, replaced by "Regenerate link"."""


def _private_page_package(owner: User, token: str) -> Package:
    package, moved = get_package_by_private_token(owner=owner, token=token)
    if moved:
        raise _OfferMoved
    if package is None:
        raise Http404
    package.owner = owner
    return package


def _order_page_body(owner: User, package: Package, form: OrderForm | None, *, request=None,
                     promo_form: PromoCodeForm | None = None, quote=None, **context) -> str:
    """What the package is and the order form (`form` None: why it cannot be ordered), with its
    "Promo code" field and, once a code is applied (`quote`), the new total."""
    items = [item for item in package.items.all() if item.meeting_type.is_bookable]
    return render_to_string("orders/_order_package_body.html", {
        "owner": owner, "package": package, "orderable": form is not None, "form": form,
        "promo_form": promo_form or PromoCodeForm(), "quote": quote,
        "items": items, "sessions_total": sum(item.quantity for item in items),
        **_price_with_tax(owner, package, quote), **context,
    }, request=request)


def _price_with_tax(owner: User, package: Package, quote) -> dict:
    """The tax line under the price ("plus 20 % VAT: 80.00 USD, total 480.00 USD") when the owner's
    prices exclude tax, and what the client will pay (the order button), after any promo code."""
    terms = owner_tax_terms(owner)
    price = quote.total if quote else package.price
    tax = terms.tax_on_top(price, package.currency)
    line = partial(tax_line, rate=terms.rate, name=terms.name, currency=package.currency)
    return {
        "package_tax_line": line(amount=package.price, tax=terms.tax_on_top(package.price, package.currency)),
        "quote_tax_line": line(amount=price, tax=tax) if quote else "",
        "to_pay_label": price_label(price + tax, package.currency),
    }


UNLISTED_TITLE = _("Package not available")


def _cacheable_order_page(owner: User, package: Package, *, private: bool) -> dict:
    """The GET of the page as every visitor sees it, the CSRF token left out: its title, its body
    cut where the token goes (leadmonk.splice; no token when there is no form: the package cannot
    be ordered) and its status. Depends only on the owner's content: kept under its version.
    An unlisted package's slug address (`private` False) shows none of it, only that it is not
    available there."""
    if not (private or package.listed):
        body = _order_page_body(owner, package, None, unlisted_here=True)
        return {"title": str(UNLISTED_TITLE), "body": splice.cut(body, splice.CSRF_TOKEN), "status": 404,
                "brand": brand_of(owner)}
    form = OrderForm(package=package) if package_is_orderable(package) else None
    body = _order_page_body(owner, package, form, csrf_token=splice.CSRF_TOKEN.mark)
    return {"title": package.name, "body": splice.cut(body, splice.CSRF_TOKEN), "status": 200,
            "brand": brand_of(owner)}


def _order_page(request: HttpRequest, owner_slug: str, *, cache_name: str, cache_key: str, find_package,
                private: bool) -> HttpResponse:
    """The package order page at its slug address (`private` False: sells listed packages only) or
    at its private link (sells it whether listed or not). The two addresses are cached under their
    own names, so neither ever serves the other's page."""
    if request.method == "GET":
        # A hit is one cache round trip and no query; the visitor's CSRF token and messages are
        # put in per request.
        page = cached_public_page(
            owner_slug=owner_slug, name=cache_name, extra=cache_key, find_owner=lambda: _order_page_owner(owner_slug),
            render=lambda owner: _cacheable_order_page(owner, find_package(owner), private=private),
        )
        body = page["body"].fill(csrf_token=get_token(request))
        return framed_page(request, "orders/order_package.html", title=page["title"], content=body,
                           brand=page.get("brand"), status=page["status"])
    # Placing an order (or applying a promo code) reads everything from the database; its answer
    # is this visitor's and never cached.
    owner = _order_page_owner(owner_slug)
    package = find_package(owner)
    if not (private or package.listed):
        body = _order_page_body(owner, package, None, request=request, unlisted_here=True)
        return render(request, "orders/order_package.html",
                      {"title": UNLISTED_TITLE, "content": body, "owner": owner}, status=404)
    form, promo_form, quote = None, PromoCodeForm(request.POST), None
    if package_is_orderable(package):
        form = OrderForm(request.POST, package=package)
        # A free package's page has no code field (a code typed while it had a price has nothing to
        # take off, and a refusal would have no field to be shown beside): it is not used.
        valid, code = form.is_valid(), promo_form.code() if package.price else ""
        if "apply_promo" in request.POST:
            # "Apply" (works without JavaScript): the page again with the new total. The client's
            # other fields keep what was typed; their errors wait for the order itself.
            email = form.cleaned_data.get("email", "")
            form._errors = form.gift_form._errors = ErrorDict()
            quote = _promo_quote(package, promo_form, code, email, required=True)
        elif valid and promo_form.is_valid():
            try:
                order = order_create(package=package, promo_code=code, **form.client_details())
            except PackageNotOrderable:
                form = None
            except PromoCodeNotAccepted as error:
                promo_form.add_error("promo_code", error.message)
            except OrderError as error:
                form.add_error(None, error.message)
            else:
                if order.status == OrderStatus.ACTIVE:
                    messages.success(request, _("Your gift is confirmed.") if gift_of(order) else
                                     _("Your order is confirmed. Book your sessions below."))
                    return redirect(client_order_url(order))
                return redirect(checkout_url(order))
        elif code:
            # The order was refused for another field: keep showing what the code takes off.
            quote = _promo_quote(package, promo_form, code, form.cleaned_data.get("email", ""), required=False)
    body = _order_page_body(owner, package, form, request=request, promo_form=promo_form, quote=quote)
    return render(request, "orders/order_package.html", {"title": package.name, "content": body, "owner": owner})


def _promo_quote(package: Package, promo_form: PromoCodeForm, code: str, email: str, *, required: bool):
    """The quote of `code` for the order page, or None with the reason next to the field."""
    if not code:
        if required and "promo_code" not in promo_form.errors:
            promo_form.add_error("promo_code", _("Enter a promo code to apply."))
        return None
    try:
        return order_quote(package=package, promo_code=code, client_email=email)
    except PromoCodeNotAccepted as error:
        promo_form.add_error("promo_code", error.message)
        return None


@require_http_methods(["GET", "POST"])
@throttle_post("public_order")
def order_package(request: HttpRequest, owner_slug: str, package_slug: str) -> HttpResponse:
    return _order_page(request, owner_slug, cache_name="order_page_cut", cache_key=package_slug, private=False,
                       find_package=lambda owner: _order_page_package(owner, package_slug))


@require_http_methods(["GET", "POST"])
@throttle_post("public_order")
def order_private_package(request: HttpRequest, owner_slug: str, token: str) -> HttpResponse:
    """/<owner-slug>/packages/p/<token>/: the package's private link. An old link (the owner made a
    new one since) says the offer has moved."""
    try:
        return _order_page(request, owner_slug, cache_name="order_private_page_cut", cache_key=token, private=True,
                           find_package=lambda owner: _private_page_package(owner, token))
    except _OfferMoved:
        owner = _order_page_owner(owner_slug)
        return render(request, "orders/offer_moved.html", {"owner": owner}, status=410)


def order_for_token_or_404(token: str) -> PackageOrder:
    """The order behind a client's link (orders.selectors.order_for_token), or 404."""
    order = order_for_token(token=token)
    if order is None:
        raise Http404
    use_page_language(order.owner)
    return order


def _order_bookings_named(order: PackageOrder, values: list[str]) -> list:
    """The confirmed bookings of `order` whose ids are in `values` (from ?booked= / ?booking=),
    soonest first; ids of other orders' bookings and junk are ignored."""
    wanted = {int(value) for value in values if value.isascii() and value.isdigit() and len(value) < 12}
    chosen = [booking for booking in order_bookings(order) if booking.pk in wanted and booking.is_confirmed]
    for booking in chosen:
        booking.meeting_type.owner = order.owner  # joined already; the calendar links read it
    return chosen


def order_calendar(request: HttpRequest, token: str) -> HttpResponse:
    """One .ics file with the order's sessions named by ?booking= (a set booked in one go), or,
    without it, every upcoming confirmed session of the order."""
    order = order_for_token_or_404(token)
    if request.GET.getlist("booking"):
        bookings = _order_bookings_named(order, request.GET.getlist("booking"))
    else:
        now = timezone.now()
        bookings = [booking for booking in order_bookings(order) if booking.is_confirmed and booking.end > now]
        for booking in bookings:
            booking.meeting_type.owner = order.owner
    if not bookings:
        raise Http404("No sessions to add.")
    response = HttpResponse(bookings_ics(bookings=bookings), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="sessions.ics"'
    return response


def order_detail(request: HttpRequest, token: str) -> HttpResponse:
    order = order_for_token_or_404(token)
    gift = gift_of(order)
    if gift is not None and not gift.is_sent:
        # Only the buyer (and the owner) can hold this link before the gift is sent: the gift page.
        return redirect("order_details:gift", token=gift.token)
    just_booked = _order_bookings_named(order, request.GET.getlist("booked"))
    items = with_item_progress(order)
    return render(
        request,
        "orders/order_detail.html",
        {
            "order": order,
            "items": items,
            "can_book_several": sum(item.remaining for item in items if item.can_schedule) > 1,
            "bookings": order_bookings(order),
            "viewer_tz": viewer_timezone(request, order.client_timezone),
            "when_format": clock_formats(viewer_clock(request))["day_datetime"],
            "not_bookable_message": NOT_BOOKABLE_MESSAGES.get(order.status),
            # A failed renewal or instalment (orders.rules): the app that charges shows how to pay below.
            "overdue_message": (PaymentOverdue.message if order.is_active and order.bookings_held_from is not None
                                and order.bookings_held_from <= timezone.now() else ""),
            "checkout_url": checkout_url(order) if order.status == OrderStatus.PENDING_PAYMENT else None,
            "payment_received": _take_payment_received(request, order),
            "just_booked": just_booked,
            "just_booked_query": "&".join(f"booking={booking.pk}" for booking in just_booked),
            "now": timezone.now(),  # a session that has started can no longer be moved or cancelled
            "gift": gift,
            # What the apps above add (invoices: the order's invoices and credit notes).
            "sections": render_sections(order_page_sections, request=request, order=order),
        },
    )


@require_http_methods(["GET", "POST"])
def gift_detail(request: HttpRequest, token: str) -> HttpResponse:
    """The buyer's gift page (the link in their receipt): the gift, when it is (or was) sent, and
    until then a form to correct the recipient's email. Never the order's booking page."""
    gift = gift_for_token(token=token)
    if gift is None:
        raise Http404
    order = gift.order
    use_page_language(order.owner)
    form = None
    if not gift_change_refusal(gift, order):
        form = GiftEmailForm(request.POST if request.method == "POST" else None,
                             initial={"recipient_email": gift.recipient_email})
        if request.method == "POST" and form.is_valid():
            try:
                gift_change_recipient_email(gift=gift, email=form.cleaned_data["recipient_email"])
            except GiftError as error:
                form.add_error("recipient_email", error.message)
            else:
                messages.success(request, _("Saved: the gift will be sent to %(email)s.")
                                 % {"email": form.cleaned_data["recipient_email"]})
                return redirect("order_details:gift", token=gift.token)
    return render(request, "orders/gift_detail.html", {
        "gift": gift,
        "order": order,
        "form": form,
        "payment_received": _take_payment_received(request, order),
        "checkout_url": checkout_url(order) if order.status == OrderStatus.PENDING_PAYMENT else None,
        "viewer_tz": viewer_timezone(request, order.client_timezone),
    }, status=400 if form is not None and form.errors else 200)


@require_http_methods(["GET", "POST"])
@throttle_post("public_booking")
def order_item_book(request: HttpRequest, token: str, item_id: int) -> HttpResponse:
    """The booking step of one item's meeting type: pick a time, confirm, book one credit."""
    if request.method == "GET":
        # The item's entry and the picker's (which the item names) in one cache round trip, once
        # this process has served the address.
        with reading_ahead(f"order_item_book:{request.get_full_path()}"):
            return _order_item_book(request, token, item_id)
    return _order_item_book(request, token, item_id)


def _order_item_book(request: HttpRequest, token: str, item_id: int) -> HttpResponse:
    # A GET reads the item from the cache while nothing it shows changed; booking reads the rows
    # (the service checks them again under its locks).
    read = cached_order_item_for_token if request.method == "GET" else order_item_for_token
    item = read(token=token, item_id=item_id)
    if item is None:
        raise Http404  # no such order, or an item of another order
    order = item.order
    use_page_language(order.owner)
    details_url = order_details_url(order)
    if item.booking_refusal is not None:  # orders.rules, asked by the selector
        messages.error(request, item.booking_refusal.message)
        return redirect(details_url)
    # The picker is the same for every order of the meeting type sold at the same length: cached
    # under the owner's content and bookings versions and the length. What is this order's (credits
    # left, its state) is checked above and shown by the page around it.
    step = TimeStep(request, meeting_type=item.meeting_type, default_tz=order.client_timezone,
                    wording=CLIENT_BOOK_WORDING, cache_picker=True, duration=item.duration,
                    form_class=SessionConfirmForm,
                    form_kwargs={"requires_mobile": client_phone_needed(item), "zone": order.client_timezone})

    def done(booking) -> HttpResponse:
        when_format = f"{date_formats()['weekday_day']}, {time_format(step.clock)}"
        when = dateformat.format(localize(booking.start, step.viewer_tz), when_format)
        messages.success(request, _("Booked: %(name)s on %(when)s (%(zone)s).")
                         % {"name": item.meeting_type_name, "when": when, "zone": step.viewer_tz})
        return redirect(f"{details_url}?booked={booking.pk}#just-booked")

    def page(current: Step) -> HttpResponse:
        sections = render_sections(order_item_page_sections, request=request, item=item)
        if current.stage == "pick" and not current.error and current.picker_html:
            # The commonest answer: the picker (cached already) in the page, rendered once per
            # process and brand, the order's values put in per request (leadmonk.public_frame).
            brand = brand_of(order.owner)
            cut = page_cut(request, "orders/order_item_book.html", key=(brand,),
                           context={**_PICK_PAGE_CONTEXT, "brand": brand}, placeholders=_PICK_PAGE_PLACES)
            return page_response(
                request, cut, item_name=item.meeting_type_name, order_title=order.title, details_url=details_url,
                minutes=str(item.duration_minutes), remaining=str(item.remaining), quantity=str(item.total),
                picker=current.picker_html, sections=mark_safe("".join(sections)),  # noqa: S308 - receivers' HTML
            )
        return render(request, "orders/order_item_book.html", {
            "order": order, "item": item, "step": current, "details_url": details_url, "sections": sections,
        })

    return step.handle(
        commit=lambda data: order_session_book(item=item, start=data["start"], client_timezone=step.viewer_tz,
                                               client_phone=data.get("client_phone", "")),
        done=done,
        page=page,
    )
