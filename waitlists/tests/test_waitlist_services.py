"""Waitlists of full group sessions (issue 31, item 4): joining, the offer of a freed seat (email and
text through the outbox, in the transaction that freed it), claiming once, expiry to the next in
line, and the owner removing an entry."""
from datetime import timedelta

import pytest
import time_machine
from django.core import mail

from accounts.plans import Plan
from notifications import sms
from notifications.models import Message, MessageKind
from orders.models import CreditLedgerEntry
from scheduling.models import BookedBy, Booking, BookingStatus
from scheduling.services import booking_cancel, booking_reschedule
from tests import NINE_AM, NOW, make_package
from waitlists.models import WaitlistEntry, WaitlistStatus
from waitlists.services import (
    AlreadyWaiting,
    ClaimRefused,
    SeatsFree,
    waitlist_claim,
    waitlist_expire_due,
    waitlist_join,
    waitlist_remove,
)
from waitlists.tests.conftest import book_seat


def join(workshop, email, phone="", **extra):
    return waitlist_join(meeting_type=workshop, start=NINE_AM, client_name=email.split("@")[0].title(),
                         client_email=email, client_phone=phone, client_timezone="Europe/London", **extra)


def token_sent_to(email: str) -> str:
    body = next(sent.body for sent in reversed(mail.outbox) if sent.to == [email])
    link = next(word for word in body.split() if "/waitlist/claim/" in word)
    return link.rstrip("/").rsplit("/", 1)[-1]


def test_joining_a_full_session_puts_clients_in_line(full_session, workshop):
    first, second = join(workshop, "cleo@example.com"), join(workshop, "dan@example.com")
    assert (first.position, second.position) == (1, 2)
    assert first.status == second.status == WaitlistStatus.WAITING


def test_joining_a_session_with_seats_says_book_it(workshop):
    book_seat(workshop, "ann@example.com")
    with pytest.raises(SeatsFree) as refused:
        join(workshop, "cleo@example.com")
    assert refused.value.message == "There are seats left in this session: book it instead."
    assert not WaitlistEntry.objects.exists()


def test_joining_twice_with_the_same_email_says_so(full_session, workshop):
    join(workshop, "cleo@example.com")
    with pytest.raises(AlreadyWaiting) as refused:
        join(workshop, "Cleo@Example.com")
    assert refused.value.message == "cleo@example.com is already on the waitlist for this session."
    assert WaitlistEntry.objects.count() == 1


def test_a_cancel_offers_the_seat_to_the_first_in_line_by_email_and_text(full_session, workshop, delivered):
    join(workshop, "cleo@example.com", phone="+14155550100")
    join(workshop, "dan@example.com")
    delivered(booking_cancel, booking=full_session[0])
    cleo, dan = WaitlistEntry.objects.order_by("position")
    assert cleo.status == WaitlistStatus.OFFERED and dan.status == WaitlistStatus.WAITING
    assert cleo.expires_at == NOW + timedelta(hours=6)  # the meeting type's hours to claim
    offers = Message.objects.filter(kind=MessageKind.WAITLIST_OFFER)
    assert sorted(offers.values_list("channel", "recipient")) == [("email", "cleo@example.com"),
                                                                  ("sms", "+14155550100")]
    assert "A seat is free" in next(sent.subject for sent in mail.outbox if sent.to == ["cleo@example.com"])
    text = next(sent for sent in sms.outbox if sent.to == "+14155550100")
    assert "A seat is free: Group workshop" in text.body and "/waitlist/claim/" in text.body
    # The token is stored hashed only: the link's token is not in the entry.
    assert token_sent_to("cleo@example.com") not in (cleo.token_hash or "")


def test_on_the_free_plan_the_offer_goes_by_email_only(full_session, workshop, delivered):
    workshop.owner.plan = Plan.FREE
    workshop.owner.save()
    sms.outbox.clear()
    join(workshop, "cleo@example.com", phone="+14155550100")
    delivered(booking_cancel, booking=full_session[0])
    offers = Message.objects.filter(kind=MessageKind.WAITLIST_OFFER)
    assert list(offers.values_list("channel", "recipient")) == [("email", "cleo@example.com")]
    assert not sms.outbox


def test_a_move_away_offers_the_seat(full_session, workshop, delivered):
    join(workshop, "cleo@example.com")
    delivered(booking_reschedule, booking=full_session[1], new_start=NINE_AM + timedelta(hours=2))
    assert WaitlistEntry.objects.get().status == WaitlistStatus.OFFERED


def test_the_claim_link_books_the_seat_once(full_session, workshop, delivered):
    join(workshop, "cleo@example.com")
    delivered(booking_cancel, booking=full_session[0])
    token = token_sent_to("cleo@example.com")
    booking = waitlist_claim(token=token)
    assert (booking.client_email, booking.start, booking.status) == ("cleo@example.com", NINE_AM,
                                                                     BookingStatus.CONFIRMED)
    assert WaitlistEntry.objects.get().status == WaitlistStatus.CLAIMED
    with pytest.raises(ClaimRefused) as again:
        waitlist_claim(token=token)
    assert again.value.message.startswith("This link was already used")
    assert Booking.objects.filter(start=NINE_AM, status=BookingStatus.CONFIRMED).count() == 2


