"""The pages of memberships: the package editor's Membership section (bad input explained next to
the field, nothing saved), the client's buttons on the order page and in the portal, the owner's
order page with "Renew now", and the Members page with its filter and monthly recurring revenue."""
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.http import HttpResponse
from django.urls import reverse

from memberships import services
from memberships.models import MembershipStatus, PackageMembership
from memberships.selectors import monthly_amount
from memberships.tests.conftest import membership_package, subscribe
from orders.services import order_create
from packages.models import BillingInterval, Package, RenewalRule
from payments.models import Provider
from payments.providers.base import get_provider
from payments.services import payment_start
from portal.session import PORTAL_COOKIE, portal_sign_in
from tests import make_owner, make_package

pytestmark = pytest.mark.django_db

MEMBERSHIP = {"sold_as": "membership", "billing_interval": "month", "billing_interval_count": "1",
              "renewal_rule": "rollover", "rollover_cap": "2"}


def save_membership(owner_client, package, **fields):
    return owner_client.post(reverse("packages:save_membership", args=[package.pk]), {**MEMBERSHIP, **fields})


def test_the_owner_sells_a_package_as_a_monthly_membership(owner_client, owner):
    package = make_package(owner, name="Coaching pack")
    page = owner_client.get(reverse("packages:edit", args=[package.pk])).content.decode()
    assert "PayPal stays one-off" in page

    response = save_membership(owner_client, package)

    assert response.status_code == 302
    package.refresh_from_db()
    assert (package.billing_interval, package.billing_interval_count, package.renewal_rule, package.rollover_cap) == (
        "month", 1, "rollover", 2)
    page = owner_client.get(reverse("packages:edit", args=[package.pk])).content.decode()
    assert "Membership saved. Orders already placed keep what they were sold with." in page


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"billing_interval_count": "0"}, "billing_interval_count",
     "Bill every 1 or more weeks, months or years: an interval of 0 is no interval."),
    ({"rollover_cap": "-1"}, "rollover_cap", "The roll-over cap cannot be below 0: enter 0 to roll nothing over."),
    ({"rollover_cap": ""}, "rollover_cap", "Enter how many unused sessions roll over at most (0 or more)."),
    ({"billing_interval": ""}, "billing_interval", "Choose week, month or year."),
])
def test_bad_membership_input_is_explained_next_to_the_field_and_saves_nothing(owner_client, owner, fields, field,
                                                                               message):
    package = make_package(owner, name="Coaching pack")

    response = save_membership(owner_client, package, **fields)

    assert response.status_code == 200
    html = response.content.decode()
    field_html = html.split(f'id="id_{field}')[1].split("</div>")[0] + html.split(f'id="id_{field}')[-1][:2000]
    assert message in html and message in field_html
    assert Package.objects.get(pk=package.pk).billing_interval == ""


def test_a_paypal_package_cannot_be_a_membership(owner_client, owner):
    package = make_package(owner, name="PayPal pack", payment_medium="paypal")

    response = save_membership(owner_client, package)

    assert "PayPal takes one-off payments only" in response.content.decode()
    assert Package.objects.get(pk=package.pk).billing_interval == ""


def test_the_client_cancels_from_the_order_page_and_sees_when_it_ends(client, owner, package):
    order = subscribe(package)
    page = client.get(reverse("order_details:detail", args=[order.token])).content.decode()
    assert "Your membership" in page and "renews on 1 January 2027" in page

    response = client.post(reverse("membership_client:action", args=[order.token, "cancel"]), follow=True)

    page = response.content.decode()
    assert "Your membership cancels on 1 January 2027" in page
    assert "Cancels on 1 January 2027" in page and "Keep my membership" in page
    order.package_membership.refresh_from_db()
    assert order.package_membership.cancel_at is not None


def test_the_client_pauses_and_resumes_from_the_portal(client, owner, package):
    order = subscribe(package)
    response = HttpResponse()
    portal_sign_in(response, email="cleo@example.com")
    client.cookies[PORTAL_COOKIE] = response.cookies[PORTAL_COOKIE].value
    assert "Pause membership" in client.get("/my/").content.decode()

    response = client.post(reverse("membership_client:action", args=[order.token, "pause"]), {"next": "/my/"})

    assert response.status_code == 302 and response.url == "/my/"
    page = client.get("/my/").content.decode()
    assert "Paused" in page and "Resume membership" in page
    client.post(reverse("membership_client:action", args=[order.token, "resume"]), {"next": "/my/"})
    order.package_membership.refresh_from_db()
    assert order.package_membership.status == MembershipStatus.ACTIVE


