"""The owner's Clients pages: the list, one client's history, their data as JSON, and erasing them."""
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.template.defaultfilters import date as date_filter
from django.templatetags.tz import do_timezone
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from clients.exports import client_export
from clients.forms import ClientEraseForm, ClientSearchForm
from clients.selectors import client_email_for_reference, client_history, client_page, recent_erasures
from clients.services import ERASURE_RULE, ClientNotFound, ErasureRefused, client_erase, erasure_refusals
from leadmonk.content_version import CONTENT, ORDERS
from leadmonk.dashboard_pages import cached_page, minute_bucket
from leadmonk.timezones import clock_formats, viewer_clock
from payments.templatetags.payments_tags import money

RECENT_ERASURES = 5


def _get_client_email_for_owner(request: HttpRequest, reference: str) -> str:
    """The address of one of the logged-in owner's clients, or 404 (another owner's, erased, junk)."""
    email = client_email_for_reference(owner=request.user, reference=reference)
    if email is None:
        raise Http404
    return email


_REFERENCE_STAND_IN = "reference-stand-in"  # put in the reversed address once, then replaced per row


def _client_rows_html(rows, *, zone: str, datetime_format: str) -> str:
    """The <tr>s of the Clients page, built in Python (the rows' template, 25 rows each with a
    {% url %}, two dates in the owner's zone and the amounts, was most of the page's CPU). The same
    HTML as templates/clients/_client_row.html (a test compares them), every value escaped; dates
    through the template's own filters."""
    detail_url = reverse("clients:detail", args=[_REFERENCE_STAND_IN])
    html = []
    for row in rows:
        paid = " + ".join(escape(money(amount, currency)) for amount, currency in row.paid) if row.paid else "—"
        last = escape(date_filter(do_timezone(row.last_session, zone), "j M Y")) if row.last_session else "—"
        upcoming = (escape(date_filter(do_timezone(row.next_session, zone), datetime_format))
                    if row.next_session else "—")
        html.append(
            f'<tr>\n<td data-label="Client"><div class="client-cell"><a href="'
            f'{detail_url.replace(_REFERENCE_STAND_IN, escape(row.reference))}">{escape(row.name)}</a> '
            f'<span class="muted small">{escape(row.email)}</span></div></td>\n'
            f'<td data-label="Orders">{row.orders}</td>\n'
            f'<td data-label="Paid" class="nowrap">{paid}</td>\n'
            f'<td data-label="Sessions left">{row.sessions_left}</td>\n'
            f'<td data-label="Last session" class="nowrap">{last}</td>\n'
            f'<td data-label="Next session" class="nowrap">{upcoming}</td>\n</tr>'
        )
    return mark_safe("\n".join(html))  # noqa: S308 - every value above is escaped


@login_required
@require_GET
def client_list(request: HttpRequest) -> HttpResponse:
    def context() -> dict:
        form = ClientSearchForm(request.GET or None)
        search = form.cleaned_data["q"] if form.is_valid() else ""
        page = client_page(owner=request.user, params=request.GET, search=search)
        erasures = recent_erasures(owner=request.user, limit=RECENT_ERASURES)
        return {
            "form": form, "page": page, "search": search, "erasures": erasures,
            "rows": _client_rows_html(page.object_list, zone=request.user.timezone,
                                      datetime_format=clock_formats(viewer_clock(request))["datetime"]),
        }

    # The clients table and the erasures follow the owner's orders, bookings and payments (ORDERS:
    # each of their writes, and an erasure, bumps it); a next session that begins moves with the
    # clock: the minute is in the key.
    return cached_page(request, name="clients_list", template="clients/list.html", context=context,
                       kinds=(CONTENT, ORDERS), bucket=minute_bucket())


@login_required
def client_detail(request: HttpRequest, reference: str) -> HttpResponse:
    email = _get_client_email_for_owner(request, reference)  # first: another owner's client is 404 to any method
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    return render(request, "clients/detail.html", {"client": client_history(owner=request.user, email=email)})


@login_required
def client_export_json(request: HttpRequest, reference: str) -> HttpResponse:
    email = _get_client_email_for_owner(request, reference)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    now = timezone.now()
    data = client_export(client_history(owner=request.user, email=email, now=now), owner=request.user, now=now)
    response = HttpResponse(json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False),
                            content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="client-{reference}-{now:%Y-%m-%d}.json"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def client_erase_view(request: HttpRequest, reference: str) -> HttpResponse:
    """GET: the confirmation screen; POST (only): the erasure."""
    email = _get_client_email_for_owner(request, reference)
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    form = ClientEraseForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                erasure = client_erase(owner=request.user, email=email, by_user=request.user)
            except ClientNotFound:
                raise Http404 from None  # erased meanwhile, in another tab
            except ErasureRefused:
                status = 409  # the page below says what is in progress
            else:
                messages.success(request, f"Client erased (record {erasure.email_hash[:12]}). Their names, email, "
                                          "phone and answers are gone; amounts and invoices are kept.")
                return redirect("clients:list")
        else:
            status = 400
    history = client_history(owner=request.user, email=email)
    return render(request, "clients/erase.html", {
        "client": history, "form": form, "rule": ERASURE_RULE,
        "refusals": erasure_refusals(owner=request.user, email=email),
    }, status=status)
