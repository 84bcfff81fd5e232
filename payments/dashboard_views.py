"""The owner's payments pages: every payment with totals, one payment, refunds and the provider
connections of the Settings page. Every query is scoped to the logged-in owner."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import date as date_filter
from django.templatetags.tz import do_timezone
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST

from leadmonk.content_version import CONTENT, ORDERS
from leadmonk.csv_export import ExportRangeForm, export_response
from leadmonk.dashboard_pages import cached_page
from leadmonk.keyset import keyset_page
from leadmonk.money import format_money
from leadmonk.timezones import clock_formats, viewer_clock
from orders.credits import ledger_removable
from orders.models import OrderStatus, PackageOrder
from orders.services import OrderError
from payments import exports, selectors, services
from payments.connections import MEDIUM_PROVIDERS, connection_delete
from payments.forms import OrderCancelRefundForm, OrderIssueForm, PaymentFilterForm, PaymentRefundForm
from payments.models import Payment, PaymentStatus, Provider
from payments.providers.base import PaymentError
from payments.templatetags.payments_tags import money
from scheduling.tax import owner_tax_terms

PAGE_SIZE = 25


def _get_payment_for_owner(request: HttpRequest, pk: int) -> Payment:
    return get_object_or_404(
        Payment.objects.select_related("order", "booking__meeting_type").filter(owner=request.user),
        pk=pk,
    )


def _get_order_for_owner(request: HttpRequest, pk: int) -> PackageOrder:
    return get_object_or_404(PackageOrder, pk=pk, owner=request.user)


def _documents_html(payment: Payment) -> str:
    """The payment's invoice and credit notes, as invoices/_payment_documents.html shows them."""
    try:
        invoice = payment.invoice
    except ObjectDoesNotExist:
        return '<span class="muted">—</span>'
    route, token = (("invoice_documents:order", payment.order.token) if payment.order_id is not None
                    else ("invoice_documents:booking", payment.booking.token))
    links = [f'<a href="{escape(reverse(route, args=[token, invoice.number]))}">{escape(invoice.number)}</a>']
    links += [f'<a class="small" href="{escape(reverse(route, args=[token, note.number]))}">{escape(note.number)}</a>'
              for note in payment.credit_notes.all()]
    return f'<span class="cell-lines">{"".join(links)}</span>'


def _payment_rows_html(payments, *, zone: str, datetime_format: str) -> str:
    """The <tr>s of the payments list, built in Python: the rows' template (25 rows, each with three
    {% url %}, two dates, an include and a dozen escapes through the template engine) was half of
    the page's CPU. The same HTML as payments/dashboard/_payment_row.html (a test compares them),
    every value escaped; dates through the template's own filters, in the owner's zone."""
    def when(value) -> str:
        return escape(date_filter(do_timezone(value, zone), datetime_format))

    order_url, booking_url, detail_url = (reverse(name, args=[_ID_STAND_IN]) for name in (
        "orders:detail", "dashboard:booking_detail", "payments_dashboard:detail"))
    stand_in = str(_ID_STAND_IN)
    rows = []
    for payment in payments:
        if payment.order_id is not None:
            order = payment.order
            what = escape(order.title)
            cell = (f'<a href="{order_url.replace(stand_in, str(order.pk))}">{what}</a>'
                    f'<span class="muted small">{escape(order.client_name)}</span>')
        else:
            booking = payment.booking
            what = escape(booking.meeting_type.name)
            cell = (f'<a href="{booking_url.replace(stand_in, str(booking.pk))}">{what} on {when(booking.start)}</a>'
                    f'<span class="muted small">{escape(booking.client_name)} · paid session</span>')
        refunded = (f'<span class="muted small">−{escape(money(payment.refunded_amount, payment.currency))} '
                    f'refunded</span>' if payment.status == PaymentStatus.PARTLY_REFUNDED else "")
        if payment.flagged:
            flag = '<span class="flag">⚠ Needs attention</span>'
        elif payment.needs_refund:
            flag = '<span class="flag">⚠ Needs refund: order cancelled</span>'
        elif payment.refunded_outside:
            flag = '<span class="muted small">Refunded outside the app</span>'
        else:
            flag = ""
        rows.append(
            f'<tr>\n<td data-label="Date" class="nowrap">{when(payment.created_at)}</td>\n'
            f'<td data-label="Order"><span class="cell-lines">{cell}</span></td>\n'
            f'<td data-label="Provider">{escape(payment.get_provider_display())}</td>\n'
            f'<td data-label="Amount" class="nowrap"><span class="cell-lines"><span class="price">'
            f'{escape(money(payment.amount, payment.currency))}</span>{refunded}</span></td>\n'
            f'<td data-label="Status"><span class="cell-lines"><span>'
            f'<span class="badge badge-{escape(payment.status)}">'
            f'{escape(payment.get_status_display())}</span></span>{flag}</span></td>\n'
            f'<td data-label="Invoice">{_documents_html(payment)}</td>\n'
            f'<td class="actions"><a class="btn btn-secondary btn-small" '
            f'href="{detail_url.replace(stand_in, str(payment.pk))}" '
            f'aria-label="Details of the payment for {what}">Details</a></td>\n</tr>'
        )
    return mark_safe("\n".join(rows))  # noqa: S308 - every value above is escaped


