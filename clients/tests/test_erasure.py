"""Erasing a client: names, emails, phones and answers replaced on orders, bookings, gifts, promo code
uses and messages; amounts, payments and the credit ledger untouched; the erasure logged; purchase
limits and "once per client" codes still holding for the same person; refused, with the reason on
screen and nothing changed, while something of theirs is in progress; POST only, confirmed."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse

from clients.models import ClientErasure
from clients.selectors import client_reference
from clients.services import ClientNotFound, ErasureRefused, client_erase
from leadmonk.client_email import ERASED_NAME, client_email_hash, erased_email
from notifications.models import Audience, Message, MessageKind, MessageStatus
from orders.clients import client_is_new
from orders.models import CreditLedgerEntry, Gift, OrderStatus, PackageOrder
from orders.services import PromoCodeNotAccepted, PurchaseLimitReached, order_create
from packages.models import Package
from payments.models import Payment, PaymentStatus
from promotions.models import PromoCode, PromoRedemption
from scheduling.models import Attendance, Booking, BookingStatus
from tests import NOW, make_booking

from .conftest import book_next_week, paid_order, pay

SECRETS = ("jamie", "rivers", "7700900123", "marathon")


@pytest.fixture
def jamie(owner, package, coaching):
    """A client with nothing in progress: a paid order, a past session of it and a past single session."""
    order = paid_order(package, phone="+447700900123")
    make_booking(coaching, NOW - timedelta(days=5), client_name="Jamie Rivers", client_email="jamie@example.com",
                 client_phone="+447700900123", order_item=order.items.get(), attendance=Attendance.NO_SHOW)
    make_booking(coaching, NOW - timedelta(days=9), client_name="Jamie Rivers", client_email="Jamie@Example.com")
    Gift.objects.create(order=order, buyer_name="Pat Buyer", buyer_email="pat@example.com",
                        recipient_name="Jamie Rivers", recipient_email="jamie@example.com",
                        message="Happy birthday, Jamie!", send_on=date(2026, 11, 1), send_at=NOW - timedelta(days=30),
                        sent_at=NOW - timedelta(days=30))
    Message.objects.create(order=order, kind=MessageKind.ORDER_NEW, audience=Audience.OWNER, recipient=owner.email,
                           subject="New order from Jamie Rivers", context={"client": "Jamie Rivers (+447700900123)"})
    Message.objects.create(order=order, kind=MessageKind.ORDER_BOOK_NUDGE, recipient="jamie@example.com",
                           subject="Jamie, book your next session")
    return order


def erase_url(owner, email="jamie@example.com") -> str:
    return reverse("clients:erase", args=[client_reference(owner_id=owner.pk, email=email)])


def rows_of(owner) -> list[dict]:
    """Every row of the owner's that could hold the client's details, as plain values."""
    querysets = [
        PackageOrder.objects.filter(owner=owner), Booking.objects.filter(owner=owner),
        Gift.objects.filter(order__owner=owner), PromoRedemption.objects.filter(promo_code__owner=owner),
        Message.objects.filter(order__owner=owner) | Message.objects.filter(booking__owner=owner),
    ]
    return [model_to_dict(row) for queryset in querysets for row in queryset.order_by("pk")]


def money_and_credits(owner) -> list:
    return [
        list(PackageOrder.objects.filter(owner=owner).order_by("pk").values_list("price", "discount", "status")),
        list(Payment.objects.filter(order__owner=owner).order_by("pk").values_list("amount", "currency", "status")),
        list(CreditLedgerEntry.objects.filter(order_item__order__owner=owner).order_by("pk")
             .values_list("pk", "change", "reason", "booking_id", "created_at")),
    ]


def test_erasing_a_client_replaces_their_details_everywhere(owner, jamie):
    client_erase(owner=owner, email=" JAMIE@example.com", by_user=owner)

    text = repr(rows_of(owner)).lower()
    assert [secret for secret in SECRETS if secret in text] == []
    order = PackageOrder.objects.get(pk=jamie.pk)
    pseudonym = erased_email("jamie@example.com")
    assert (order.client_name, order.client_email, order.client_phone) == (ERASED_NAME, pseudonym, "")
    assert order.answers == [{"question": "Your goal?", "kind": "short_text", "answer": "[erased]"}]
    assert set(Booking.objects.filter(owner=owner).values_list("client_name", "client_email", "client_phone")) == {
        (ERASED_NAME, pseudonym, "")}
    gift = Gift.objects.get()
    assert (gift.recipient_name, gift.message, gift.buyer_name) == (ERASED_NAME, "", "Pat Buyer")
    owner_notice = Message.objects.filter(kind=MessageKind.ORDER_NEW).latest("pk")  # the fixture's
    assert (owner_notice.recipient, owner_notice.subject) == (owner.email, f"New order from {ERASED_NAME}")
    assert owner_notice.context == {"client": f"{ERASED_NAME} ([erased])"}


def test_amounts_payments_and_the_credit_ledger_are_untouched(owner, jamie):
    before = money_and_credits(owner)

    client_erase(owner=owner, email="jamie@example.com", by_user=owner)

    assert money_and_credits(owner) == before


def test_a_message_not_yet_sent_to_them_is_not_sent(owner, jamie):
    client_erase(owner=owner, email="jamie@example.com", by_user=owner)

    nudge = Message.objects.get(kind=MessageKind.ORDER_BOOK_NUDGE)
    assert (nudge.status, nudge.recipient) == (MessageStatus.FAILED, erased_email("jamie@example.com"))
    assert nudge.error == "Not sent: the client's data was erased."
    assert nudge.subject == f"{ERASED_NAME}, book your next session"


def test_the_erasure_is_logged_with_who_when_and_the_hash(owner, jamie):
    erasure = client_erase(owner=owner, email="jamie@example.com", by_user=owner)

    logged = ClientErasure.objects.get()
    assert logged == erasure
    assert (logged.owner, logged.erased_by, logged.erased_at) == (owner, owner, NOW)
    assert logged.email_hash == client_email_hash("Jamie@Example.com ") and len(logged.email_hash) == 64
    assert logged.counts == {"orders": 1, "bookings": 2, "gifts": 1, "promo code uses": 0, "messages": 4}


def test_another_owners_client_with_the_same_email_is_not_touched(owner, other_owner, jamie):
    theirs = make_booking(_coaching_of(other_owner), NOW - timedelta(days=2), client_name="Jamie Rivers",
                          client_email="jamie@example.com")

    client_erase(owner=owner, email="jamie@example.com", by_user=owner)

    theirs.refresh_from_db()
    assert (theirs.client_name, theirs.client_email) == ("Jamie Rivers", "jamie@example.com")


def test_an_owner_with_no_row_of_that_email_is_told_so(owner, jamie):
    with pytest.raises(ClientNotFound):
        client_erase(owner=owner, email="nobody@example.com", by_user=owner)
    assert not ClientErasure.objects.exists()


# --- The same person, after erasure ---------------------------------------------------------------


def test_a_purchase_limit_still_holds_for_the_erased_client(owner, package, jamie):
    Package.objects.filter(pk=package.pk).update(max_orders_per_client=1)
    package.refresh_from_db()
    client_erase(owner=owner, email="jamie@example.com", by_user=owner)

    with pytest.raises(PurchaseLimitReached):
        order_create(package=package, client_name="Jamie R", client_email="Jamie@example.com", terms_accepted=True)

    assert order_create(package=package, client_name="Robin", client_email="robin@example.com",
                        terms_accepted=True).status == OrderStatus.PENDING_PAYMENT


def test_an_erased_client_is_still_not_a_new_client(owner, jamie):
    client_erase(owner=owner, email="jamie@example.com", by_user=owner)

    assert client_is_new(owner_id=owner.pk, email="jamie@example.com") is False
    assert client_is_new(owner_id=owner.pk, email="robin@example.com") is True


def test_a_once_per_client_promo_code_still_holds_for_the_erased_client(owner, package):
    PromoCode.objects.create(owner=owner, code="ONCE", value=Decimal("10"), once_per_client=True)
    order = order_create(package=package, client_name="Jamie Rivers", client_email="jamie@example.com",
                         promo_code="ONCE", terms_accepted=True)
    pay(order)
    client_erase(owner=owner, email="jamie@example.com", by_user=owner)
    assert PromoRedemption.objects.get().client_email == erased_email("jamie@example.com")

    with pytest.raises(PromoCodeNotAccepted) as refused:
        order_create(package=package, client_name="Jamie", client_email="JAMIE@example.com", promo_code="ONCE",
                     terms_accepted=True)

    assert refused.value.message == "You have already used this promo code."


# --- The screen -------------------------------------------------------------------------------------


def test_the_confirmation_screen_says_what_goes_and_what_stays_and_erases_nothing(owner, owner_client, jamie):
    before = rows_of(owner)

    html = owner_client.get(erase_url(owner)).content.decode()

    assert "Erase Jamie Rivers?" in html and "cannot be undone" in html
    assert "Invoices and credit notes already issued, unchanged: tax law requires you to keep them" in html
    assert "no upcoming session" in html  # the rule, stated
    assert '<label for="id_confirm">' in html and ">Erase this client</button>" in html
    assert rows_of(owner) == before


def test_erasing_without_ticking_the_box_says_so_beside_it_and_changes_nothing(owner, owner_client, jamie):
    before = rows_of(owner)

    response = owner_client.post(erase_url(owner), {})

    assert response.status_code == 400
    assert "Tick the box to confirm that you want to erase this client." in response.content.decode()
    assert rows_of(owner) == before and not ClientErasure.objects.exists()


def test_erasing_from_the_screen_takes_the_coach_back_to_clients_and_the_client_is_gone(owner, owner_client, jamie):
    response = owner_client.post(erase_url(owner), {"confirm": "on"}, follow=True)

    html = response.content.decode()
    assert response.redirect_chain == [(reverse("clients:list"), 302)]
    assert "Client erased" in html and "Jamie Rivers" not in html
    assert owner_client.get(erase_url(owner)).status_code == 404


# --- Refused while something is in progress ---------------------------------------------------------


def _upcoming(owner, jamie):
    book_next_week(jamie)


def _held(owner, jamie):
    make_booking(jamie.items.get().meeting_type, NOW + timedelta(days=2), client_name="Jamie Rivers",
                 client_email="jamie@example.com", status=BookingStatus.HELD, hold_expires_at=NOW + timedelta(minutes=9))


def _pending_order(owner, jamie):
    order_create(package=jamie.package, client_name="Jamie Rivers", client_email="jamie@example.com",
                 terms_accepted=True)


def _processing(owner, jamie):
    Payment.objects.create(order=jamie, provider="stripe", status=PaymentStatus.PENDING, amount=jamie.price,
                           currency=jamie.currency)


def _happening_now(owner, jamie):
    make_booking(jamie.items.get().meeting_type, NOW - timedelta(minutes=20), client_name="Jamie Rivers",
                 client_email="jamie@example.com")


@pytest.mark.parametrize(("in_progress", "reason"), [
    (_upcoming, "They have an upcoming session. Cancel it first"),
    (_held, "A session is held for them while they pay."),
    (_pending_order, "An order of theirs is waiting for payment."),
    (_processing, "A payment of theirs is being processed by the provider."),
    (_happening_now, "A session of theirs is happening now. Erase after it ends."),
], ids=["upcoming", "held", "pending order", "processing payment", "happening now"])
def test_erasing_is_refused_while_something_is_in_progress(owner, owner_client, jamie, in_progress, reason):
    in_progress(owner, jamie)
    before = rows_of(owner)

    with pytest.raises(ErasureRefused) as refused:
        client_erase(owner=owner, email="jamie@example.com", by_user=owner)
    screen = owner_client.get(erase_url(owner)).content.decode()
    posted = owner_client.post(erase_url(owner), {"confirm": "on"})

    assert [message for message in refused.value.reasons if message.startswith(reason)]
    assert "This client cannot be erased yet." in screen and reason in screen
    assert ">Erase this client</button>" not in screen
    assert posted.status_code == 409 and reason in posted.content.decode()
    assert rows_of(owner) == before and not ClientErasure.objects.exists()


def _coaching_of(other_owner):
    from tests import make_meeting_type

    return make_meeting_type(other_owner, name="Theirs", slug="theirs")
