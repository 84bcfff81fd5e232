"""Writes of packages: create, the three sections saved on their own, invitee questions, and the
guarded state transitions (enable, disable, soft delete)."""
from decimal import Decimal

from django.db import transaction
from django.utils.text import slugify

from accounts.locks import lock_owner
from accounts.models import User
from accounts.plans import plan_includes_packages
from leadmonk import money
from leadmonk.content_version import content_changed
from leadmonk.tokens import new_token
from packages.models import (
    MAX_BOOK_REMINDER_DAYS,
    MAX_CANCEL_WINDOW_HOURS,
    MAX_EXPIRY_DAYS,
    MAX_INTERVAL_COUNT,
    MAX_ORDERS_PER_CLIENT,
    MAX_ROLLOVER_CAP,
    MAX_SESSIONS_PER_PERIOD,
    BillingInterval,
    ExpiryKind,
    InviteeQuestion,
    Package,
    PackageItem,
    PackageRetiredToken,
    PackageState,
    RenewalRule,
)
from packages.payment_plans import MAX_INSTALMENTS, MIN_INSTALMENTS, InstalmentAccess, InstalmentInterval
from scheduling.models import MeetingType, PaymentMedium

SLUG_MAX_LENGTH = 80


# One wording for every price's decimals (leadmonk.money), named here for packages' callers.
precision_message = money.precision_message


class PackageError(Exception):
    """A refused package change; `message` is user-facing text, shown beside the form's `field`
    when one is named (else above the section's form)."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def _unique_slug(*, owner: User, name: str, exclude_pk: int | None = None) -> str:
    """A slug from the name, unique among the owner's live packages ("coaching", "coaching-2", ...).

    Callers hold the owner row lock, so two saves cannot pick the same slug."""
    base = slugify(name)[: SLUG_MAX_LENGTH - 4].strip("-") or "package"
    taken = set(
        Package.objects.for_owner(owner).visible().exclude(pk=exclude_pk)
        .filter(slug__startswith=base).values_list("slug", flat=True)
    )
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _check_items(*, owner: User, items: list[tuple[MeetingType, int]], kept_ids: set[int]) -> None:
    # The form already refuses these; services re-check so no caller can bypass the rules.
    if not items:
        raise PackageError("Add at least one meeting type.")
    seen: set[int] = set()
    for meeting_type, quantity in items:
        if meeting_type.owner_id != owner.pk:
            raise PackageError("Choose one of your own meeting types.")
        if not meeting_type.is_bookable and meeting_type.pk not in kept_ids:
            raise PackageError(f"{meeting_type.name} is not active; choose an active meeting type.")
        if meeting_type.pk in seen:
            raise PackageError(f"{meeting_type.name} is chosen twice.")
        if not 1 <= quantity <= 999:
            raise PackageError("Session Quantity must be between 1 and 999.")
        seen.add(meeting_type.pk)


@transaction.atomic
def package_create(*, owner: User, name: str, description: str = "",
                   items: list[tuple[MeetingType, int]]) -> Package:
    """Create a package (Package Info section) as a draft: it is published when its Payment
    Preferences are first saved. Refused when the owner's plan has no packages."""
    if not plan_includes_packages(owner.plan):
        raise PackageError("Packages are part of the Team plan. Upgrade to create packages.")
    _check_items(owner=owner, items=items, kept_ids=set())
    lock_owner(owner.pk)
    package = Package.objects.create(
        owner=owner, name=name, description=description, slug=_unique_slug(owner=owner, name=name),
        state=PackageState.DRAFT,
    )
    PackageItem.objects.bulk_create(
        PackageItem(package=package, meeting_type=meeting_type, quantity=quantity, position=position)
        for position, (meeting_type, quantity) in enumerate(items)
    )
    return package


