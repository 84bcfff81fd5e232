"""Writes and checks of promo codes: what a code takes off a purchase (quote), using it for one
purchase under a lock (redeem), giving the use back (release), and the owner's edits.

Promotions sits below orders (.importlinter): the app that sells passes what it knows as plain
data — the owner, the client's email, what is bought (a package id, or a meeting type id for a
paid single session), its amount and currency, whether the client is new (orders.clients
.client_is_new) and a reference for the purchase ("order:<id>").

Uses are counted exactly: `promo_redeem` locks the code's row inside the caller's transaction and
counts its unreleased redemptions after the lock (STYLE.md: lock late, check after the lock), so N
parallel purchases on a code with k uses left make k redemptions and N - k refusals, whatever
else the purchase locks (a paid-session flow may hold no owner lock). Lock order (accounts.locks):
owner, package (orders.services.order_create), then the promo code. Releasing
takes no lock on the code: it only makes a use count less, which a concurrent count may see or not
and stay safe either way.
"""
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.utils import dateformat, timezone

from accounts.plans import plan_includes_packages
from leadmonk.client_email import emails_of_client, normalize_email
from leadmonk.content_version import orders_changed
from leadmonk.languages import date_formats
from leadmonk.languages import translatable as _
from leadmonk.money import format_money, payable_step, round_money
from leadmonk.timezones import localize
from promotions.models import DiscountKind, PromoCode, PromoRedemption


class PromoCodeRefused(Exception):
    """A code that cannot be used for this purchase; `.message` is shown next to the field as is."""

    message = _("This promo code cannot be used.")

    def __init__(self, message: str | None = None):
        if message:
            self.message = message
        super().__init__(self.message)


class PromoCodeError(Exception):
    """A refused edit of a promo code in the dashboard; `field` names the form field it belongs to."""

    def __init__(self, message: str, field: str | None = None):
        self.message, self.field = message, field
        super().__init__(message)


@dataclass(frozen=True)
class Quote:
    """What a code does to one purchase: the code as stored, the discount and the new total."""

    code: str
    discount: Decimal
    total: Decimal
    currency: str

    @property
    def discount_label(self) -> str:
        return format_money(self.discount, self.currency)

    @property
    def total_label(self) -> str:
        return format_money(self.total, self.currency)


def normalize_code(text: str) -> str:
    """Codes are case-insensitive and spaces typed into them do not count: " welcome 10" is WELCOME10."""
    return "".join((text or "").split()).upper()


def discount_for(promo: PromoCode, *, amount: Decimal, currency: str) -> Decimal:
    """What `promo` takes off `amount`: a percent rounded once, to the step the providers charge
    the currency in (leadmonk.money.payable_step: whole forints, so 10% off 15,001 HUF leaves a total
    Stripe and PayPal take), or a fixed amount; never more than the amount itself, so a total never
    goes below zero."""
    if promo.kind == DiscountKind.PERCENT:
        discount = round_money((amount * promo.value / Decimal(100)).quantize(payable_step(currency),
                                                                                rounding=ROUND_HALF_UP), currency)
    else:
        discount = round_money(promo.value, currency)
    return min(discount, amount)


def live_uses(promo: PromoCode) -> int:
    return PromoRedemption.objects.filter(promo_code=promo, released_at__isnull=True).count()


def _owner_today(promo: PromoCode, now: datetime) -> date:
    return localize(now, promo.owner.timezone or "UTC").date()


def _applies_to(promo: PromoCode, *, package_id: int | None, meeting_type_id: int | None) -> bool:
    if promo.applies_to_all:
        return True
    if package_id is not None:
        return promo.packages.filter(pk=package_id).exists()
    if meeting_type_id is not None:
        return promo.meeting_types.filter(pk=meeting_type_id).exists()
    return False


def _day(day: date) -> str:
    """"6 Dec 2026" in the active language."""
    return dateformat.format(day, date_formats()["date"])


