"""Erasing a client (a data-protection request): their names, emails, phones and answers are
replaced on the owner's orders, bookings, gifts, promo code uses and the messages sent about them
(and, through clients.signals.client_erased, in the copies other apps keep: webhook deliveries,
the owner's waitlist entries and their offers, the portal's sign-in links and their emails).

What stays, and why: amounts, payments and the append-only credit ledger (the owner's accounts);
invoices and credit notes once issued (tax law keeps them unchanged for years: an invoices app is
excluded from erasure on purpose); and, in place of the address, a pseudonym made from an HMAC of it
(leadmonk.client_email), so the same person's purchase limits and "once per client" promo codes
still hold. Each erasure is logged (clients.models.ClientErasure); the client's row in the Clients
table is deleted.

Lock order as every write that counts bookings: the owner's row first (accounts.locks), then the
checks, then the writes, so no booking or order of this owner can start between the check that
nothing is in progress and the rewrite."""
from __future__ import annotations

import re
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.locks import lock_owner
from clients.models import Client, ClientErasure
from clients.selectors import of_client
from clients.signals import client_erased
from leadmonk.client_email import ERASED_NAME, client_email_hash, erased_email, normalize_email
from leadmonk.content_version import orders_changed
from notifications.models import Message
from notifications.services import ERASED_TEXT, messages_erase_client
from orders.models import Gift, OrderStatus, PackageOrder
from payments.models import Payment, PaymentStatus
from promotions.models import PromoRedemption
from scheduling.models import Booking, BookingStatus

ERASED_ANSWER = "[erased]"

# The rule, as the erase screen states it (clients/templates: erase.html shows these words).
ERASURE_RULE = (
    "A client can be erased once nothing of theirs is in progress: no session held while they pay, no "
    "order waiting for payment, no payment being processed, no session happening now and no upcoming "
    "session. Cancel upcoming sessions first (the client is told, and credits and payments go back as usual)."
)


class ClientNotFound(Exception):
    """No order, booking or gift bought of this owner carries this address."""


class ErasureRefused(Exception):
    """Something of the client's is in progress; `reasons` says what, in the owner's words."""

    def __init__(self, reasons: list[str]):
        super().__init__(" ".join(reasons))
        self.reasons = reasons


def erasure_refusals(*, owner, email: str, now: datetime | None = None) -> list[str]:
    """What stops erasing this client now, in words for the owner; empty when nothing does."""
    now = now or timezone.now()
    bookings = of_client(Booking.objects.filter(owner=owner), email)
    orders = of_client(PackageOrder.objects.filter(owner=owner), email)
    reasons = []
    if bookings.filter(status=BookingStatus.HELD).exists():
        reasons.append("A session is held for them while they pay. Erase once it is paid and cancelled, "
                       "or once the hold has run out.")
    if orders.filter(status=OrderStatus.PENDING_PAYMENT).exists():
        reasons.append("An order of theirs is waiting for payment. Cancel it from the order's page, or erase "
                       "once it is paid (and cancelled) or has expired unpaid.")
    if Payment.objects.filter(Q(order__in=orders) | Q(booking__in=bookings), status=PaymentStatus.PENDING).exists():
        reasons.append("A payment of theirs is being processed by the provider. Erase once it has gone "
                       "through or failed.")
    confirmed = bookings.filter(status=BookingStatus.CONFIRMED, end__gt=now)
    if confirmed.filter(start__lte=now).exists():
        reasons.append("A session of theirs is happening now. Erase after it ends.")
    upcoming = confirmed.filter(start__gt=now).count()
    if upcoming:
        sessions = "an upcoming session" if upcoming == 1 else f"{upcoming} upcoming sessions"
        reasons.append(f"They have {sessions}. Cancel {'it' if upcoming == 1 else 'them'} first from their pages, "
                       "linked below (the client is told, and credits and payments go back as usual), then erase.")
    return reasons


def _scrubber(*, email: str, names: set[str], phones: set[str]):
    """A function that replaces the client's names, address and phones in a text."""
    words = {email: ERASED_TEXT, **{phone: ERASED_TEXT for phone in phones}}
    for name in names:
        words[name] = ERASED_NAME
        words.update({part: ERASED_NAME for part in name.split() if len(part) >= 3})
    words = {word: replacement for word, replacement in words.items() if word and word.strip()}
    if not words:
        return lambda text: text
    # Longest first, so a full name goes before its parts; words only whole, any case.
    pattern = re.compile("|".join(rf"(?<!\w){re.escape(word)}(?!\w)" for word in sorted(words, key=len, reverse=True)),
                         re.IGNORECASE)
    lowered = {word.lower(): replacement for word, replacement in words.items()}
    return lambda text: pattern.sub(lambda match: lowered.get(match.group(0).lower(), ERASED_TEXT), text)


