"""The waitlist's pages: the public page of a group type's full sessions (join, bad input beside
the field, "there are seats: book it", twice with one email), a package client's join from their
order link, the claim page (used twice, expired), and the owner's Waitlists page (remove; owner
scoped; its query count does not grow with the entries)."""
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from orders.services import order_session_book
from orders.tests.conftest import place_order
from scheduling.holds import holds_release_expired
from scheduling.models import Booking, BookingStatus
from scheduling.selectors import format_slot_start
from scheduling.services import booking_cancel
from tests import NINE_AM, NOW, make_package
from waitlists.models import WaitlistEntry, WaitlistStatus
from waitlists.services import waitlist_join
from waitlists.tests.conftest import book_seat


def page_url(workshop, **query):
    url = reverse("public:waitlist", args=[workshop.owner.slug, workshop.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def join_post(client, workshop, start=NINE_AM, **fields):
    data = {"start": format_slot_start(start), "client_name": "Cleo Client", "client_email": "cleo@example.com",
            "client_phone": "", **fields}
    return client.post(page_url(workshop), data)


def test_the_booking_page_of_a_group_type_links_to_its_waitlists(client, workshop):
    page = client.get(reverse("public:book_meeting", args=[workshop.owner.slug, workshop.slug])).content.decode()
    assert f'href="{page_url(workshop)}"' in page


def test_the_page_lists_full_sessions_and_a_client_joins_one(client, full_session, workshop):
    listing = client.get(page_url(workshop)).content.decode()
    assert "Monday, 7 December 2026" in listing and "Join the waitlist" in listing
    form = client.get(page_url(workshop, start=format_slot_start(NINE_AM))).content.decode()
    assert '<label for="id_client_email">' in form and '<label for="id_client_phone">' in form
    joined = join_post(client, workshop, client_phone="+1 415 555 0100")
    assert "You are on the waitlist" in joined.content.decode()
    entry = WaitlistEntry.objects.get()
    assert (entry.client_email, entry.client_phone, entry.position) == ("cleo@example.com", "+14155550100", 1)


@pytest.mark.parametrize("fields, message", [
    ({"client_email": "not-an-email"}, "Enter a valid email address."),
    ({"client_name": ""}, "Enter your name."),
    ({"client_phone": "12"}, ""),  # the mobile-number rule's own words
])
def test_bad_details_are_explained_and_nothing_is_written(client, full_session, workshop, fields, message):
    response = join_post(client, workshop, **fields)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert 'class="field-error' in response.content.decode() or "errorlist" in response.content.decode()
    assert not WaitlistEntry.objects.exists()


def test_a_time_with_seats_says_book_it(client, workshop):
    book_seat(workshop, "ann@example.com")
    response = join_post(client, workshop)
    assert "There are seats left in this session: book it instead." in response.content.decode()
    assert not WaitlistEntry.objects.exists()


def test_joining_twice_with_one_email_says_so(client, full_session, workshop):
    join_post(client, workshop)
    again = join_post(client, workshop, client_email="CLEO@example.com")
    assert "cleo@example.com is already on the waitlist for this session." in again.content.decode()
    assert WaitlistEntry.objects.count() == 1


def test_a_full_session_inside_the_minimum_notice_is_not_offered_to_wait_for(client, full_session, workshop):
    """Its seat could not be claimed any more (a claim books as the client would): the page does not
    list it and a join is refused, rather than keeping the client in a line that never moves."""
    workshop.min_notice_minutes = 4 * 60
    workshop.save(update_fields=["min_notice_minutes"])
    with time_machine.travel(NINE_AM - timedelta(hours=3), tick=False):
        listing = client.get(page_url(workshop)).content.decode()
        response = join_post(client, workshop)
    assert "Monday, 7 December 2026" not in listing
    assert response.status_code == 400
    assert "This time is not a session you can wait for." in response.content.decode()
    assert not WaitlistEntry.objects.exists()


def test_a_package_client_joins_from_their_order_link(client, owner, full_session, workshop):
    item = place_order(make_package(owner, items=[(workshop, 2)])).items.get()
    url = page_url(workshop, order=item.order.token, item=item.pk)
    response = client.post(url, {"start": format_slot_start(NINE_AM)})
    assert "You are on the waitlist" in response.content.decode()
    entry = WaitlistEntry.objects.get()
    assert (entry.order_item_id, entry.client_email) == (item.pk, item.order.client_email)


def _offered_token(workshop, full_session, delivered) -> str:
    waitlist_join(meeting_type=workshop, start=NINE_AM, client_name="Cleo", client_email="cleo@example.com")
    delivered(booking_cancel, booking=full_session[0])
    body = next(sent.body for sent in mail.outbox if sent.to == ["cleo@example.com"])
    return next(word for word in body.split() if "/waitlist/claim/" in word).rstrip("/").rsplit("/", 1)[-1]


def claim_url(workshop, token):
    return reverse("public:waitlist_claim", args=[workshop.owner.slug, workshop.slug, token])


def test_the_claim_page_books_the_seat_and_a_second_use_says_it_was_used(client, full_session, workshop, delivered):
    token = _offered_token(workshop, full_session, delivered)
    shown = client.get(claim_url(workshop, token))
    assert "Claim my seat" in shown.content.decode()
    assert WaitlistEntry.objects.get().status == WaitlistStatus.OFFERED  # opening the link claims nothing
    claimed = client.post(claim_url(workshop, token))
    assert claimed.status_code == 302
    assert Booking.objects.filter(client_email="cleo@example.com", status=BookingStatus.CONFIRMED).count() == 1
    again = client.post(claim_url(workshop, token))
    assert again.status_code == 400 and "This link was already used" in again.content.decode()


def test_an_expired_claim_link_says_so(client, full_session, workshop, delivered):
    token = _offered_token(workshop, full_session, delivered)
    with time_machine.travel(NOW + timedelta(hours=7), tick=False):
        response = client.post(claim_url(workshop, token))
    assert "This link has expired" in response.content.decode()
    assert not Booking.objects.filter(client_email="cleo@example.com").exists()


@pytest.mark.parametrize(("language", "says"), [
    ("en", "You already have a seat in this session, so this link books nothing more."),
    ("de", "Sie haben bereits einen Platz in diesem Termin, daher bucht dieser Link nichts weiter."),
    ("es", "Ya tiene una plaza en esta sesión, así que este enlace no reserva nada más."),
])
def test_the_claim_page_of_a_client_who_has_a_seat_by_now_says_so_in_the_pages_language(
        client, owner, full_session, workshop, delivered, language, says):
    owner.page_language = language
    owner.save(update_fields=["page_language"])
    token = _offered_token(workshop, full_session, delivered)
    book_seat(workshop, "cleo@example.com")  # the freed seat, taken on the booking page
    delivered(booking_cancel, booking=full_session[1])

    shown, claimed = client.get(claim_url(workshop, token)), client.post(claim_url(workshop, token))

    for response in (shown, claimed):
        assert response.status_code == 400
        assert says in response.content.decode()
    assert Booking.objects.filter(client_email="cleo@example.com", status=BookingStatus.CONFIRMED).count() == 1


def test_an_unknown_claim_link_is_a_clear_404(client, workshop):
    response = client.get(claim_url(workshop, "x" * 43))
    assert response.status_code == 404 and "This claim link is not valid" in response.content.decode()


def _waiting(workshop, count: int) -> None:
    for n in range(count):
        waitlist_join(meeting_type=workshop, start=NINE_AM, client_name=f"Client {n}",
                      client_email=f"client{n}@example.com")


@pytest.mark.parametrize("count", [1, 8])
def test_the_owners_waitlists_page_lists_the_line_in_a_fixed_number_of_queries(
        owner_client, full_session, workshop, count, django_assert_num_queries):
    _waiting(workshop, count)
    with django_assert_num_queries(2):  # the user, then every entry with its meeting type and order
        page = owner_client.get(reverse("waitlists:list")).content.decode()
    assert page.count('aria-label="Remove Client ') == count


def test_the_owner_removes_an_entry_and_another_owner_cannot(client, other_owner, full_session, workshop):
    _waiting(workshop, 1)
    entry = WaitlistEntry.objects.get()
    client.force_login(other_owner)
    assert client.post(reverse("waitlists:remove", args=[entry.pk])).status_code == 404
    assert "client0@example.com" not in client.get(reverse("waitlists:list")).content.decode()
    client.force_login(workshop.owner)
    assert client.post(reverse("waitlists:remove", args=[entry.pk])).status_code == 302
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.REMOVED


def test_the_owners_page_of_a_full_session_shows_its_waitlist(owner_client, full_session, workshop):
    _waiting(workshop, 1)
    page = owner_client.get(reverse("dashboard:booking_detail", args=[full_session[0].pk])).content.decode()
    assert "Waitlist of this session" in page and "client0@example.com" in page


def test_a_package_clients_booking_page_of_a_group_session_links_to_its_waitlists(client, owner, workshop):
    item = place_order(make_package(owner, items=[(workshop, 2)])).items.get()
    page = client.get(reverse("order_details:book", args=[item.order.token, item.pk])).content.decode()
    assert f'href="{page_url(workshop)}?order={item.order.token}&amp;item={item.pk}"' in page


@pytest.mark.parametrize("hours, message", [("0", "Enter at least 1 hour."), ("200", "Enter at most 168 hours (a week)."),
                                            ("soon", "Enter a whole number of hours, e.g. 12.")])
def test_the_meeting_type_forms_hours_to_claim_explain_bad_values(owner, hours, message):
    from scheduling.forms import MeetingTypeForm
    form = MeetingTypeForm({"waitlist_claim_hours": hours}, owner=owner)
    assert form.errors["waitlist_claim_hours"] == [message]


def test_a_seat_is_offered_in_the_language_the_client_joined_in(client, full_session, workshop,
                                                                  django_capture_on_commit_callbacks):
    from leadmonk.languages import VISITOR

    workshop.owner.page_language = VISITOR
    workshop.owner.save()
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "es-ES,es;q=0.9"
    join_post(client, workshop)
    assert WaitlistEntry.objects.get().client_language == "es"
    # The seat is freed by someone else, in English (here: outside any client page).
    with django_capture_on_commit_callbacks(execute=True):
        booking_cancel(booking=full_session[0])

    [offer] = [sent for sent in mail.outbox if sent.to == ["cleo@example.com"]]
    assert offer.subject == "Hay una plaza libre: resérvela"
    assert "Group workshop el lunes, 7 de diciembre de 2026, 09:00 (America/New_York)" in offer.body
    assert " on Monday" not in offer.body


def test_claiming_a_seat_of_a_paid_group_session_holds_it_until_the_client_pays(client, full_session, workshop,
                                                                               delivered):
    """A seat of a paid session is sold, not given away: the claim holds it and sends the client to
    pay, as the booking page does; it is confirmed once paid."""
    workshop.price, workshop.currency, workshop.payment_medium = Decimal("30"), "USD", "stripe"
    workshop.save(update_fields=["price", "currency", "payment_medium"])
    token = _offered_token(workshop, full_session, delivered)
    claimed = client.post(claim_url(workshop, token))
    seat = Booking.objects.get(client_email="cleo@example.com")
    assert seat.status == BookingStatus.HELD
    assert claimed.status_code == 302 and claimed["Location"] == f"/payments/session/{seat.token}/"


def test_a_paid_seat_claimed_and_not_paid_takes_its_link_back_to_paying_then_says_it_went_on(
        client, full_session, workshop, delivered):
    """Opened again while the seat is held, the link goes back to paying; once the hold ran out
    unpaid (the seat offered to the next person), it says so, not that the seat is theirs."""
    workshop.price, workshop.currency, workshop.payment_medium = Decimal("30"), "USD", "stripe"
    workshop.save(update_fields=["price", "currency", "payment_medium"])
    token = _offered_token(workshop, full_session, delivered)
    client.post(claim_url(workshop, token))
    seat = Booking.objects.get(client_email="cleo@example.com")

    again = client.get(claim_url(workshop, token))
    assert again.status_code == 302 and again["Location"] == f"/payments/session/{seat.token}/"

    with time_machine.travel(seat.hold_expires_at + timedelta(minutes=1), tick=False):
        assert holds_release_expired() == 1
        late = client.get(claim_url(workshop, token)).content.decode()
    assert "The seat was not paid for in time, so it was offered to the next person waiting." in late
    assert "already used" not in late and "Claim my seat" not in late


def test_opening_a_used_or_expired_claim_link_says_so_without_offering_the_seat_again(
        client, full_session, workshop, delivered):
    token = _offered_token(workshop, full_session, delivered)
    with time_machine.travel(NOW + timedelta(hours=7), tick=False):
        late = client.get(claim_url(workshop, token)).content.decode()
    assert "This link has expired" in late and "Claim my seat" not in late and "offered to you until" not in late
    client.post(claim_url(workshop, token))
    used = client.get(claim_url(workshop, token)).content.decode()
    assert "This link was already used" in used and "Claim my seat" not in used


def test_joining_without_a_time_is_explained_in_the_pages_language(client, full_session, workshop):
    workshop.owner.page_language = "es"
    workshop.owner.save()
    response = client.post(page_url(workshop), {"client_name": "Cleo", "client_email": "cleo@example.com"})
    assert response.status_code == 400
    assert "Elija una de las sesiones completas" in response.content.decode()
    assert not WaitlistEntry.objects.exists()


def test_a_package_client_with_no_sessions_left_is_told_so_and_not_put_in_line(client, owner, full_session,
                                                                              workshop):
    """Their claim could never book: in line, they would only keep a freed seat from the next person."""
    order = place_order(make_package(owner, items=[(workshop, 1)]))
    item = order.items.get()
    order_session_book(item=item, start=NINE_AM + timedelta(hours=2))
    response = client.post(page_url(workshop, order=order.token, item=item.pk), {"start": format_slot_start(NINE_AM)})
    assert response.status_code == 400
    assert "No sessions left for this item." in response.content.decode()
    assert not WaitlistEntry.objects.exists()


@pytest.mark.parametrize("language, words", [("de", "Warteliste"), ("es", "lista de espera")])
def test_a_german_or_spanish_booking_page_links_to_the_waitlist_in_its_language(client, owner, workshop,
                                                                                  language, words):
    owner.page_language = language
    owner.save()
    item = place_order(make_package(owner, items=[(workshop, 2)])).items.get()
    pages = [client.get(reverse("public:book_meeting", args=[owner.slug, workshop.slug])).content.decode(),
             client.get(reverse("order_details:book", args=[item.order.token, item.pk])).content.decode()]
    for page in pages:
        assert "Is the session you want full?" not in page
        assert words in page.split('class="muted small waitlist-link"')[1].split("</p>")[0]


def test_a_secret_group_types_page_does_not_link_to_a_waitlist_that_is_not_there(client, owner, workshop):
    """Its waitlist page answers 404 (a Secret type is not on the public page, nor its slug)."""
    workshop.visibility = "secret"
    workshop.save(update_fields=["visibility"])
    page = client.get(reverse("public:book_secret", args=[owner.slug, workshop.secret_token])).content.decode()
    assert page.count(workshop.name) >= 1
    assert client.get(page_url(workshop)).status_code == 404
    assert page_url(workshop) not in page and "waitlist-link" not in page


def test_on_the_free_plan_the_page_promises_no_text_and_asks_no_mobile(client, full_session, workshop):
    """Texts are a Pro feature: the offer goes by email only, so the page does not say otherwise."""
    from accounts.plans import Plan

    workshop.owner.plan = Plan.FREE
    workshop.owner.save()
    page = client.get(page_url(workshop, start=format_slot_start(NINE_AM))).content.decode()
    assert "and a text" not in page and 'id="id_client_phone"' not in page
    assert "the first waiting gets an email with a link to claim it" in page
    joined = join_post(client, workshop)
    assert "You are on the waitlist" in joined.content.decode()
    assert WaitlistEntry.objects.get().client_phone == ""


def test_an_item_written_in_other_digits_is_not_found_not_a_server_error(client, full_session, workshop):
    assert client.get(page_url(workshop, order="x" * 43, item="²")).status_code == 404
