"""Dashboard pages of packages: the list, create, the editor (three sections each saved on its
own), invitee questions, enable/disable and delete. Owner-scoped: other owners get 404."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from leadmonk import money
from packages import selectors, services
from packages.forms import (
    InviteePreferencesForm,
    InviteeQuestionForm,
    ListingForm,
    MembershipForm,
    PackageInfoForm,
    PackageItemFormSet,
    PaymentPreferencesForm,
    PoliciesForm,
    Pricing,
    PurchaseLimitsForm,
    SoldAs,
)
from packages.models import DEFAULT_BOOK_REMINDER_DAYS, InviteeQuestion, Package
from scheduling.price_forms import available_mediums

ITEMS_PREFIX = "items"
MAX_ROWS = 50
# The editor's sections: the id of each on the page, which is also the tag of its messages.
SECTION_INFO, SECTION_INVITEE, SECTION_QUESTIONS, SECTION_PAYMENT = (
    "package-info", "invitee-preferences", "invitee-questions", "payment-preferences",
)
SECTION_POLICIES = "policies"
SECTION_LIMITS, SECTION_SHARING = "purchase-limits", "sharing"
SECTION_MEMBERSHIP = "membership"
# Section id -> its key in the template's `notices` and `refused`.
SECTIONS = {
    SECTION_INFO: "info", SECTION_INVITEE: "invitee", SECTION_QUESTIONS: "questions", SECTION_PAYMENT: "payment",
    SECTION_POLICIES: "policies", SECTION_LIMITS: "limits", SECTION_SHARING: "sharing",
    SECTION_MEMBERSHIP: "membership",
}


def _get_package_for_owner(request: HttpRequest, pk: int) -> Package:
    package = selectors.package_for_edit(owner=request.user, pk=pk)
    if package is None:
        raise Http404("No such package.")
    return package


def _get_question_for_package(package: Package, question_pk: int) -> InviteeQuestion:
    for question in package.questions.all():
        if question.pk == question_pk:
            return question
    raise Http404("No such question.")


def _available_mediums(owner) -> list[str]:
    """The Payment Mediums `owner` can offer (the same answer as for a paid meeting type)."""
    return available_mediums(owner)


def _price_for_form(package: Package):
    # "240.00", not "240.000": the column keeps 3 decimals for BHD and friends.
    try:
        return money.round_money(package.price, package.currency)
    except money.UnknownCurrency:
        return package.price


def _public_url(request: HttpRequest, package: Package) -> str:
    if not request.user.slug:
        return ""
    return request.build_absolute_uri(reverse("public:order_package", args=[request.user.slug, package.slug]))


def _private_url(request: HttpRequest, package: Package) -> str:
    if not request.user.slug:
        return ""
    return request.build_absolute_uri(
        reverse("public:order_private_package", args=[request.user.slug, package.private_token])
    )


# List


@login_required
def package_list(request: HttpRequest) -> HttpResponse:
    packages = list(selectors.package_list_for_owner(owner=request.user))
    for package in packages:
        package.owner = request.user  # the same row; no query per package below
        package.public_url = _public_url(request, package) if package.listed else _private_url(request, package)
        package.orderable = selectors.package_is_orderable(package)
    return render(request, "packages/list.html", {
        "packages": packages,
        "can_create": request.user.has_packages,
    })


# Package Info (create and edit)


def _item_formset(request: HttpRequest, *, package: Package | None, data=None, rows=None) -> PackageItemFormSet:
    kept_ids = frozenset(item.meeting_type_id for item in package.items.all()) if package else frozenset()
    meeting_types = selectors.meeting_types_for_package_form(owner=request.user, include_ids=kept_ids)
    if data is not None:
        return PackageItemFormSet(data, prefix=ITEMS_PREFIX, meeting_types=meeting_types, kept_ids=kept_ids)
    if rows is None:
        existing = package.items.all() if package else []
        # A new package opens with no row: "Add Meeting Type" adds the first (issue 29, item 4).
        rows = [{"meeting_type": item.meeting_type_id, "quantity": item.quantity} for item in existing]
    return PackageItemFormSet(initial=rows, prefix=ITEMS_PREFIX, meeting_types=meeting_types, kept_ids=kept_ids)


def _rows_plus_one(data) -> list[dict]:
    """The posted rows (minus removed ones) and one more, for "Add Meeting Type" without JavaScript."""
    try:
        total = min(int(data.get(f"{ITEMS_PREFIX}-TOTAL_FORMS", 0)), MAX_ROWS - 1)
    except (TypeError, ValueError):
        total = 0
    rows = []
    for index in range(max(total, 0)):
        if data.get(f"{ITEMS_PREFIX}-{index}-DELETE"):
            continue
        rows.append({
            "meeting_type": data.get(f"{ITEMS_PREFIX}-{index}-meeting_type", ""),
            "quantity": data.get(f"{ITEMS_PREFIX}-{index}-quantity", ""),
        })
    return rows + [{"quantity": 1}]


def _draft_key(package: Package | None) -> str:
    return f"packages:info-draft:{package.pk if package else 'new'}"


def _stash_draft_with_one_more_row(request: HttpRequest, package: Package | None) -> None:
    """"Add Meeting Type" without JavaScript: keep what was typed (unsaved) in the session, so the
    POST can redirect to a GET of the page with one more row (no form left on a POST address)."""
    request.session[_draft_key(package)] = {
        "name": request.POST.get("name", "")[:500],
        "description": request.POST.get("description", "")[:20000],
        "rows": _rows_plus_one(request.POST),
    }


def _info_forms_from_draft(request: HttpRequest, package: Package | None):
    """(info form, item formset) from a draft stashed by "Add Meeting Type", or (None, None).
    The draft is shown once: the next visit shows what is saved."""
    draft = request.session.pop(_draft_key(package), None)
    if not isinstance(draft, dict):
        return None, None
    info_form = PackageInfoForm(initial={"name": draft.get("name", ""), "description": draft.get("description", "")})
    rows = [row for row in draft.get("rows", []) if isinstance(row, dict)][:MAX_ROWS] or [{"quantity": 1}]
    return info_form, _item_formset(request, package=package, rows=rows)


@login_required
def package_create(request: HttpRequest) -> HttpResponse:
    if not request.user.has_packages:
        messages.error(request, "Packages are part of the Team plan. Upgrade to create packages.")
        return redirect("packages:list")
    draft_shown = False
    if request.method == "POST":
        if "add_meeting_type" in request.POST:
            _stash_draft_with_one_more_row(request, None)
            return redirect(reverse("packages:create") + "#package-info")
        info_form, item_formset = PackageInfoForm(request.POST), _item_formset(request, package=None, data=request.POST)
        if info_form.is_valid() and item_formset.is_valid():
            try:
                package = services.package_create(
                    owner=request.user, name=info_form.cleaned_data["name"],
                    description=info_form.cleaned_data["description"], items=item_formset.items(),
                )
            except services.PackageError as error:
                info_form.add_error(None, error.message)
            else:
                messages.success(request, f"{package.name} is created as a draft. Set its invitee preferences, "
                                          "then save Payment Preferences to publish it.")
                return redirect("packages:edit", pk=package.pk)
    else:
        info_form, item_formset = _info_forms_from_draft(request, None)
        draft_shown = info_form is not None
        if not draft_shown:
            info_form, item_formset = PackageInfoForm(), _item_formset(request, package=None)
    return render(request, "packages/create.html", {
        "info_form": info_form, "item_formset": item_formset, "info_draft": draft_shown,
        "has_meeting_types": item_formset.meeting_types.exists(),
    })


def _section_notices(request: HttpRequest) -> dict[str, list]:
    """The page's messages by section ({"info": [...], ...}): each section shows its own "saved"
    message in the section; the rest (created, enabled, disabled) stay at the top under "page"."""
    notices: dict[str, list] = {key: [] for key in SECTIONS.values()}
    notices["page"] = []
    for message in messages.get_messages(request):
        notices[SECTIONS.get(message.extra_tags or "", "page")].append(message)
    return notices


def _render_edit(request: HttpRequest, package: Package, *, info_form=None, item_formset=None,
                 invitee_form=None, question_form=None, payment_form=None, policies_form=None, limits_form=None,
                 listing_form=None, membership_form=None, status: int = 200, info_draft: bool = False
                 ) -> HttpResponse:
    if info_form is None:
        info_form = PackageInfoForm(initial={"name": package.name, "description": package.description})
    if item_formset is None:
        item_formset = _item_formset(request, package=package)
    if invitee_form is None:
        invitee_form = InviteePreferencesForm(initial={
            "name_format": package.name_format, "ordering_information": package.ordering_information,
        })
    if question_form is None:
        question_form = InviteeQuestionForm(prefix="question")
    if payment_form is None:
        # A draft has no price yet: its field starts empty, not at "0".
        free = not package.is_draft and package.is_free
        payment_form = PaymentPreferencesForm(
            mediums=_available_mediums(request.user), current_medium=package.payment_medium, initial={
            "pricing": Pricing.FREE if free else Pricing.PAID,
            "price": "" if package.is_draft and package.is_free else _price_for_form(package),
            "currency": package.currency, "payment_medium": package.payment_medium, "terms": package.terms,
            "instalment_count": package.instalment_count, "instalment_interval": package.instalment_interval,
            "instalment_access": package.instalment_access,
        })
    if policies_form is None:
        policies_form = PoliciesForm(initial={
            "cancel_window_hours": package.cancel_window_hours, "late_cancel_forfeits": package.late_cancel_forfeits,
            "no_show_forfeits": package.no_show_forfeits, "expiry_kind": package.expiry_kind,
            "expiry_days": package.expiry_days,
            "book_reminder_enabled": package.book_reminder_days is not None,
            "book_reminder_days": package.book_reminder_days or DEFAULT_BOOK_REMINDER_DAYS,
            "max_sessions_per_week": package.max_sessions_per_week,
            "max_sessions_per_month": package.max_sessions_per_month,
        })
    if limits_form is None:
        limits_form = PurchaseLimitsForm(initial={
            "max_orders_per_client": package.max_orders_per_client, "new_clients_only": package.new_clients_only,
        })
    if listing_form is None:
        listing_form = ListingForm(initial={"listed": package.listed})
    if membership_form is None:
        membership_form = MembershipForm(initial={
            "sold_as": SoldAs.MEMBERSHIP if package.is_membership else SoldAs.ONCE,
            "billing_interval": package.billing_interval or "month",
            "billing_interval_count": package.billing_interval_count, "renewal_rule": package.renewal_rule,
            "rollover_cap": package.rollover_cap,
        })
    return render(request, "packages/edit.html", {
        "package": package, "public_url": _public_url(request, package),
        "private_url": _private_url(request, package),
        "limits_form": limits_form, "listing_form": listing_form, "membership_form": membership_form,
        "orderable": selectors.package_is_orderable(package),
        "info_form": info_form, "item_formset": item_formset,
        "invitee_form": invitee_form, "question_form": question_form, "payment_form": payment_form,
        "policies_form": policies_form,
        "questions": list(package.questions.all()),
        "notices": _section_notices(request), "info_draft": info_draft,
        # The section whose save was refused: its summary says so, and the page opens there.
        "refused": {
            "info": info_form.is_bound or item_formset.is_bound, "invitee": invitee_form.is_bound,
            "questions": question_form.is_bound, "payment": payment_form.is_bound,
            "policies": policies_form.is_bound, "limits": limits_form.is_bound, "sharing": listing_form.is_bound,
            "membership": membership_form.is_bound,
        },
    }, status=status)


@login_required
def package_edit(request: HttpRequest, pk: int) -> HttpResponse:
    package = _get_package_for_owner(request, pk)
    info_form, item_formset = _info_forms_from_draft(request, package)
    return _render_edit(request, package, info_form=info_form, item_formset=item_formset,
                        info_draft=info_form is not None)


@login_required
def package_info_save(request: HttpRequest, pk: int) -> HttpResponse:
    package = _get_package_for_owner(request, pk)
    if request.method != "POST":
        return redirect("packages:edit", pk=package.pk)
    if "add_meeting_type" in request.POST:
        _stash_draft_with_one_more_row(request, package)
        return redirect(reverse("packages:edit", args=[package.pk]) + "#package-info")
    info_form, item_formset = PackageInfoForm(request.POST), _item_formset(request, package=package, data=request.POST)
    if info_form.is_valid() and item_formset.is_valid():
        try:
            services.package_update_info(
                package=package, name=info_form.cleaned_data["name"],
                description=info_form.cleaned_data["description"], items=item_formset.items(),
            )
        except services.PackageError as error:
            info_form.add_error(None, error.message)
        else:
            messages.success(request, "Package Info saved.", extra_tags=SECTION_INFO)
            return redirect(reverse("packages:edit", args=[package.pk]) + "#package-info")
    return _render_edit(request, package, info_form=info_form, item_formset=item_formset)


@login_required
def package_invitee_save(request: HttpRequest, pk: int) -> HttpResponse:
    package = _get_package_for_owner(request, pk)
    if request.method != "POST":
        return redirect("packages:edit", pk=package.pk)
    form = InviteePreferencesForm(request.POST)
    if not form.is_valid():
        return _render_edit(request, package, invitee_form=form)
    services.package_update_invitee_preferences(package=package, **form.cleaned_data)
    messages.success(request, "Invitee Preferences saved.", extra_tags=SECTION_INVITEE)
    return redirect(reverse("packages:edit", args=[package.pk]) + "#invitee-preferences")


@login_required
def package_payment_save(request: HttpRequest, pk: int) -> HttpResponse:
    package = _get_package_for_owner(request, pk)
    if request.method != "POST":
        return redirect("packages:edit", pk=package.pk)
    form = PaymentPreferencesForm(
        request.POST, mediums=_available_mediums(request.user), current_medium=package.payment_medium
    )
    if form.is_valid():
        was_draft = package.is_draft
        try:
            services.package_update_payment(package=package, **form.cleaned_data)
        except services.PackageError as error:
            form.add_error(error.field, error.message)
        else:
            if was_draft:
                messages.success(request, "Payment Preferences saved. The package is published: "
                                          "clients can order it from your booking page.", extra_tags=SECTION_PAYMENT)
            else:
                messages.success(request, "Payment Preferences saved.", extra_tags=SECTION_PAYMENT)
            return redirect(reverse("packages:edit", args=[package.pk]) + "#payment-preferences")
    return _render_edit(request, package, payment_form=form)


@login_required
def package_policies_save(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the Policies section; a bad value is shown next to its field and nothing changes."""
    package = _get_package_for_owner(request, pk)
    if request.method != "POST":
        return redirect("packages:edit", pk=package.pk)
    form = PoliciesForm(request.POST)
    if form.is_valid():
        try:
            services.package_update_policies(package=package, **form.cleaned_data)
        except services.PackageError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(request, "Policies saved. Orders already placed keep the policies they were sold with.",
                             extra_tags=SECTION_POLICIES)
            return redirect(reverse("packages:edit", args=[package.pk]) + "#policies")
    return _render_edit(request, package, policies_form=form)


