"""Gifts under concurrent workers (PostgreSQL, real threads): a due gift is sent once with two
schedulers, and a change of the recipient's email racing the send either lands before it (the gift
goes to the new address) or is refused (it went to the old one), never half of each."""
from datetime import date, timedelta

import pytest
import time_machine

from notifications.models import Message, MessageKind
from orders.gifts import GiftError, gift_change_recipient_email, gifts_send_due
from orders.models import Gift, PackageOrder
from orders.tests.test_gifts import SEND_MOMENT, paid_gift
from tests import race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def no_keys(settings):
    settings.TEST_PAYMENTS_ENABLED = True


def gift_emails(gift) -> list[str]:
    return list(Message.objects.filter(order_id=gift.order_id, kind=MessageKind.GIFT_RECEIVED)
                .values_list("recipient", flat=True))


def test_two_schedulers_at_the_same_moment_send_each_gift_once(package):
    gifts = [paid_gift(package, send_on=date(2026, 12, 2)) for _ in range(3)]
    tokens = {gift.pk: gift.order.token for gift in gifts}
    with time_machine.travel(SEND_MOMENT + timedelta(minutes=5), tick=False):
        done, errors = race(4, lambda index: gifts_send_due(), RuntimeError)
    assert (done, errors) == (4, [])
    for gift in gifts:
        assert gift_emails(gift) == ["rory@example.com"]
        assert Message.objects.filter(order_id=gift.order_id, kind=MessageKind.GIFT_DELIVERED).count() == 1
        assert Gift.objects.get(pk=gift.pk).sent_at is not None
        assert PackageOrder.objects.get(pk=gift.order_id).token != tokens[gift.pk]


@pytest.mark.parametrize("attempt", range(3))
def test_a_change_of_email_racing_the_send_lands_before_it_or_is_refused(package, attempt):
    gift = paid_gift(package, send_on=date(2026, 12, 2))

    def act(index: int) -> None:
        if index == 0:
            gifts_send_due()
        else:
            gift_change_recipient_email(gift=gift, email="new@example.com")

    with time_machine.travel(SEND_MOMENT + timedelta(minutes=5), tick=False):
        done, refusals = race(2, act, GiftError)
    gift.refresh_from_db()
    order = PackageOrder.objects.get(pk=gift.order_id)
    assert gift_emails(gift) == [gift.recipient_email] == [order.client_email]
    if refusals:
        assert gift.recipient_email == "rory@example.com" and refusals[0].startswith("This gift was sent on")
    else:
        assert gift.recipient_email == "new@example.com"