_ID_STAND_IN = 987654321987  # an id no row has: put in a reversed address once, then replaced per row


@login_required
def payment_list(request: HttpRequest) -> HttpResponse:
    def context() -> dict:
        form = PaymentFilterForm(request.GET or None)
        status = provider = ""
        if form.is_bound and form.is_valid():
            status, provider = form.cleaned_data["status"], form.cleaned_data["provider"]
        payments = selectors.payment_list_for_owner(request.user, status=status, provider=provider)
        page = keyset_page(payments, request.GET, key="created_at", descending=True, size=PAGE_SIZE)
        return {
            "form": form,
            "page": page,
            "rows": _payment_rows_html(page.object_list, zone=request.user.timezone,
                                       datetime_format=clock_formats(viewer_clock(request))["datetime"]),
            "totals": selectors.payment_totals(request.user, provider=provider),
            "needing_refund": selectors.payments_needing_refund_count(request.user),
            "filtered": bool(status or provider),
            "export_form": ExportRangeForm(),
        }

    # Payments, refunds and the orders they pay (ORDERS); the owner's own row (CONTENT).
    return cached_page(request, name="payments_list", template="payments/dashboard/list.html", context=context,
                       kinds=(CONTENT, ORDERS))


def _refund_form(payment: Payment, data=None) -> PaymentRefundForm | None:
    """The refund form of a payment that has money left to give back through its provider."""
    if payment.provider == Provider.MANUAL or payment.refundable_amount <= 0:
        return None
    items, removable = (), {}
    if payment.order_id is not None and not payment.flagged:
        items = list(payment.order.items.all())
        removable = ledger_removable(order=payment.order)
    return PaymentRefundForm(data, payment=payment, items=items, removable=removable)


def _render_detail(request: HttpRequest, payment: Payment, form: PaymentRefundForm | None = None,
                   status: int = 200) -> HttpResponse:
    return render(request, "payments/dashboard/detail.html", {
        "payment": payment, "order": payment.order,
        "refund_form": form if form is not None else _refund_form(payment),
        "refunds": selectors.refunds_of_payment(payment),
    }, status=status)


@login_required
def payment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, _get_payment_for_owner(request, pk))


def _refund(request: HttpRequest, payment: Payment) -> None:
    """A refund of all that is left (the order page's button, "Cancel order" with a refund)."""
    try:
        services.payment_refund(payment=payment, by_owner=request.user)
    except PaymentError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "The payment was refunded. The client has been told.")


@login_required
@require_POST
def payment_refund(request: HttpRequest, pk: int) -> HttpResponse:
    """The refund form of the payment page: an amount, a reason, sessions kept or taken off. A post
    without an amount (the older "Refund" buttons) refunds all that is left. Bad input is shown
    beside its field and changes nothing; a provider that cannot be reached, above the form."""
    payment = _get_payment_for_owner(request, pk)
    if "amount" not in request.POST:
        _refund(request, payment)
        return redirect("payments_dashboard:detail", pk=payment.pk)
    form = _refund_form(payment, request.POST)
    if form is None:
        messages.error(request, "Nothing is left to refund on this payment.")
        return redirect("payments_dashboard:detail", pk=payment.pk)
    if not form.is_valid():
        return _render_detail(request, payment, form, status=400)
    data = form.cleaned_data
    try:
        payment = services.payment_refund(
            payment=payment, by_owner=request.user, amount=data["amount"], reason=data["reason"],
            idempotency_key=form.idempotency_key(), sessions_to_remove=data["sessions_to_remove"],
        )
    except services.RefundAmountTooHigh as error:
        form.add_error("amount", error.message)
        return _render_detail(request, payment, form, status=400)
    except services.TooManySessionsToRemove as error:
        form.add_error("sessions", error.message)
        return _render_detail(request, payment, form, status=400)
    except PaymentError as error:
        # Refused or unreachable: nothing changed. A new form (and key) for the next try.
        messages.error(request, f"Nothing was refunded: {error.message}")
        return redirect("payments_dashboard:detail", pk=payment.pk)
    amount = format_money(data["amount"], payment.currency)
    if payment.status == PaymentStatus.REFUNDED:
        messages.success(request, f"{amount} was refunded: the payment is now refunded in full.")
    else:
        left = format_money(payment.refundable_amount, payment.currency)
        messages.success(request, f"{amount} was refunded through {payment.get_provider_display()}. {left} is left.")
    return redirect("payments_dashboard:detail", pk=payment.pk)


