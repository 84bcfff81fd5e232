"""Purchase limits, checked when a client orders (orders.services.order_create): at most N orders
of a package per client (by email: paid ones not refunded, and unpaid ones until they expire) and
new clients only. Refused with a message that says why, on the order page and in the service;
exact under parallel orders (PostgreSQL, real threads)."""
from datetime import timedelta

import pytest
import time_machine
from django.db import transaction

from orders.clients import orders_toward_purchase_limit
from orders.models import OrderStatus, PackageOrder
from orders.services import NewClientsOnly, OrderError, PurchaseLimitReached, order_create
from orders.tests.conftest import place_order
from orders.transitions import order_transition
from packages.models import Package
from payments.services import order_issue, orders_expire_unpaid
from tests import NOW, make_package, race

LIMIT_REACHED = "You have already bought this package the most times allowed (2)."
UNPAID_WAITING = ("You already have an unpaid order of this package. Finish paying for it, or order again once it "
                  "expires (unpaid orders expire after 24 hours).")


def limit(package, *, max_orders=None, new_clients_only=False):
    Package.objects.filter(pk=package.pk).update(max_orders_per_client=max_orders, new_clients_only=new_clients_only)
    package.refresh_from_db()
    return package


def order(package, email="jamie@example.com"):
    return order_create(package=package, client_name="Jamie Client", client_email=email, terms_accepted=True)


def test_a_client_orders_up_to_the_limit_and_is_then_told_why_not(package):
    limit(package, max_orders=2)
    place_order(package)
    place_order(package, email="JAMIE@example.com ".strip())

    with pytest.raises(PurchaseLimitReached) as refused:
        order(package, email=" Jamie@Example.COM")

    assert refused.value.message == LIMIT_REACHED
    assert PackageOrder.objects.filter(package=package).count() == 2
    # Another client is not limited by Jamie's orders.
    assert order(package, email="robin@example.com").status == OrderStatus.PENDING_PAYMENT


def test_an_unpaid_order_counts_while_it_waits_so_a_second_tab_is_refused(package):
    limit(package, max_orders=1)
    first = order(package)
    assert first.status == OrderStatus.PENDING_PAYMENT

    with pytest.raises(PurchaseLimitReached) as refused:
        order(package)

    assert refused.value.message == UNPAID_WAITING


def test_an_unpaid_order_stops_counting_when_it_expires(package, settings):
    limit(package, max_orders=1)
    order(package)
    with time_machine.travel(NOW + timedelta(minutes=settings.UNPAID_ORDER_EXPIRY_MINUTES + 1), tick=False):
        assert orders_expire_unpaid() == 1
        again = order(package)
    assert again.status == OrderStatus.PENDING_PAYMENT


def test_cancelled_unpaid_and_refunded_orders_do_not_count_but_a_cancelled_paid_one_does(package):
    limit(package, max_orders=1)
    place_order(package, status=OrderStatus.CANCELLED)  # cancelled while unpaid
    refunded = place_order(package, status=OrderStatus.REFUNDED)
    assert list(orders_toward_purchase_limit(package_id=package.pk, email="jamie@example.com")) == []
    assert refunded.paid_at is not None

    paid = place_order(package)
    with transaction.atomic():
        order_transition(order_id=paid.pk, target=OrderStatus.CANCELLED)
    with pytest.raises(PurchaseLimitReached) as refused:
        order(package)
    assert refused.value.message == "You have already bought this package the most times allowed (1)."


def test_orders_of_another_package_do_not_count(package, owner, coaching):
    limit(package, max_orders=1)
    place_order(make_package(owner, items=[(coaching, 1)]))
    assert order(package).status == OrderStatus.PENDING_PAYMENT


def test_new_clients_only_refuses_a_client_with_a_paid_order_of_any_package(package, owner, coaching):
    limit(package, new_clients_only=True)
    other = make_package(owner, items=[(coaching, 1)], terms="")
    place_order(other, email="jamie@example.com")

    with pytest.raises(NewClientsOnly) as refused:
        order(package)

    assert refused.value.message == "This package is for new clients only."
    assert order(package, email="new@example.com").status == OrderStatus.PENDING_PAYMENT