@login_required
def package_limits_save(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the Purchase limits (part of Policies); a bad value is shown next to its field."""
    package = _get_package_for_owner(request, pk)
    if request.method != "POST":
        return redirect("packages:edit", pk=package.pk)
    form = PurchaseLimitsForm(request.POST)
    if form.is_valid():
        try:
            services.package_update_limits(package=package, **form.cleaned_data)
        except services.PackageError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(request, "Purchase limits saved. They apply to orders placed from now on.",
                             extra_tags=SECTION_LIMITS)
            return redirect(reverse("packages:edit", args=[package.pk]) + "#purchase-limits")
    return _render_edit(request, package, limits_form=form)


@login_required
def package_membership_save(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the Membership section (sold once, or billed every period); a bad value is shown next to
    its field and nothing changes."""
    package = _get_package_for_owner(request, pk)
    if request.method != "POST":
        return redirect("packages:edit", pk=package.pk)
    form = MembershipForm(request.POST)
    if form.is_valid():
        try:
            services.package_update_membership(package=package, **form.cleaned_data)
        except services.PackageError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(request, "Membership saved. Orders already placed keep what they were sold with.",
                             extra_tags=SECTION_MEMBERSHIP)
            return redirect(reverse("packages:edit", args=[package.pk]) + "#membership")
    return _render_edit(request, package, membership_form=form)


@login_required
def package_listing_save(request: HttpRequest, pk: int) -> HttpResponse:
    package = _get_package_for_owner(request, pk)
    if request.method != "POST":
        return redirect("packages:edit", pk=package.pk)
    form = ListingForm(request.POST)
    if not form.is_valid():  # a checkbox: only a hostile post gets here
        return _render_edit(request, package, listing_form=form)
    services.package_update_listing(package=package, listed=form.cleaned_data["listed"])
    if package.listed:
        messages.success(request, "The package is listed on your booking page.", extra_tags=SECTION_SHARING)
    else:
        messages.success(request, "The package is unlisted: clients order it through its private link only.",
                         extra_tags=SECTION_SHARING)
    return redirect(reverse("packages:edit", args=[package.pk]) + "#sharing")


@login_required
def package_private_link_regenerate(request: HttpRequest, pk: int) -> HttpResponse:
    package = _get_package_for_owner(request, pk)
    if request.method == "POST":
        services.package_regenerate_private_link(package=package)
        messages.success(request, "New private link made. The old link now tells clients the offer has moved.",
                         extra_tags=SECTION_SHARING)
    return redirect(reverse("packages:edit", args=[package.pk]) + "#sharing")


# Invitee questions


@login_required
def question_add(request: HttpRequest, pk: int) -> HttpResponse:
    package = _get_package_for_owner(request, pk)
    if request.method != "POST":
        return redirect("packages:edit", pk=package.pk)
    form = InviteeQuestionForm(request.POST, prefix="question")
    if not form.is_valid():
        return _render_edit(request, package, question_form=form)
    services.question_create(package=package, **form.cleaned_data)
    messages.success(request, "Question added.", extra_tags=SECTION_QUESTIONS)
    return redirect(reverse("packages:edit", args=[package.pk]) + "#invitee-questions")


@login_required
def question_edit(request: HttpRequest, pk: int, question_pk: int) -> HttpResponse:
    package = _get_package_for_owner(request, pk)
    if request.method == "POST" and _question_gone(question_pk):
        messages.error(request, services.QUESTION_GONE_UNSAVED, extra_tags=SECTION_QUESTIONS)
        return _back_to_questions(package)
    question = _get_question_for_package(package, question_pk)
    if request.method == "POST":
        form = InviteeQuestionForm(request.POST)
        if form.is_valid():
            try:
                services.question_update(question=question, **form.cleaned_data)
            except services.PackageError as error:  # removed while this request ran
                messages.error(request, error.message, extra_tags=SECTION_QUESTIONS)
                return _back_to_questions(package)
            messages.success(request, "Question saved.", extra_tags=SECTION_QUESTIONS)
            return redirect(reverse("packages:edit", args=[package.pk]) + "#invitee-questions")
    else:
        form = InviteeQuestionForm(initial={
            "text": question.text, "kind": question.kind, "required": question.required,
            "choices": "\n".join(question.choices or []),
        })
    return render(request, "packages/question_edit.html", {"package": package, "question": question, "form": form})


def _question_gone(question_pk: int) -> bool:
    """No question has this id any more: removed, in another tab or window, since the page was
    opened. (One of another package still exists, and stays a 404.)"""
    return not InviteeQuestion.objects.filter(pk=question_pk).exists()


def _back_to_questions(package: Package) -> HttpResponse:
    return redirect(reverse("packages:edit", args=[package.pk]) + "#invitee-questions")


@login_required
def question_delete(request: HttpRequest, pk: int, question_pk: int) -> HttpResponse:
    package = _get_package_for_owner(request, pk)
    if request.method == "POST" and _question_gone(question_pk):
        messages.info(request, "This question was already removed.", extra_tags=SECTION_QUESTIONS)
        return _back_to_questions(package)
    question = _get_question_for_package(package, question_pk)
    if request.method == "POST":
        services.question_delete(question=question)
        messages.success(request, "Question removed.", extra_tags=SECTION_QUESTIONS)
    return _back_to_questions(package)


@login_required
def question_move(request: HttpRequest, pk: int, question_pk: int) -> HttpResponse:
    package = _get_package_for_owner(request, pk)
    if request.method == "POST" and _question_gone(question_pk):
        messages.error(request, services.QUESTION_GONE, extra_tags=SECTION_QUESTIONS)
        return _back_to_questions(package)
    question = _get_question_for_package(package, question_pk)
    if request.method == "POST" and request.POST.get("direction") in ("up", "down"):
        try:
            services.question_move(question=question, direction=request.POST["direction"])
        except services.PackageError as error:  # removed while this request ran
            messages.error(request, error.message, extra_tags=SECTION_QUESTIONS)
    return _back_to_questions(package)


# State


def _back(request: HttpRequest, package: Package) -> HttpResponse:
    """After enable/disable: back to the list when the button was there, else to the editor."""
    if request.POST.get("next") == "list":
        return redirect("packages:list")
    return redirect("packages:edit", pk=package.pk)


@login_required
def package_enable(request: HttpRequest, pk: int) -> HttpResponse:
    package = _get_package_for_owner(request, pk)
    if request.method == "POST":
        try:
            services.package_enable(package=package)
        except services.PackageError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"{package.name} is enabled.")
    return _back(request, package)


@login_required
def package_disable(request: HttpRequest, pk: int) -> HttpResponse:
    package = _get_package_for_owner(request, pk)
    if request.method == "POST":
        try:
            services.package_disable(package=package)
        except services.PackageError as error:  # a draft: there is nothing on sale to stop
            messages.error(request, error.message)
        else:
            messages.success(request, f"{package.name} is disabled. Clients can no longer order it; "
                                      "existing orders keep their sessions.")
    return _back(request, package)


@login_required
def package_delete(request: HttpRequest, pk: int) -> HttpResponse:
    package = _get_package_for_owner(request, pk)
    if request.method == "POST":
        services.package_delete(package=package)
        messages.success(request, f"{package.name} is deleted. Its orders stay as they were.")
        return redirect("packages:list")
    return render(request, "packages/delete.html", {
        "package": package, "order_count": package.orders.count(),
    })