@login_required
@require_POST
def order_refund(request: HttpRequest, order_pk: int) -> HttpResponse:
    """The "Refund" button of the owner's order page: refunds the payment that paid the order."""
    order = _get_order_for_owner(request, order_pk)
    payment = services.refundable_payment(order)
    if payment is None:
        messages.error(request, "This order has no payment that can be refunded.")
    else:
        _refund(request, payment)
    return redirect("orders:detail", pk=order.pk)


@login_required
@require_POST
def payment_mark_refunded_outside(request: HttpRequest, pk: int) -> HttpResponse:
    """The owner refunded the money another way; Payments stops flagging the payment."""
    payment = _get_payment_for_owner(request, pk)
    try:
        services.payment_mark_refunded_outside(payment=payment, by_owner=request.user)
    except PaymentError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "The payment is marked as refunded outside the app.")
    if request.POST.get("next") == "order":
        return redirect("orders:detail", pk=payment.order_id)
    return redirect("payments_dashboard:detail", pk=payment.pk)


@login_required
@require_POST
def order_cancel(request: HttpRequest, order_pk: int) -> HttpResponse:
    """"Cancel order" of a paid order, with "Refund the payment" (the owner's order page)."""
    order = _get_order_for_owner(request, order_pk)
    form = OrderCancelRefundForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.error_message())
        return redirect("orders:detail", pk=order.pk)
    refund = form.cleaned_data["refund"]
    try:
        refunded = services.order_cancel_with_refund(
            order=order, by_owner=request.user, reason=form.cleaned_data["reason"], refund=refund,
        )
    except OrderError as error:
        messages.error(request, error.message)
    except PaymentError as error:
        messages.error(request, f"The order was cancelled and the client told, but the refund did not go through: "
                                f"{error.message} Use “Refund” below to try again.")
    else:
        if refunded is not None:
            messages.success(request, "The order was cancelled and the payment refunded in full; the client was told.")
        else:
            messages.success(request, "The order was cancelled, its upcoming sessions too, and the client was told.")
    return redirect("orders:detail", pk=order.pk)


@login_required
@require_POST
def disconnect(request: HttpRequest, provider: str) -> HttpResponse:
    if provider not in MEDIUM_PROVIDERS:
        raise Http404
    if connection_delete(owner=request.user, provider=provider):
        messages.success(request, f"{'Stripe' if provider == 'stripe' else 'PayPal'} is disconnected.")
    return redirect(reverse("accounts:settings") + "#payments")


@login_required
@require_http_methods(["GET", "HEAD"])
def payment_export(request: HttpRequest) -> HttpResponse:
    """The owner's payments created in a date range, as CSV."""
    return export_response(
        request, title="payments", basename="payments", back_url=reverse("payments_dashboard:list"),
        header=exports.payment_header, rows=lambda start, end, tz: exports.payment_rows(request.user, start, end, tz),
    )


@login_required
def order_issue(request: HttpRequest) -> HttpResponse:
    """The owner's "New order": an order of one of their packages for a client, paid outside the
    app, complimentary or waiting for the client's payment (payments.services.order_issue)."""
    form = OrderIssueForm(request.POST or None, packages=selectors.packages_for_issuing(request.user),
                          tax_terms=owner_tax_terms(request.user),
                          chosen=request.GET.get("package", "")[:20])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            order = services.order_issue(
                owner=request.user, package=data["package"], client_name=data["client_name"],
                client_email=data["client_email"], client_phone=data["client_phone"],
                mode=data["mode"], note=data["note"], answers=form.answers(), amount_taken=data["amount_taken"],
            )
        except OrderError as error:
            form.add_error("package", error.message)
        else:
            sent = ("an email asking to pay, with the order link" if order.status == OrderStatus.PENDING_PAYMENT
                    else "the confirmation with the order link")
            messages.success(request, f"Order created. {order.client_name} has been sent {sent}.")
            return redirect("orders:detail", pk=order.pk)
    return render(request, "payments/dashboard/order_issue.html", {"form": form})