def test_new_clients_only_sells_a_new_client_one_order_not_one_per_tab(package):
    limit(package, new_clients_only=True)
    order(package)  # waiting for payment: the client is still new, but has the offer in hand
    with pytest.raises(PurchaseLimitReached) as refused:
        order(package)
    assert refused.value.message == UNPAID_WAITING


def test_a_client_whose_only_order_was_refunded_is_not_new(package):
    # One rule with promo codes (orders.clients.client_is_new): a paid order makes a client, even refunded.
    limit(package, new_clients_only=True)
    place_order(package, status=OrderStatus.REFUNDED)
    with pytest.raises(NewClientsOnly):
        order(package)


def test_the_owner_may_issue_an_order_beyond_the_limits(package, owner):
    limit(package, max_orders=1, new_clients_only=True)
    place_order(package)
    issued = order_issue(owner=owner, package=package, client_name="Jamie Client", client_email="jamie@example.com",
                         mode="complimentary")
    assert issued.status == OrderStatus.ACTIVE


def test_a_refusal_changes_nothing(package):
    limit(package, max_orders=1)
    place_order(package)
    before = list(PackageOrder.objects.values())
    with pytest.raises(OrderError):
        order(package)
    assert list(PackageOrder.objects.values()) == before


# On the order page


def page_post(package, **overrides) -> dict:
    question = package.questions.get()
    data = {"full_name": "Jamie Client", "email": "jamie@example.com", "client_timezone": "Europe/London",
            "accept_terms": "on", f"question_{question.pk}": "Focus"}
    return {**data, **overrides}


def test_the_order_page_says_who_can_order(client, package):
    limit(package, max_orders=2, new_clients_only=True)
    html = client.get(f"/{package.owner.slug}/packages/{package.slug}/").content.decode()
    assert "New clients only: for clients who have not ordered from Casey Coach before." in html
    assert "At most 2 orders per client." in html


@pytest.mark.parametrize("setup, message", [
    ({"max_orders": 2}, LIMIT_REACHED),
    ({"new_clients_only": True}, "This package is for new clients only."),
])
def test_the_order_page_refuses_with_the_reason_above_the_form_and_keeps_what_was_typed(client, package, setup,
                                                                                       message):
    place_order(package)
    place_order(package)
    limit(package, **setup)
    count = PackageOrder.objects.count()

    response = client.post(f"/{package.owner.slug}/packages/{package.slug}/", page_post(package))

    assert response.status_code == 200
    html = response.content.decode()
    errors = html[html.index('class="form-errors"'):]
    assert message in errors[:errors.index("</div>")]
    assert 'value="Jamie Client"' in html and 'value="jamie@example.com"' in html
    assert PackageOrder.objects.count() == count


# Exact under races


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_parallel_orders_by_one_client_with_a_limit_of_one_make_one_order(package):
    limit(package, max_orders=1)

    booked, refusals = race(10, lambda index: order(package, email="Jamie@example.com" if index % 2 else
                                                     "jamie@example.com"), OrderError)

    assert booked == 1
    assert refusals == [UNPAID_WAITING] * 9
    assert PackageOrder.objects.filter(package=package).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_new_client_racing_for_two_free_new_clients_offers_gets_one(owner, coaching, workshop):
    # Each offer's own lock is not enough: the first free order makes the client not new for the
    # other offer. The owner lock (order_create) puts one order after the other.
    offers = [make_package(owner, items=[(meeting_type, 1)], price=0, terms="", new_clients_only=True)
              for meeting_type in (coaching, workshop)]

    placed, refusals = race(10, lambda index: order(offers[index % 2]), OrderError)

    assert placed == 1
    assert PackageOrder.objects.filter(client_email="jamie@example.com", status=OrderStatus.ACTIVE).count() == 1
    assert sorted(set(refusals)) == ["This package is for new clients only."]


def test_a_second_unpaid_order_on_a_german_page_is_refused_in_german(client, owner, package):
    type(owner).objects.filter(pk=owner.pk).update(page_language="de")
    limit(package, max_orders=1)
    order(package)

    html = client.post(f"/{package.owner.slug}/packages/{package.slug}/", page_post(package)).content.decode()

    assert "(unbezahlte Bestellungen verfallen nach 24 Stunden)" in html
    assert "You already have an unpaid order" not in html
    assert PackageOrder.objects.count() == 1