def test_an_expired_offer_goes_to_the_next_and_its_link_says_expired(full_session, workshop, delivered):
    join(workshop, "cleo@example.com")
    join(workshop, "dan@example.com")
    delivered(booking_cancel, booking=full_session[0])
    token = token_sent_to("cleo@example.com")
    with time_machine.travel(NOW + timedelta(hours=6, minutes=1), tick=False):
        assert waitlist_expire_due() == 1
        assert waitlist_expire_due() == 0  # once
        with pytest.raises(ClaimRefused) as late:
            waitlist_claim(token=token)
    assert late.value.message == "This link has expired: the seat was offered to the next person waiting."
    cleo, dan = WaitlistEntry.objects.order_by("position")
    assert (cleo.status, dan.status) == (WaitlistStatus.EXPIRED, WaitlistStatus.OFFERED)


def test_the_owner_removes_an_offered_entry_and_the_next_is_offered(full_session, workshop, delivered):
    cleo = join(workshop, "cleo@example.com")
    join(workshop, "dan@example.com")
    delivered(booking_cancel, booking=full_session[0])
    token = token_sent_to("cleo@example.com")
    delivered(waitlist_remove, entry=WaitlistEntry.objects.get(pk=cleo.pk))
    assert list(WaitlistEntry.objects.order_by("position").values_list("status", flat=True)) == [
        WaitlistStatus.REMOVED, WaitlistStatus.OFFERED]
    with pytest.raises(ClaimRefused):
        waitlist_claim(token=token)


def test_a_seat_taken_before_the_claim_is_said_so(full_session, workshop, delivered):
    join(workshop, "cleo@example.com")
    delivered(booking_cancel, booking=full_session[0])
    book_seat(workshop, "eve@example.com")
    with pytest.raises(ClaimRefused) as taken:
        waitlist_claim(token=token_sent_to("cleo@example.com"))
    assert taken.value.message.startswith("The seat could not be booked")
    assert WaitlistEntry.objects.get().status == WaitlistStatus.OFFERED


def test_a_client_booked_into_the_session_since_joining_cannot_claim_a_second_seat(full_session, workshop,
                                                                                   delivered):
    join(workshop, "cleo@example.com")
    delivered(booking_cancel, booking=full_session[0])
    token = token_sent_to("cleo@example.com")
    book_seat(workshop, "Cleo@Example.com")  # the freed seat, taken on the booking page
    delivered(booking_cancel, booking=full_session[1])  # a seat free again: the claim could book it

    with pytest.raises(ClaimRefused) as refused:
        waitlist_claim(token=token)

    assert refused.value.message == ("You already have a seat in this session, so this link books nothing more. "
                                     "Your booking confirmation is in your email.")
    assert Booking.objects.filter(start=NINE_AM, status=BookingStatus.CONFIRMED).count() == 1
    assert WaitlistEntry.objects.get().status == WaitlistStatus.OFFERED  # the offer is not used up


def test_someone_in_line_who_has_a_seat_by_now_is_passed_over(full_session, workshop, delivered):
    for email in ("dan@example.com", "cleo@example.com", "fay@example.com"):
        join(workshop, email)
    delivered(booking_cancel, booking=full_session[0])  # offered to Dan
    book_seat(workshop, "cleo@example.com")  # Cleo, second in line, books the freed seat herself
    delivered(booking_cancel, booking=full_session[1])
    dans_seat = waitlist_claim(token=token_sent_to("dan@example.com"))
    mail.outbox.clear()

    delivered(booking_cancel, booking=dans_seat)

    assert [sent.to for sent in mail.outbox if "/waitlist/claim/" in sent.body] == [["fay@example.com"]]
    statuses = dict(WaitlistEntry.objects.values_list("client_email", "status"))
    assert (statuses["cleo@example.com"], statuses["fay@example.com"]) == (WaitlistStatus.WAITING,
                                                                           WaitlistStatus.OFFERED)


def test_a_client_with_a_seat_cannot_join_its_waitlist(full_session, workshop):
    with pytest.raises(AlreadyWaiting) as refused:
        join(workshop, "ANN@example.com")
    assert refused.value.message == "ann@example.com already has a seat in this session."
    assert not WaitlistEntry.objects.exists()


def test_a_package_clients_claim_spends_a_credit_of_their_item(owner, full_session, workshop, delivered):
    from orders.tests.conftest import place_order
    item = place_order(make_package(owner, items=[(workshop, 3)])).items.get()
    join(workshop, item.order.client_email, order_item=item)
    delivered(booking_cancel, booking=full_session[0])
    booking = waitlist_claim(token=token_sent_to(item.order.client_email))
    assert booking.order_item_id == item.pk
    assert CreditLedgerEntry.objects.filter(order_item=item).balance() == 2


