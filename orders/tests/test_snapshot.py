"""Rule 4: an order keeps the package as it was sold. Every later edit of the package (and of its
meeting types) leaves each existing order, and its details page, exactly as it was."""
import re
from datetime import timedelta
from decimal import Decimal

from django.core import mail
from django.forms.models import model_to_dict
from icalendar import Calendar

from orders.models import OrderStatus, PackageOrder
from orders.services import order_session_book
from orders.tests.conftest import place_order
from packages.models import InviteeQuestion, NameFormat, OrderingInformation, PackageItem, PaymentMedium, QuestionKind
from scheduling.models import Booking, MeetingTypeState
from scheduling.selectors import format_slot_start
from tests import NINE_AM, TEN_AM, make_meeting_type


def order_state(order: PackageOrder) -> dict:
    order = PackageOrder.objects.get(pk=order.pk)
    return {
        "order": model_to_dict(order),
        "token": order.token,
        "created_at": order.created_at,
        "items": [model_to_dict(item) for item in order.items.order_by("pk")],
    }


def details_html(client, order) -> str:
    return client.get(f"/orders/{order.token}/").content.decode()


def place_orders(package):
    active = place_order(package)
    item = active.items.get(meeting_type_name="Coaching session")
    order_session_book(item=item, start=NINE_AM)
    return [active, place_order(package, status=OrderStatus.PENDING_PAYMENT, email="pending@example.com")]


def edit_every_field_of(package, coaching, workshop):
    package.name = "Renamed pack"
    package.description = "A completely different description."
    package.price = Decimal("999.000")
    package.currency = "JPY"
    package.terms = "New terms nobody accepted."
    package.payment_medium = PaymentMedium.PAYPAL
    package.name_format = NameFormat.FIRST_LAST
    package.ordering_information = OrderingInformation.NAME_EMAIL_MOBILE
    package.save()
    PackageItem.objects.filter(package=package, meeting_type=coaching).update(quantity=9, position=5)
    PackageItem.objects.filter(package=package, meeting_type=workshop).delete()
    PackageItem.objects.create(package=package, meeting_type=make_meeting_type(package.owner, name="New type"),
                               quantity=4, position=0)
    InviteeQuestion.objects.filter(package=package).update(text="A reworded question?", kind=QuestionKind.LONG_TEXT)
    InviteeQuestion.objects.create(package=package, text="Brand new question", required=True)
    # Meeting types change too: the order shows them as sold.
    coaching.name = "Renamed coaching"
    coaching.duration_minutes = 25
    coaching.save()


def _event_span(ics: bytes | str) -> tuple:
    (event,) = Calendar.from_ical(ics).walk("VEVENT")
    return event.decoded("dtstart"), event.decoded("dtend")


def test_editing_every_field_of_the_package_changes_no_order_nor_its_page(client, package, coaching, workshop,
                                                                          django_capture_on_commit_callbacks):
    orders = place_orders(package)
    before = [(order_state(order), details_html(client, order)) for order in orders]

    edit_every_field_of(package, coaching, workshop)

    for order, (state, html) in zip(orders, before, strict=True):
        assert order_state(order) == state
        assert details_html(client, order) == html
    assert "Starter pack" in before[0][1] and "Coaching session" in before[0][1] and "Used 1 of 2" in before[0][1]
    assert "(50 min)" in before[0][1]

    # A session booked after the edit (coaching is now 25 minutes) lasts the 50 minutes sold: in the
    # database, in the client's and the owner's emails and invitations, and in the calendar file.
    active = orders[0]
    item = active.items.get(meeting_type_name="Coaching session")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/orders/{active.token}/items/{item.pk}/book/?tz=Europe/London",
                               {"start": format_slot_start(TEN_AM)})
    assert response.status_code == 302
    booking = Booking.objects.get(order_item=item, start=TEN_AM)
    sold = (TEN_AM, TEN_AM + timedelta(minutes=50))
    assert (booking.start, booking.end) == sold
    for recipient, when in ((active.client_email, "3:00 PM – 3:50 PM (Europe/London)"),
                            (package.owner.email, "10:00 AM – 10:50 AM (America/New_York)")):
        (email,) = [message for message in mail.outbox if message.to == [recipient]]
        assert "Coaching session (50 min)" in email.body and when in email.body
        invites = [content for name, content, _type in email.attachments if name == "invite.ics"]
        assert [_event_span(invite) for invite in invites] == [sold]
    assert _event_span(client.get(f"/bookings/{booking.token}/calendar.ics").content) == sold
    assert "· 50 min" in client.get(f"/bookings/{booking.token}/").content.decode()


def _without_item(html: str, name: str) -> str:
    return re.sub(r'<article class="list-card order-item">(?:(?!</article>).)*?' + re.escape(name)
                  + r".*?</article>", "", html, flags=re.S)


def test_deleting_a_meeting_type_changes_no_order_and_only_says_so_beside_its_line(client, package, coaching,
                                                                                   workshop):
    orders = place_orders(package)
    before = [(order_state(order), details_html(client, order)) for order in orders]

    edit_every_field_of(package, coaching, workshop)
    workshop.state = MeetingTypeState.DELETED
    workshop.save()

    for order, (state, html) in zip(orders, before, strict=True):
        assert order_state(order) == state
        after = details_html(client, order)
        # Rule 6 adds its notice beside the workshop's line; everything else is byte for byte the same,
        # except "Book several sessions", which goes when fewer than two sessions can still be booked.
        several = re.compile(r'<a class="btn btn-primary" href="[^"]*/sessions/">Book several sessions</a>')
        assert "Book several sessions" not in after
        assert _without_item(after, "Group workshop") == several.sub("", _without_item(html, "Group workshop"))
        workshop_line = re.search(r'<article class="list-card order-item">(?:(?!</article>).)*?Group workshop.*?</article>',
                                  after, flags=re.S).group(0)
        assert "This meeting type can no longer be scheduled" in workshop_line
        assert "Used 0 of 1" in workshop_line and "(90 min)" in workshop_line
