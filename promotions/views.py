"""Dashboard pages of promo codes: the list, create, edit, enable/disable and delete.
Owner-scoped: another owner's code is a 404. Promo codes follow the packages' plan gate (Team+)."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from leadmonk.money import format_money
from leadmonk.timezones import localize
from packages.models import Package
from promotions import selectors, services
from promotions.forms import PromoCodeForm
from promotions.models import DiscountKind, PromoCode
from scheduling.models import MeetingType


def _get_promo_for_owner(request: HttpRequest, pk: int) -> PromoCode:
    promo = selectors.promo_code_for_edit(owner=request.user, pk=pk)
    if promo is None:
        raise Http404("No such promo code.")
    return promo


def _owner_packages(request: HttpRequest):
    return Package.objects.for_owner(request.user).visible().order_by("name", "id")


def _owner_paid_meeting_types(request: HttpRequest):
    """The meeting types sold one paid session at a time (MeetingType.is_paid: a price, not team hosted)."""
    return MeetingType.objects.for_owner(request.user).visible().filter(price__gt=0).order_by("name", "id")


def _form(request: HttpRequest, *args, **kwargs) -> PromoCodeForm:
    return PromoCodeForm(*args, packages=_owner_packages(request), meeting_types=_owner_paid_meeting_types(request),
                         **kwargs)


def discount_label(promo: PromoCode) -> str:
    if promo.kind == DiscountKind.PERCENT:
        return f"{promo.value.normalize():f} % off"
    return f"{format_money(promo.value, promo.currency)} off"


@login_required
def promo_list(request: HttpRequest) -> HttpResponse:
    today = localize(timezone.now(), request.user.timezone or "UTC").date()
    promos = list(selectors.promo_codes_for_owner(owner=request.user))
    for promo in promos:
        promo.discount_label = discount_label(promo)
        promo.status = selectors.promo_status(promo, today=today)
    return render(request, "promotions/list.html", {"promos": promos, "can_create": request.user.has_packages})


def _save(request: HttpRequest, form: PromoCodeForm, promo: PromoCode | None) -> PromoCode | None:
    """Save a valid form; a refusal is put next to its field and None returned (nothing saved)."""
    try:
        if promo is None:
            return services.promo_code_create(owner=request.user, packages=form.cleaned_data["packages"],
                                              meeting_types=form.cleaned_data["meeting_types"],
                                              **form.service_fields())
        return services.promo_code_update(promo=promo, packages=form.cleaned_data["packages"],
                                          meeting_types=form.cleaned_data["meeting_types"],
                                          **form.service_fields())
    except services.PromoCodeError as error:
        form.add_error(error.field, error.message)
        return None


@login_required
def promo_create(request: HttpRequest) -> HttpResponse:
    if not request.user.has_packages:
        messages.error(request, "Promo codes are part of the Team plan. Upgrade to create promo codes.")
        return redirect("promotions:list")
    form = _form(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        promo = _save(request, form, None)
        if promo is not None:
            messages.success(request, f"Promo code {promo.code} is created.")
            return redirect("promotions:list")
    return render(request, "promotions/form.html", {"form": form, "promo": None})


@login_required
def promo_edit(request: HttpRequest, pk: int) -> HttpResponse:
    promo = _get_promo_for_owner(request, pk)
    if request.method == "POST":
        form = _form(request, request.POST)
        if form.is_valid() and _save(request, form, promo) is not None:
            messages.success(request, f"Promo code {form.cleaned_data['code']} is saved. "
                                      "Orders already placed keep the discount they had.")
            return redirect("promotions:list")
    else:
        form = _form(request, initial=PromoCodeForm.initial_for(promo))
    return render(request, "promotions/form.html", {"form": form, "promo": promo})


@login_required
def promo_enable(request: HttpRequest, pk: int) -> HttpResponse:
    promo = _get_promo_for_owner(request, pk)
    if request.method == "POST":
        services.promo_code_set_active(promo=promo, active=True)
        messages.success(request, f"Promo code {promo.code} is enabled.")
    return redirect("promotions:list")


@login_required
def promo_disable(request: HttpRequest, pk: int) -> HttpResponse:
    promo = _get_promo_for_owner(request, pk)
    if request.method == "POST":
        services.promo_code_set_active(promo=promo, active=False)
        messages.success(request, f"Promo code {promo.code} is disabled. Clients can no longer use it.")
    return redirect("promotions:list")


@login_required
def promo_delete(request: HttpRequest, pk: int) -> HttpResponse:
    promo = _get_promo_for_owner(request, pk)
    if request.method == "POST":
        services.promo_code_delete(promo=promo)
        messages.success(request, f"Promo code {promo.code} is deleted. Orders placed with it keep their discount.")
        return redirect("promotions:list")
    return render(request, "promotions/delete.html", {"promo": promo})
