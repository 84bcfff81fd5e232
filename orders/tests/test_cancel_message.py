"""Cancelling an order tells the client why (the owner's reason) and takes its sessions out of
their calendar: one email lists the cancelled sessions and carries, for each, an .ics with
METHOD:CANCEL and the UID of the invitation the client got when it was booked."""
from datetime import timedelta

import pytest
from django.core import mail
from icalendar import Calendar

from orders.lifecycle import order_cancel
from orders.models import PackageOrder
from orders.tests.conftest import place_order
from orders.tests.test_dashboard import book_for
from tests import NINE_AM

pytestmark = pytest.mark.django_db


def _uid(attachment) -> tuple[str, str]:
    _, content, mimetype = attachment
    calendar = Calendar.from_ical(content)
    [event] = calendar.walk("VEVENT")
    return str(calendar["METHOD"]), str(event["UID"]), mimetype


def test_the_owners_reason_and_a_calendar_cancellation_reach_the_client(
        owner_client, package, django_capture_on_commit_callbacks):
    order = place_order(package)
    with django_capture_on_commit_callbacks(execute=True):
        first = book_for(order, NINE_AM)
        second = book_for(order, NINE_AM + timedelta(days=1))
    invitations = {
        _uid(m.attachments[0])[1] for m in mail.outbox if m.to == ["jamie@example.com"] and m.attachments
    }
    assert len(invitations) == 2
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(f"/dashboard/orders/{order.pk}/cancel/", {"reason": "I am moving abroad."})

    [email] = [m for m in mail.outbox if m.to == ["jamie@example.com"]]
    assert email.subject == "Your order was cancelled: Starter pack"
    assert "Reason from Casey Coach: I am moving abroad." in email.body
    assert "I am moving abroad." in email.alternatives[0][0]
    assert "Cancelled sessions:" in email.body
    assert email.body.count("- Coaching session: Monday, 7 December 2026") == 1
    assert "- Coaching session: Tuesday, 8 December 2026" in email.body
    cancels = [_uid(attachment) for attachment in email.attachments]
    assert sorted(uid for _, uid, _ in cancels) == sorted(invitations)
    assert {(method, mimetype) for method, _, mimetype in cancels} == {("CANCEL", "text/calendar; method=CANCEL")}
    assert PackageOrder.objects.get(pk=order.pk).cancel_reason == "I am moving abroad."
    for booking in (first, second):
        booking.refresh_from_db()
        assert booking.status == "cancelled"


def test_an_order_without_sessions_booked_is_cancelled_without_calendar_files(package,
                                                                             django_capture_on_commit_callbacks):
    order = place_order(package)
    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(order=order, reason="")
    [email] = mail.outbox
    assert email.attachments == [] and "Reason" not in email.body and "Cancelled sessions" not in email.body