@transaction.atomic
def package_update_info(*, package: Package, name: str, description: str,
                        items: list[tuple[MeetingType, int]]) -> Package:
    """Save the Package Info section only: name, description, meeting types and quantities.

    The slug stays as it was so links already shared keep working. Orders keep their own snapshot,
    so replacing items here never changes an order."""
    existing = {item.meeting_type_id: item for item in PackageItem.objects.filter(package=package)}
    _check_items(owner=package.owner, items=items, kept_ids=set(existing))
    package.name = name
    package.description = description
    package.save(update_fields=["name", "description", "updated_at"])
    wanted_ids = {meeting_type.pk for meeting_type, _ in items}
    PackageItem.objects.filter(package=package).exclude(meeting_type_id__in=wanted_ids).delete()
    to_update, to_create = [], []
    for position, (meeting_type, quantity) in enumerate(items):
        item = existing.get(meeting_type.pk)
        if item is None:
            to_create.append(
                PackageItem(package=package, meeting_type=meeting_type, quantity=quantity, position=position)
            )
        elif (item.quantity, item.position) != (quantity, position):
            item.quantity, item.position = quantity, position
            to_update.append(item)
    PackageItem.objects.bulk_update(to_update, ["quantity", "position"])
    PackageItem.objects.bulk_create(to_create)
    content_changed(owner_id=package.owner_id)  # bulk writes send no post_save
    return package


def package_update_invitee_preferences(*, package: Package, name_format: str, ordering_information: str) -> Package:
    """Save the Invitee Preferences section only (questions have their own services)."""
    package.name_format = name_format
    package.ordering_information = ordering_information
    package.save(update_fields=["name_format", "ordering_information", "updated_at"])
    return package


NEEDS_PRICE = "Set a price in Payment Preferences (or choose Free) to publish this package."
PRICE_OR_FREE = "Enter a Package Price above 0, or choose Free."


@transaction.atomic
def package_update_payment(*, package: Package, price: Decimal | None, currency: str,
                           payment_medium: str, terms: str, free: bool = False,
                           instalment_count: int | None = None,
                           instalment_interval: str = InstalmentInterval.MONTH,
                           instalment_access: str = InstalmentAccess.ALL) -> Package:
    """Save the Payment Preferences section only; the first save publishes a draft.

    Free is an explicit choice (`free=True`, no price, no Payment Medium): a paid package with a
    price of 0 is refused, so nothing goes on sale for free because a price was left empty."""
    if free:
        price, payment_medium = Decimal("0"), ""
    elif price is None or price <= 0:
        raise PackageError("The price cannot be negative." if price is not None and price < 0 else PRICE_OR_FREE)
    if not money.has_valid_precision(price, currency):
        raise PackageError(precision_message(currency))
    if price > 0 and not payment_medium:
        raise PackageError("Choose a Payment Medium for a paid package.")
    if free:
        instalment_count = None
    if instalment_count is not None and not MIN_INSTALMENTS <= instalment_count <= MAX_INSTALMENTS:
        raise PackageError(f"Enter {MIN_INSTALMENTS} to {MAX_INSTALMENTS} payments, "
                           "or leave it empty to be paid in full.")
    if instalment_count and payment_medium == PaymentMedium.PAYPAL:
        raise PackageError("PayPal takes one payment only: choose Stripe for a payment plan.")
    if instalment_interval not in InstalmentInterval.values or instalment_access not in InstalmentAccess.values:
        raise PackageError("Choose how often instalments are paid and when the sessions are available.")
    locked = Package.objects.select_for_update().get(pk=package.pk)
    if locked.billing_interval:
        membership_payment_refusal = _membership_payment_refusal(price=price, payment_medium=payment_medium)
        if membership_payment_refusal:
            field = "payment_medium" if payment_medium == PaymentMedium.PAYPAL else "price"
            raise PackageError(membership_payment_refusal, field=field)
        if instalment_count:
            raise PackageError(MEMBERSHIP_NO_PLAN, field="instalment_count")
    package.price = price
    package.currency = currency
    package.payment_medium = payment_medium
    package.terms = terms
    package.instalment_count = instalment_count
    package.instalment_interval = instalment_interval
    package.instalment_access = instalment_access
    fields = ["price", "currency", "payment_medium", "terms", "instalment_count", "instalment_interval",
              "instalment_access", "updated_at"]
    if locked.state == PackageState.DRAFT:
        package.state = PackageState.ACTIVE
        fields.append("state")
    package.save(update_fields=fields)
    return package