def _check(promo: PromoCode | None, *, typed: str, email: str, amount: Decimal, currency: str,
           package_id: int | None, meeting_type_id: int | None, client_is_new: bool | None,
           now: datetime) -> Quote:
    """Every rule of a code for one purchase, in the order a client would want to hear them.
    `client_is_new` None: the client's email is not known yet (the order form's "Apply" before the
    email is typed); the per-client rules are then checked when the order is placed."""
    if promo is None or not promo.is_active or not plan_includes_packages(promo.owner.plan):
        raise PromoCodeRefused(_("“%(code)s” is not a valid promo code.") % {"code": typed})
    today = _owner_today(promo, now)
    if promo.valid_from and today < promo.valid_from:
        raise PromoCodeRefused(_("This promo code is valid from %(day)s.") % {"day": _day(promo.valid_from)})
    if promo.valid_until and today > promo.valid_until:
        raise PromoCodeRefused(_("This promo code expired on %(day)s.") % {"day": _day(promo.valid_until)})
    package = package_id is not None
    if not _applies_to(promo, package_id=package_id, meeting_type_id=meeting_type_id):
        raise PromoCodeRefused(_("This promo code does not apply to this package.") if package
                               else _("This promo code does not apply to this session."))
    if promo.kind == DiscountKind.AMOUNT and promo.currency != currency:
        values = {"code_currency": promo.currency, "currency": currency}
        refusal = (_("This promo code is for prices in %(code_currency)s; this package costs %(currency)s.")
                   if package else
                   _("This promo code is for prices in %(code_currency)s; this session costs %(currency)s."))
        raise PromoCodeRefused(refusal % values)
    if amount <= 0:
        raise PromoCodeRefused(_("This package is free: no promo code is needed.") if package
                               else _("This session is free: no promo code is needed."))
    if promo.max_uses is not None and live_uses(promo) >= promo.max_uses:
        raise PromoCodeRefused(_("This promo code has been used up."))
    # An erased client's redemptions carry the pseudonym of their address: still theirs.
    if email and promo.once_per_client and PromoRedemption.objects.filter(
        promo_code=promo, client_email__in=emails_of_client(email), released_at__isnull=True
    ).exists():
        raise PromoCodeRefused(_("You have already used this promo code."))
    if promo.new_clients_only and client_is_new is False:
        raise PromoCodeRefused(_("This promo code is for new clients only."))
    discount = discount_for(promo, amount=amount, currency=currency)
    return Quote(code=promo.code, discount=discount, total=amount - discount, currency=currency)


def _find(owner_id: int, code: str, *, lock: bool) -> PromoCode | None:
    queryset = PromoCode.objects.visible().filter(owner_id=owner_id, code=code)
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    return queryset.select_related("owner").first()


def promo_quote(*, owner_id: int, code: str, email: str = "", amount: Decimal, currency: str,
                package_id: int | None = None, meeting_type_id: int | None = None,
                client_is_new: bool | None = None, now: datetime | None = None) -> Quote:
    """What `code` takes off a purchase from `owner_id`, without using it (the "Apply" button).
    Raises PromoCodeRefused with the reason. The answer can change before the purchase is placed:
    `promo_redeem` checks again under the lock."""
    normalized = normalize_code(code)
    return _check(_find(owner_id, normalized, lock=False), typed=normalized, email=email, amount=amount,
                  currency=currency, package_id=package_id, meeting_type_id=meeting_type_id,
                  client_is_new=client_is_new, now=now or timezone.now())