def test_a_past_due_client_is_shown_how_to_pay_and_pays_now(client, owner, package):
    order = subscribe(package)
    services.membership_fail(membership_id=order.package_membership.pk)

    page = client.get(reverse("order_details:detail", args=[order.token])).content.decode()
    assert "A renewal payment did not go through." in page and "Pay now" in page

    client.post(reverse("membership_client:pay", args=[order.token]))

    order.refresh_from_db()
    assert order.package_membership.status == MembershipStatus.ACTIVE
    assert order.bookings_held_from is None


def test_the_owner_renews_now_from_the_order_page_once_per_period(owner_client, owner, package):
    order = subscribe(package)
    page = owner_client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert "Renew now" in page
    period_start = order.package_membership.current_period_end.isoformat()

    for _ in range(2):  # a double click
        owner_client.post(reverse("memberships:renew_now", args=[order.package_membership.pk]),
                          {"period_start": period_start, "next": reverse("orders:detail", args=[order.pk])})

    assert order.package_membership.periods.count() == 2


@pytest.mark.parametrize("prices_include_tax", [True, False])
def test_monthly_recurring_revenue_is_counted_before_tax(owner_client, owner, prices_include_tax):
    """120.00 a month with 20% VAT inside is 100.00 of revenue; 100.00 with 20% on top is 100.00 too."""
    from invoices.services import invoice_settings_save
    invoice_settings_save(owner=owner, business_name="", address="", tax_id="", tax_rate=Decimal("20"),
                          prices_include_tax=prices_include_tax, number_prefix="INV-", footer="", tax_name="VAT")
    monthly = membership_package(owner, price=Decimal("120.00") if prices_include_tax else Decimal("100.00"))
    subscribe(monthly, email="ann@example.com")

    page = owner_client.get(reverse("memberships:list")).content.decode()

    assert "100.00 USD" in page and "1 billed member" in page
    assert "before tax" in page


def test_the_members_page_filters_by_state_and_shows_monthly_recurring_revenue(owner_client, owner):
    monthly = membership_package(owner, price=Decimal("80.00"))
    weekly = membership_package(owner, price=Decimal("30.00"), interval=BillingInterval.WEEK)
    yearly = membership_package(owner, price=Decimal("1200.00"), interval=BillingInterval.YEAR,
                                rule=RenewalRule.KEEP)
    subscribe(monthly, email="ann@example.com")
    past_due = subscribe(weekly, email="bob@example.com")
    subscribe(yearly, email="cat@example.com")
    cancelled = subscribe(monthly, email="dan@example.com")
    services.membership_fail(membership_id=past_due.package_membership.pk)
    services.membership_fail(membership_id=cancelled.package_membership.pk)
    services.membership_cancel(membership_id=cancelled.package_membership.pk)  # past due: ends now

    page = owner_client.get(reverse("memberships:list")).content.decode().replace("<wbr>", "")

    # 80 + 30×52/12 (130) + 1200/12 (100) = 310.00 a month, from three billed members.
    assert "310.00 USD" in page and "3 billed members" in page
    assert all(name in page for name in ("ann@example.com", "bob@example.com", "cat@example.com", "dan@example.com"))
    past_due_page = owner_client.get(reverse("memberships:list"), {"state": "past_due"}).content.decode().replace(
        "<wbr>", "")
    assert "bob@example.com" in past_due_page and "ann@example.com" not in past_due_page
    cancelled_page = owner_client.get(reverse("memberships:list"), {"state": "cancelled"}).content.decode().replace(
        "<wbr>", "")
    assert "dan@example.com" in cancelled_page and "bob@example.com" not in cancelled_page


def test_monthly_amounts():
    assert monthly_amount(price=Decimal("30"), interval="week", count=1) == Decimal("130")
    assert monthly_amount(price=Decimal("1200"), interval="year", count=1) == Decimal("100")
    assert monthly_amount(price=Decimal("90"), interval="month", count=3) == Decimal("30")