@transaction.atomic
def package_update_policies(*, package: Package, cancel_window_hours: int, late_cancel_forfeits: bool,
                            no_show_forfeits: bool, expiry_kind: str, expiry_days: int | None,
                            book_reminder_days: int | None, max_sessions_per_week: int | None = None,
                            max_sessions_per_month: int | None = None) -> Package:
    """Save the Policies section only. Orders already placed keep the policies they were sold with.
    `book_reminder_days` None turns the reminder to book off; a booking limit of None is no limit."""
    for most in (max_sessions_per_week, max_sessions_per_month):
        if most is not None and not 1 <= most <= MAX_SESSIONS_PER_PERIOD:
            raise PackageError(f"A booking limit is 1 to {MAX_SESSIONS_PER_PERIOD} sessions; "
                               "leave it empty for no limit.")
    if not 0 <= cancel_window_hours <= MAX_CANCEL_WINDOW_HOURS:
        raise PackageError(f"The cancellation window is 0 to {MAX_CANCEL_WINDOW_HOURS} hours.")
    if book_reminder_days is not None and not 1 <= book_reminder_days <= MAX_BOOK_REMINDER_DAYS:
        raise PackageError(f"Remind clients after 1 to {MAX_BOOK_REMINDER_DAYS} days.")
    if expiry_kind == ExpiryKind.NEVER:
        expiry_days = None
    elif expiry_days is None or not 1 <= expiry_days <= MAX_EXPIRY_DAYS:
        raise PackageError(f"Sessions expire after 1 to {MAX_EXPIRY_DAYS} days.")
    locked = Package.objects.select_for_update().filter(pk=package.pk).get()
    if locked.billing_interval and expiry_kind != ExpiryKind.NEVER:
        raise PackageError(MEMBERSHIP_EXPIRY, field="expiry_kind")
    package.cancel_window_hours = cancel_window_hours
    package.late_cancel_forfeits = late_cancel_forfeits
    package.no_show_forfeits = no_show_forfeits
    package.expiry_kind = expiry_kind
    package.expiry_days = expiry_days
    package.book_reminder_days = book_reminder_days
    package.max_sessions_per_week = max_sessions_per_week
    package.max_sessions_per_month = max_sessions_per_month
    package.save(update_fields=["cancel_window_hours", "late_cancel_forfeits", "no_show_forfeits", "expiry_kind",
                                "expiry_days", "book_reminder_days", "max_sessions_per_week",
                                "max_sessions_per_month", "updated_at"])
    return package


# A membership's unused sessions follow its renewal rule; an expiry of the order on top would take
# every later period's sessions too.
MEMBERSHIP_EXPIRY = ("A membership's unused sessions follow its renewal rule: set “Sessions expire” to Never "
                     "(Policies) to sell it as a membership.")
# A membership is paid every period; a payment plan splits one price: never both.
MEMBERSHIP_NO_PLAN = ("A membership is paid every period, so it cannot also be paid in instalments: "
                      "empty the number of payments under Payment Preferences, or sell the package once.")
PAYPAL_ONE_OFF = ("PayPal takes one-off payments only: a membership is paid through Stripe (or the test "
                  "provider). Choose Stripe under Payment Preferences, or sell the package once.")


def _membership_payment_refusal(*, price: Decimal, payment_medium: str) -> str:
    """Why a package with this price and medium cannot be billed every period ("" when it can)."""
    if payment_medium == PaymentMedium.PAYPAL:
        return PAYPAL_ONE_OFF
    if price <= 0:
        return "A membership is billed every period: it needs a Package Price above 0."
    return ""