def promo_redeem(*, owner_id: int, code: str, email: str, amount: Decimal, currency: str, reference: str,
                 client_is_new: bool, package_id: int | None = None, meeting_type_id: int | None = None,
                 now: datetime | None = None) -> Quote:
    """Use `code` for the purchase `reference`: lock the code, check every rule after the lock,
    record the redemption. Runs inside the caller's transaction (the purchase's), so a refused or
    rolled-back purchase leaves no use behind. Raises PromoCodeRefused and records nothing."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("promo_redeem must run inside the purchase's transaction.atomic()")
    normalized = normalize_code(code)
    promo = _find(owner_id, normalized, lock=True)
    quote = _check(promo, typed=normalized, email=email, amount=amount, currency=currency,
                   package_id=package_id, meeting_type_id=meeting_type_id, client_is_new=client_is_new,
                   now=now or timezone.now())
    PromoRedemption.objects.create(
        promo_code=promo, reference=reference, client_email=normalize_email(email), amount_before=amount,
        discount=quote.discount, currency=currency,
    )
    return quote


def promo_release(*, reference: str, now: datetime | None = None) -> int:
    """Give back the use of the purchase `reference` (refunded, or expired unpaid); a second call
    does nothing. Returns how many redemptions were released (0 or 1)."""
    released = PromoRedemption.objects.filter(reference=reference, released_at__isnull=True).update(
        released_at=now or timezone.now()
    )
    if released:
        for owner_id in set(PromoCode.objects.filter(redemptions__reference=reference).values_list("owner_id",
                                                                                                  flat=True)):
            orders_changed(owner_id=owner_id)
    return released


# The owner's edits (dashboard).


def _save(promo: PromoCode, *, packages, meeting_types) -> PromoCode:
    try:
        with transaction.atomic():
            promo.save()
            promo.packages.set([] if promo.applies_to_all else list(packages))
            promo.meeting_types.set([] if promo.applies_to_all else list(meeting_types))
    except IntegrityError:
        raise PromoCodeError(f"You already have a promo code {promo.code}.", field="code") from None
    return promo


def promo_code_create(*, owner, packages=(), meeting_types=(), **fields) -> PromoCode:
    """A new code of `owner` (the form has validated `fields`). Promo codes follow the packages'
    plan gate: they discount what is sold, and only Team and above sell packages."""
    if not plan_includes_packages(owner.plan):
        raise PromoCodeError("Promo codes are part of the Team plan. Upgrade to create promo codes.")
    fields["code"] = normalize_code(fields["code"])
    if PromoCode.objects.visible().filter(owner=owner, code=fields["code"]).exists():
        raise PromoCodeError(f"You already have a promo code {fields['code']}.", field="code")
    return _save(PromoCode(owner=owner, **fields), packages=packages, meeting_types=meeting_types)


def promo_code_update(*, promo: PromoCode, packages=(), meeting_types=(), **fields) -> PromoCode:
    """Change a code. Orders placed with it keep the code and discount they were sold with."""
    fields["code"] = normalize_code(fields["code"])
    with transaction.atomic():
        locked = PromoCode.objects.select_for_update().get(pk=promo.pk)
        if PromoCode.objects.visible().filter(owner_id=locked.owner_id, code=fields["code"]).exclude(
            pk=locked.pk
        ).exists():
            raise PromoCodeError(f"You already have a promo code {fields['code']}.", field="code")
        used = live_uses(locked)
        if fields.get("max_uses") is not None and fields["max_uses"] < used:
            raise PromoCodeError(
                f"This code has been used {used} time{'s' if used != 1 else ''}: allow at least {used} uses.",
                field="max_uses",
            )
        for name, value in fields.items():
            setattr(locked, name, value)
        return _save(locked, packages=packages, meeting_types=meeting_types)


def promo_code_set_active(*, promo: PromoCode, active: bool) -> PromoCode:
    PromoCode.objects.filter(pk=promo.pk).update(is_active=active, updated_at=timezone.now())
    orders_changed(owner_id=promo.owner_id)
    promo.is_active = active
    return promo


def promo_code_delete(*, promo: PromoCode) -> None:
    """Soft delete: the redemptions and the orders' snapshots stay; the code is free for a new one."""
    PromoCode.objects.filter(pk=promo.pk, deleted_at__isnull=True).update(
        deleted_at=timezone.now(), is_active=False, updated_at=timezone.now()
    )
    orders_changed(owner_id=promo.owner_id)