def test_another_owner_sees_none_of_the_members(client, owner, package):
    order = subscribe(package)
    other = make_owner(email="olive@example.com", slug="olive")
    client.force_login(other)

    assert "cleo@example.com" not in client.get(reverse("memberships:list")).content.decode()
    response = client.post(reverse("memberships:renew_now", args=[order.package_membership.pk]),
                           {"period_start": order.package_membership.current_period_end.isoformat()})
    assert response.status_code == 404


def test_a_test_membership_renews_only_when_test_payments_are_on(settings, owner_client, owner, package):
    order = subscribe(package)
    settings.TEST_PAYMENTS_ENABLED = False

    response = owner_client.post(reverse("memberships:renew_now", args=[order.package_membership.pk]),
                                 {"period_start": (order.package_membership.current_period_end).isoformat()})

    assert response.status_code == 404
    assert order.package_membership.periods.count() == 1


def test_the_past_due_email_says_how_to_pay_and_from_when_booking_stops(owner, package,
                                                                        django_capture_on_commit_callbacks):
    from django.core import mail

    order = subscribe(package)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.membership_fail(membership_id=order.package_membership.pk)

    email = next(message for message in mail.outbox if message.to == ["cleo@example.com"])
    assert email.subject == "Your membership payment did not go through: Monthly coaching"
    assert f"/orders/{order.token}/" in email.body
    # Three days after 7:00 on 1 December in New York, in the client's zone.
    assert "Friday, 4 December 2026, 7:00 AM (America/New_York)" in email.body


def test_the_owner_fails_a_test_renewal_from_the_order_page(owner_client, owner, package):
    order = subscribe(package)
    page = owner_client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert "Fail renewal" in page

    response = owner_client.post(reverse("memberships:fail_renewal", args=[order.package_membership.pk]),
                                 {"next": reverse("orders:detail", args=[order.pk])}, follow=True)

    assert "is past due and was emailed" in response.content.decode()
    order.package_membership.refresh_from_db()
    assert order.package_membership.status == MembershipStatus.PAST_DUE


def test_the_members_page_reads_as_many_queries_for_one_member_as_for_six(owner_client, owner):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    package = membership_package(owner)
    counts = []
    for members in (1, 6):
        while PackageMembership.objects.count() < members:
            subscribe(package, email=f"member{PackageMembership.objects.count()}@example.com")
        with CaptureQueriesContext(connection) as queries:
            response = owner_client.get(reverse("memberships:list"))
        assert response.content.decode().count("@example.<wbr>com</span>") == members
        counts.append(len(queries))

    assert counts[0] == counts[1]


def test_the_order_page_says_it_is_a_membership_before_the_client_pays(client, owner, package):
    page = client.get(reverse("public:order_package", args=[owner.slug, package.slug])).content.decode()

    assert "80.00 USD a month" in page
    assert "A membership: 80.00 USD a month, charged until you cancel." in page
    assert "unused ones do not carry over" in page


def test_a_membership_cannot_expire_like_a_pack(owner_client, owner):
    package = make_package(owner, name="Expiring pack", expiry_kind="after_purchase", expiry_days=30)

    response = save_membership(owner_client, package)

    assert "set “Sessions expire” to Never" in response.content.decode()
    assert Package.objects.get(pk=package.pk).billing_interval == ""


def test_a_membership_cannot_also_be_a_payment_plan(owner_client, owner):
    package = make_package(owner, name="Plan pack", instalment_count=3)

    response = save_membership(owner_client, package)

    assert "cannot also be paid in instalments" in response.content.decode()
    assert Package.objects.get(pk=package.pk).billing_interval == ""