@transaction.atomic
def package_update_membership(*, package: Package, billing_interval: str, billing_interval_count: int,
                              renewal_rule: str, rollover_cap: int | None) -> Package:
    """Save the Membership section: sold once (`billing_interval` empty) or billed every
    `billing_interval_count` weeks, months or years, with what unused sessions do at renewal.
    Orders already placed keep what they were sold with (the order's snapshot)."""
    if billing_interval and billing_interval not in BillingInterval.values:
        raise PackageError("Choose week, month or year.")
    if not 1 <= billing_interval_count <= MAX_INTERVAL_COUNT:
        raise PackageError(f"Bill every 1 to {MAX_INTERVAL_COUNT} weeks, months or years.")
    if renewal_rule not in RenewalRule.values:
        raise PackageError("Choose what unused sessions do at renewal.")
    if renewal_rule == RenewalRule.ROLLOVER:
        if rollover_cap is None or not 0 <= rollover_cap <= MAX_ROLLOVER_CAP:
            raise PackageError(f"Roll over 0 to {MAX_ROLLOVER_CAP} unused sessions.")
    else:
        rollover_cap = None
    locked = Package.objects.select_for_update().get(pk=package.pk)
    if billing_interval and not locked.is_draft:
        refusal = _membership_payment_refusal(price=locked.price, payment_medium=locked.payment_medium)
        if refusal:
            raise PackageError(refusal)
    if billing_interval and locked.expiry_kind != ExpiryKind.NEVER:
        raise PackageError(MEMBERSHIP_EXPIRY)
    if billing_interval and locked.has_payment_plan:
        raise PackageError(MEMBERSHIP_NO_PLAN)
    package.billing_interval = billing_interval
    package.billing_interval_count = billing_interval_count if billing_interval else 1
    package.renewal_rule = renewal_rule
    package.rollover_cap = rollover_cap
    package.save(update_fields=["billing_interval", "billing_interval_count", "renewal_rule", "rollover_cap",
                                "updated_at"])
    content_changed(owner_id=package.owner_id)
    return package


@transaction.atomic
def package_update_limits(*, package: Package, max_orders_per_client: int | None,
                          new_clients_only: bool) -> Package:
    """Save the Purchase limits (part of Policies). They govern ordering from now on
    (orders.services.order_create checks them); orders already placed stay as they are."""
    if max_orders_per_client is not None and not 1 <= max_orders_per_client <= MAX_ORDERS_PER_CLIENT:
        raise PackageError(f"Allow 1 to {MAX_ORDERS_PER_CLIENT} orders per client, or no limit.")
    Package.objects.select_for_update().filter(pk=package.pk).get()
    package.max_orders_per_client = max_orders_per_client
    package.new_clients_only = new_clients_only
    package.save(update_fields=["max_orders_per_client", "new_clients_only", "updated_at"])
    return package


@transaction.atomic
def package_update_listing(*, package: Package, listed: bool) -> Package:
    """List the package on the owner's booking page, or not (then only its private link sells it)."""
    Package.objects.select_for_update().filter(pk=package.pk).get()
    package.listed = listed
    package.save(update_fields=["listed", "updated_at"])
    return package


@transaction.atomic
def package_regenerate_private_link(*, package: Package) -> Package:
    """Give the package a new private link. The old token is kept as retired, so its link says the
    offer has moved (and never sells anything again; tokens are never reused)."""
    locked = Package.objects.select_for_update().get(pk=package.pk)
    PackageRetiredToken.objects.create(package=locked, token=locked.private_token)
    package.private_token = new_token()
    package.save(update_fields=["private_token", "updated_at"])  # post_save: the cached pages move on
    return package


# The one table of allowed state moves. Deleted is final (soft: orders keep their package).
# Draft -> active is publishing, which only the first save of Payment Preferences does
# (package_update_payment), never "Enable".
ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    PackageState.DRAFT: {PackageState.DELETED},
    PackageState.ACTIVE: {PackageState.DISABLED, PackageState.DELETED},
    PackageState.DISABLED: {PackageState.ACTIVE, PackageState.DELETED},
    PackageState.DELETED: set(),
}