def test_a_seat_freed_inside_the_minimum_notice_is_not_offered(full_session, workshop, delivered):
    """A claim books as a client books, held to the minimum notice: a seat that can no longer be
    claimed is not offered (no email saying "claim it" that then says "too soon")."""
    workshop.min_notice_minutes = 4 * 60
    workshop.save(update_fields=["min_notice_minutes"])
    join(workshop, "cleo@example.com", phone="+14155550100")
    with time_machine.travel(NINE_AM - timedelta(hours=3), tick=False):
        delivered(booking_cancel, booking=full_session[0], by=BookedBy.OWNER)
    assert WaitlistEntry.objects.get().status == WaitlistStatus.WAITING
    assert not Message.objects.filter(kind=MessageKind.WAITLIST_OFFER).exists()
    assert not any(sent.to == ["cleo@example.com"] for sent in mail.outbox)


def test_an_offer_runs_out_when_the_minimum_notice_begins(full_session, workshop, delivered):
    """Hours to claim that would reach past the last moment the seat can be booked end at that moment:
    the offer says how long it really has, and a late claim is told the offer expired."""
    workshop.min_notice_minutes = 4 * 60
    workshop.save(update_fields=["min_notice_minutes"])
    join(workshop, "cleo@example.com")
    with time_machine.travel(NINE_AM - timedelta(hours=8), tick=False):
        delivered(booking_cancel, booking=full_session[0], by=BookedBy.OWNER)
    cleo = WaitlistEntry.objects.get()
    assert cleo.status == WaitlistStatus.OFFERED
    assert cleo.expires_at == NINE_AM - timedelta(hours=4)  # not the 6 hours to claim: 2 hours before it starts
    assert "for 4 hours" in next(sent.body for sent in mail.outbox if sent.to == ["cleo@example.com"])
    with time_machine.travel(NINE_AM - timedelta(hours=3), tick=False), pytest.raises(ClaimRefused) as late:
        waitlist_claim(token=token_sent_to("cleo@example.com"))
    assert late.value.message == "This link has expired: the seat was offered to the next person waiting."


def test_a_package_clients_offer_and_claim_page_name_the_session_as_sold(client, owner, full_session, workshop,
                                                                         delivered):
    """A seat offered to a client waiting with a credit of their order is called by the name the
    order was sold with (as its order page, confirmations and reminders call it), even after the
    meeting type was renamed."""
    from orders.tests.conftest import place_order
    item = place_order(make_package(owner, items=[(workshop, 3)])).items.get()
    join(workshop, item.order.client_email, phone="+14155550100", order_item=item)
    workshop.name = "Renamed workshop"
    workshop.save(update_fields=["name"])
    delivered(booking_cancel, booking=full_session[0])
    offer = next(sent for sent in mail.outbox if sent.to == [item.order.client_email])
    assert "Group workshop on " in offer.body and "Renamed workshop" not in offer.body
    [text] = [sent for sent in sms.outbox if sent.to == "+14155550100"]
    assert "Group workshop on " in text.body and "Renamed workshop" not in text.body
    token = token_sent_to(item.order.client_email)
    page = client.get(f"/{owner.slug}/{workshop.slug}/waitlist/claim/{token}/").content.decode()
    assert "Group workshop on " in page and "Renamed workshop" not in page


@pytest.mark.parametrize("before_start, says, never", [
    (timedelta(hours=5, minutes=30), "for 1 hour.", "2 hours"),  # 1 h 30 left: never more than there is
    (timedelta(hours=4, minutes=20), "for 20 minutes.", "1 hour"),
])
def test_an_offer_cut_short_by_the_minimum_notice_never_promises_more_time_than_it_has(
        full_session, workshop, delivered, before_start, says, never):
    workshop.min_notice_minutes = 4 * 60
    workshop.save(update_fields=["min_notice_minutes"])
    join(workshop, "cleo@example.com", phone="+14155550100")
    with time_machine.travel(NINE_AM - before_start, tick=False):
        delivered(booking_cancel, booking=full_session[0], by=BookedBy.OWNER)
    body = next(sent.body for sent in mail.outbox if sent.to == ["cleo@example.com"])
    assert says in body and never not in body
    text = next(sent.body for sent in sms.outbox if sent.to == "+14155550100")
    assert never.replace(" hours", " h").replace(" hour", " h") not in text


def test_an_offer_sent_late_says_the_time_left_when_it_is_sent(full_session, workshop, delivered):
    """The outbox may deliver late (a worker was down): the email counts from when it is sent."""
    join(workshop, "cleo@example.com")
    booking_cancel(booking=full_session[0])  # the offer is written; its delivery waits
    with time_machine.travel(NOW + timedelta(hours=4), tick=False):
        from notifications.tasks import deliver_messages
        deliver_messages(list(Message.objects.filter(kind=MessageKind.WAITLIST_OFFER).values_list("pk", flat=True)))
    body = next(sent.body for sent in mail.outbox if sent.to == ["cleo@example.com"])
    assert "for 2 hours." in body and "6 hours" not in body
