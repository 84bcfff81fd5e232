"""Settings > Webhooks: the owner's endpoints (add, edit, rotate the secret, enable, remove) and
each endpoint's deliveries (status, answer, attempts) with "Resend"."""
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from leadmonk.keyset import keyset_page
from webhooks import selectors, services
from webhooks.dispatch import delivery_body
from webhooks.forms import EndpointForm
from webhooks.models import Delivery, WebhookEndpoint

PAGE_SIZE = 25
REFUSED = "Nothing was saved."


def _get_endpoint_for_owner(request: HttpRequest, pk: int) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.filter(owner=request.user, pk=pk).first()
    if endpoint is None:
        raise Http404("No such webhook endpoint.")
    return endpoint


def _get_delivery_for_owner(request: HttpRequest, pk: int, delivery_pk: int) -> Delivery:
    delivery = (Delivery.objects.select_related("endpoint")
                .filter(endpoint__owner=request.user, endpoint_id=pk, pk=delivery_pk).first())
    if delivery is None:
        raise Http404("No such delivery.")
    return delivery


@login_required
def endpoints_page(request: HttpRequest) -> HttpResponse:
    form = EndpointForm(request.POST or None, initial={"events": []})
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            endpoint = services.endpoint_create(owner=request.user, url=data["url"], events=data["events"],
                                                description=data["description"])
            messages.success(request, "Endpoint added. Its signing secret is below.")
            return redirect("webhooks:detail", pk=endpoint.pk)
        messages.error(request, f"Please correct the errors below. {REFUSED}")
    return render(request, "webhooks/list.html", {
        "endpoints": selectors.endpoints_for_owner(request.user), "form": form,
    }, status=400 if request.method == "POST" else 200)


@login_required
def endpoint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = _get_endpoint_for_owner(request, pk)
    form = EndpointForm(request.POST or None, initial={
        "url": endpoint.url, "description": endpoint.description, "events": endpoint.events})
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            services.endpoint_update(endpoint=endpoint, url=data["url"], events=data["events"],
                                     description=data["description"])
            messages.success(request, "Endpoint saved.")
            return redirect("webhooks:detail", pk=endpoint.pk)
        messages.error(request, f"Please correct the errors below. {REFUSED}")
    page = keyset_page(selectors.deliveries_of_endpoint(endpoint), request.GET, key="created_at",
                       descending=True, size=PAGE_SIZE)
    now = timezone.now()
    return render(request, "webhooks/detail.html", {
        "endpoint": endpoint, "form": form, "page": page,
        "previous_secret_valid": len(endpoint.signing_secrets(now)) > 1,
    }, status=400 if request.method == "POST" else 200)


@login_required
def delivery_detail(request: HttpRequest, pk: int, delivery_pk: int) -> HttpResponse:
    delivery = _get_delivery_for_owner(request, pk, delivery_pk)
    return render(request, "webhooks/delivery.html", {
        "delivery": delivery, "endpoint": delivery.endpoint, "body": delivery_body(delivery).decode()})


@login_required
@require_POST
def endpoint_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        endpoint = services.endpoint_rotate_secret(endpoint=_get_endpoint_for_owner(request, pk),
                                                   replacing=request.POST.get("replacing"))
    except services.SecretReplacedMeanwhile as error:
        messages.info(request, str(error))
        return redirect("webhooks:detail", pk=pk)
    until = endpoint.previous_secret_expires_at.astimezone(ZoneInfo(request.user.timezone or "UTC"))
    messages.success(request, "New secret made. The old one still signs every event for 24 hours "
                              f"(until {until:%-d %b, %H:%M}).")
    return redirect("webhooks:detail", pk=endpoint.pk)


@login_required
@require_POST
def endpoint_enable(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = services.endpoint_enable(endpoint=_get_endpoint_for_owner(request, pk))
    messages.success(request, "Endpoint enabled: the events waiting for it are being sent.")
    return redirect("webhooks:detail", pk=endpoint.pk)


@login_required
@require_POST
def endpoint_remove(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = _get_endpoint_for_owner(request, pk)
    services.endpoint_delete(endpoint=endpoint)
    messages.success(request, f"Endpoint {endpoint.url} removed; nothing more is sent to it.")
    return redirect("webhooks:list")


@login_required
@require_POST
def delivery_resend(request: HttpRequest, pk: int, delivery_pk: int) -> HttpResponse:
    delivery = _get_delivery_for_owner(request, pk, delivery_pk)
    try:
        services.delivery_resend(delivery=delivery)
    except services.WebhookError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{delivery.event_type} is being sent again (same event id).")
    return redirect("webhooks:detail", pk=pk)