def _scrub_value(value, scrub):
    """`value` (a message's context: dicts, lists, strings) with the client's details replaced."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, list):
        return [_scrub_value(item, scrub) for item in value]
    if isinstance(value, dict):
        return {key: _scrub_value(item, scrub) for key, item in value.items()}
    return value


def _erased_answers(answers: list) -> list:
    """The questions as asked, every answer replaced."""
    return [{**answer, "answer": ERASED_ANSWER} if isinstance(answer, dict) else ERASED_ANSWER
            for answer in answers or []]


def client_erase(*, owner, email: str, by_user, now: datetime | None = None) -> ClientErasure:
    """Erase one client of `owner` (see the module docstring). Raises ErasureRefused while something
    of theirs is in progress (erasure_refusals), ClientNotFound when the owner has no row of theirs."""
    email = normalize_email(email)
    now = now or timezone.now()
    with transaction.atomic():
        lock_owner(owner.pk)
        orders = list(of_client(PackageOrder.objects.filter(owner=owner), email)
                      .only("pk", "client_name", "client_first_name", "client_last_name", "client_phone", "answers"))
        bookings = list(of_client(Booking.objects.filter(owner=owner), email).only("pk", "client_name", "client_phone"))
        bought = list(of_client(Gift.objects.filter(order__owner=owner), email, path="buyer_email")
                      .only("pk", "order_id", "buyer_name", "buyer_phone"))
        if not orders and not bookings and not bought:  # someone who only gave a gift is a client too
            raise ClientNotFound()
        reasons = erasure_refusals(owner=owner, email=email, now=now)
        if reasons:
            raise ErasureRefused(reasons)
        pseudonym = erased_email(email)
        order_ids, booking_ids = [order.pk for order in orders], [booking.pk for booking in bookings]
        gifts = list(Gift.objects.filter(order_id__in=order_ids).only("pk", "recipient_name"))
        names = {row.client_name for row in (*orders, *bookings)} | {gift.recipient_name for gift in gifts}
        names |= {gift.buyer_name for gift in bought}
        names |= {part for order in orders for part in (order.client_first_name, order.client_last_name)}
        phones = {row.client_phone for row in (*orders, *bookings)} | {gift.buyer_phone for gift in bought}
        scrub = _scrubber(email=email, names=names, phones=phones)

        for order in orders:
            order.answers = _erased_answers(order.answers)
        PackageOrder.objects.bulk_update(orders, ["answers"])
        PackageOrder.objects.filter(pk__in=order_ids).update(
            client_name=ERASED_NAME, client_first_name="", client_last_name="", client_email=pseudonym,
            client_phone="", updated_at=now)
        Booking.objects.filter(pk__in=booking_ids).update(
            client_name=ERASED_NAME, client_email=pseudonym, client_phone="", updated_at=now)
        Gift.objects.filter(pk__in=[gift.pk for gift in gifts]).update(
            recipient_name=ERASED_NAME, recipient_email=pseudonym, message="")
        Gift.objects.filter(pk__in=[gift.pk for gift in bought]).update(buyer_name=ERASED_NAME, buyer_email=pseudonym,
                                                                        buyer_phone="")
        Client.objects.filter(owner=owner, email=email).delete()  # the pseudonym gets no row (clients.upkeep)
        redemptions = PromoRedemption.objects.filter(promo_code__owner=owner, client_email__iexact=email).update(
            client_email=pseudonym)
        orders_changed(owner_id=owner.pk)  # update() sends no post_save

        messages = messages_erase_client(
            messages=Message.objects.filter(
                Q(order_id__in=order_ids) | Q(booking_id__in=booking_ids)
                | Q(order_id__in=[gift.order_id for gift in bought], recipient__iexact=email)),
            email=email, pseudonym=pseudonym, scrub=lambda value: _scrub_value(value, scrub))
        # The gifts they bought are their recipients' orders now, but what was written while each was
        # still the buyer's (its order.created event) names them: those copies are scrubbed too.
        client_erased.send(sender=ClientErasure, owner=owner, email=email, pseudonym=pseudonym,
                           order_ids=[*order_ids, *(gift.order_id for gift in bought)], booking_ids=booking_ids,
                           scrub=lambda value: _scrub_value(value, scrub))

        return ClientErasure.objects.create(
            owner=owner, email_hash=client_email_hash(email), erased_by=by_user, erased_at=now,
            counts={"orders": len(orders), "bookings": len(bookings), "gifts": len(gifts) + len(bought),
                    "promo code uses": redemptions, "messages": messages},
        )