@transaction.atomic
def package_transition(*, package_id: int, target: str) -> Package:
    """Move a package to `target` (enable, disable, delete). Re-reads the row under a lock;
    returns early when it is already there; refuses illegal moves."""
    package = Package.objects.select_for_update().get(pk=package_id)
    if package.state == target:
        return package
    if package.state == PackageState.DRAFT and target == PackageState.ACTIVE:
        # "Enable" cannot publish a draft: it has no price yet.
        raise PackageError(NEEDS_PRICE)
    if target not in ALLOWED_TRANSITIONS[package.state]:
        current, wanted = package.get_state_display().lower(), PackageState(target).label.lower()
        raise PackageError(f"A {current} package cannot become {wanted}.")
    package.state = target
    package.save(update_fields=["state", "updated_at"])
    return package


def package_enable(*, package: Package) -> Package:
    return package_transition(package_id=package.pk, target=PackageState.ACTIVE)


def package_disable(*, package: Package) -> Package:
    return package_transition(package_id=package.pk, target=PackageState.DISABLED)


def package_delete(*, package: Package) -> Package:
    """Soft delete: the package leaves every list and cannot be ordered; its orders stay whole."""
    return package_transition(package_id=package.pk, target=PackageState.DELETED)


# Invitee questions


@transaction.atomic
def question_create(*, package: Package, text: str, kind: str, required: bool, choices: list[str]) -> InviteeQuestion:
    Package.objects.select_for_update().filter(pk=package.pk).first()  # serialise positions
    last = package.questions.order_by("-position").values_list("position", flat=True).first()
    return InviteeQuestion.objects.create(
        package=package, text=text, kind=kind, required=required, choices=choices,
        position=0 if last is None else last + 1,
    )


def question_update(*, question: InviteeQuestion, text: str, kind: str, required: bool,
                    choices: list[str]) -> InviteeQuestion:
    question.text, question.kind, question.required, question.choices = text, kind, required, choices
    # An UPDATE of the row only: a question removed in another tab is not written back (a save()
    # would raise, "did not affect any rows").
    if not InviteeQuestion.objects.filter(pk=question.pk).update(text=text, kind=kind, required=required,
                                                                  choices=choices):
        raise PackageError(QUESTION_GONE_UNSAVED)
    content_changed(owner_id=question.package.owner_id)  # an UPDATE sends no post_save
    return question


QUESTION_GONE = "This question was removed (perhaps in another tab), so there is nothing to move. Nothing was changed."
QUESTION_GONE_UNSAVED = "This question was removed (perhaps in another tab), so your changes to it were not saved."


@transaction.atomic
def question_delete(*, question: InviteeQuestion) -> None:
    package_id = question.package_id
    question.delete()
    _renumber_questions(package_id=package_id)


def _renumber_questions(*, package_id: int) -> list[InviteeQuestion]:
    questions = list(InviteeQuestion.objects.filter(package_id=package_id).order_by("position", "id"))
    for position, question in enumerate(questions):
        question.position = position
    InviteeQuestion.objects.bulk_update(questions, ["position"])
    return questions


@transaction.atomic
def question_move(*, question: InviteeQuestion, direction: str) -> None:
    """Swap a question with its neighbour ("up" or "down"); a no-op at either end."""
    if direction not in ("up", "down"):
        raise PackageError("Move a question up or down.")
    package = Package.objects.select_for_update().filter(pk=question.package_id).first()
    questions = _renumber_questions(package_id=question.package_id)
    index = next((i for i, q in enumerate(questions) if q.pk == question.pk), None)
    if index is None:  # removed (in another tab) after the page read it
        raise PackageError(QUESTION_GONE)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(questions):
        return
    questions[index].position, questions[other].position = other, index
    InviteeQuestion.objects.bulk_update([questions[index], questions[other]], ["position"])
    content_changed(owner_id=package.owner_id)  # bulk_update sends no post_save; the form's order changed