def test_a_membership_cannot_be_given_as_a_gift(client, owner, package, settings):
    """A membership renews for whoever pays it: its page offers no gift, and a gift posted anyway
    (an old page) is refused next to the gift box, with no order placed."""
    from orders.gifts import GiftDetails
    from orders.models import PackageOrder
    from orders.services import MembershipNotGiftable, order_create

    settings.TEST_PAYMENTS_ENABLED = True
    url = f"/{owner.slug}/packages/{package.slug}/"
    assert 'name="gift-is_gift"' not in client.get(url).content.decode()
    response = client.post(url, {"full_name": "Bea Buyer", "email": "bea@example.com",
                                 "client_timezone": "America/New_York", "gift-is_gift": "on",
                                 "gift-recipient_name": "Rory", "gift-recipient_email": "rory@example.com",
                                 "gift-send_on": "2026-12-02"})
    assert response.status_code == 200
    assert MembershipNotGiftable.message in response.content.decode()
    assert not PackageOrder.objects.exists()
    with pytest.raises(MembershipNotGiftable):
        order_create(package=package, client_name="Bea", client_email="bea@example.com",
                     client_timezone="UTC",
                     gift=GiftDetails(recipient_name="Rory", recipient_email="rory@example.com", message="",
                                      send_on=None))
    assert not PackageOrder.objects.exists()


def test_the_owner_reads_every_date_of_a_member_in_the_owners_zone(owner_client, owner, package):
    # Cleo orders from Auckland at 1:00 on 2 December there (7:00 on 1 December in the owner's New York):
    # her period ends at 1:00 on 2 January in Auckland, 7:00 on 1 January in New York.
    order = order_create(package=package, client_name="Cleo Client", client_email="cleo@example.com",
                         client_timezone="Pacific/Auckland")
    get_provider(Provider.TEST).pay(payment_start(order=order, provider=Provider.TEST))

    for url in (reverse("memberships:list"), reverse("orders:detail", args=[order.pk])):
        page = owner_client.get(url).content.decode()
        assert "renews on 1 January 2027" in page, url
        assert "renews on 2 January 2027" not in page, url


def test_a_renew_now_form_with_a_broken_period_asks_to_reload_instead_of_failing(owner_client, owner, package):
    order = subscribe(package)
    url = reverse("memberships:renew_now", args=[order.package_membership.pk])

    for period_start in ("2026-13-45T00:00:00+00:00", "2027-01-01T12:00:00",  # no such month; no zone
                         "0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00",  # before year 1 in UTC; after 9999
                         "2030-01-01T00:00:00+00:00"):  # a period the page never showed
        response = owner_client.post(url, {"period_start": period_start}, follow=True)
        assert response.status_code == 200, period_start
        assert "Reload the page and press “Renew now” again." in response.content.decode(), period_start
    assert order.package_membership.periods.count() == 1


@pytest.mark.parametrize("language, ended, not_running", [
    ("de", "Diese Mitgliedschaft ist beendet: Bestellen Sie sie erneut, um sie wieder zu starten.",
     "Nur eine laufende Mitgliedschaft kann pausiert werden."),
    ("es", "Esta membresía ha terminado: pídala de nuevo para volver a empezarla.",
     "Solo se puede pausar una membresía en curso."),
])
def test_a_membership_button_refused_on_a_german_or_spanish_page_says_why_in_its_language(client, owner, package,
                                                                                          language, ended, not_running):
    owner.page_language = language
    owner.save(update_fields=["page_language"])
    order = subscribe(package)
    membership = services.membership_cancel(membership_id=order.package_membership.pk)

    # A second tab still shows "Pause" beside the cancellation.
    response = client.post(reverse("membership_client:action", args=[order.token, "pause"]), follow=True)
    assert not_running in response.content.decode()

    # The period is over (the billing run has not ended it yet): taking the cancellation back is too late.
    with time_machine.travel(membership.cancel_at + timedelta(minutes=1), tick=False):
        response = client.post(reverse("membership_client:action", args=[order.token, "keep"]), follow=True)
    assert ended in response.content.decode()


def test_keeping_or_resuming_a_membership_that_has_ended_says_it_ended(client, owner, package):
    order = subscribe(package)
    membership = services.membership_cancel(membership_id=order.package_membership.pk)
    with time_machine.travel(membership.cancel_at + timedelta(minutes=5), tick=False):
        services.memberships_renew_due()  # the billing run ends it
        for action in ("keep", "resume"):  # from a page opened before
            response = client.post(reverse("membership_client:action", args=[order.token, action]), follow=True)

            page = response.content.decode()
            assert "This membership has ended: order it again to restart it." in page, action
            assert "Your membership continues" not in page and "running again" not in page, action
    assert PackageMembership.objects.get(pk=membership.pk).status == MembershipStatus.CANCELLED
