"""What an invoice says: the items of the order's snapshot (or the paid session), the discount, the
tax, how and when it was paid, and who it is from — as they were when it was issued, for good."""
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from accounts.models import User
from invoices.models import Invoice, InvoiceSettings
from invoices.services import _item_lines, _settings_of, invoice_settings_save
from invoices.tests.helpers import paid_order
from orders.services import order_create
from payments.models import Payment, Provider
from payments.services import IssueMode, order_issue, payment_confirm
from scheduling.models import Booking, BookingStatus
from tests import NOW, WEEKDAYS_9_TO_5, make_meeting_type, make_package, set_weekly_hours

pytestmark = pytest.mark.django_db


def billing(owner, **overrides):
    fields = {"business_name": "Casey Coaching Ltd", "address": "1 High Street\nLeeds LS1 1AA",
              "tax_id": "GB123456789", "tax_rate": Decimal("20"), "prices_include_tax": True,
              "number_prefix": "INV-", "footer": "Thank you for your business."}
    fields.update(overrides)
    return invoice_settings_save(owner=owner, **fields)


def test_an_invoice_lists_the_orders_snapshot_with_tax_and_how_it_was_paid(owner):
    billing(owner)

    order, payment = paid_order(owner, price="120.00", currency="GBP", client_name="Cleo Client")

    invoice = payment.invoice
    assert invoice.order == order and invoice.owner == owner
    assert invoice.lines == [{"description": order.title, "detail": "3 × Coaching call (50 min)", "quantity": 1,
                              "amount": "120.000"}]
    assert invoice.seller["business_name"] == "Casey Coaching Ltd"
    assert invoice.seller["tax_id"] == "GB123456789"
    assert invoice.buyer == {"name": "Cleo Client", "email": "cleo@example.com"}
    assert (invoice.subtotal, invoice.discount, invoice.net, invoice.tax, invoice.total) == (
        Decimal("120"), Decimal("0"), Decimal("100"), Decimal("20"), Decimal("120"))
    assert invoice.paid_with == "Stripe" and invoice.paid_at == payment.confirmed_at
    assert invoice.is_test is False


def test_an_invoice_never_changes_when_the_settings_or_the_package_change_later(owner):
    billing(owner)
    order, payment = paid_order(owner, price="120.00", currency="GBP")
    before = Invoice.objects.filter(pk=payment.invoice.pk).values().get()

    billing(owner, business_name="New Name Ltd", address="Elsewhere", tax_id="GB999", tax_rate=Decimal("5"),
            prices_include_tax=False, number_prefix="X-", footer="Changed")
    order.package.name = "Renamed pack"
    order.package.price = Decimal("999")
    order.package.save()
    for item in order.package.items.all():
        item.meeting_type.name = "Renamed call"
        item.meeting_type.save()

    assert Invoice.objects.filter(pk=payment.invoice.pk).values().get() == before


def test_a_promo_codes_discount_is_on_the_invoice(owner):
    billing(owner, tax_rate=Decimal("0"))

    _, payment = paid_order(owner, price="90.00", currency="USD", promo_code="WELCOME10", discount=Decimal("10.00"))

    invoice = payment.invoice
    assert (invoice.subtotal, invoice.discount, invoice.total) == (Decimal("100"), Decimal("10"), Decimal("90"))
    assert invoice.promo_code == "WELCOME10"
    assert invoice.lines[0]["amount"] == "100.000"


def test_the_test_providers_invoice_is_marked_test(owner):
    _, payment = paid_order(owner, provider=Provider.TEST)

    assert payment.invoice.is_test is True
    assert payment.invoice.paid_with == "Test provider"


def test_an_order_the_owner_marks_paid_outside_the_app_gets_an_invoice(owner):
    package = make_package(owner, price=Decimal("200.00"), currency="EUR")

    order = order_issue(owner=owner, package=package, client_name="Walk In", client_email="walkin@example.com",
                        mode=IssueMode.PAID_OUTSIDE, note="cash")

    invoice = order.invoices.get()
    assert invoice.number == "INV-0001"
    assert invoice.paid_with == "Paid outside the app"
    assert invoice.total == Decimal("200.00") and invoice.buyer["name"] == "Walk In"


def test_a_complimentary_order_has_no_invoice(owner):
    package = make_package(owner, price=Decimal("200.00"), currency="EUR")

    order = order_issue(owner=owner, package=package, client_name="Friend", client_email="friend@example.com",
                        mode=IssueMode.COMPLIMENTARY)

    assert not order.invoices.exists()


def test_a_paid_single_session_gets_an_invoice_under_its_booking(client, owner, settings):
    settings.STRIPE_SECRET_KEY = settings.PAYPAL_CLIENT_ID = ""
    settings.TEST_PAYMENTS_ENABLED = True
    set_weekly_hours(owner, WEEKDAYS_9_TO_5)
    paid_type = make_meeting_type(owner, name="Coaching session", slug="coaching", price=Decimal("90"),
                                  currency="USD", payment_medium="stripe", duration_minutes=45)
    with time_machine.travel(NOW, tick=False):
        client.post(reverse("public:book_meeting", args=[owner.slug, paid_type.slug]), {
            "client_name": "Cleo Client", "client_email": "cleo@example.com", "client_phone": "",
            "client_timezone": "America/New_York", "start": "2026-12-01T15:00:00Z"})
        booking = Booking.objects.get()
        payment = Payment.objects.get(booking=booking)
        payment_confirm(payment_id=payment.pk, amount=Decimal("90"), currency="USD")

    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    invoice = Invoice.objects.get(booking=booking)
    assert invoice.order is None and invoice.number == "INV-0001"
    # The owner's zone (New York): 15:00 UTC is 10:00.
    assert invoice.lines == [{"description": "Coaching session",
                              "detail": "Session on Tue 1 Dec 2026, 10:00 (America/New_York), 45 min",
                              "quantity": 1, "amount": "90.000"}]
    page = client.get(f"/bookings/{booking.token}/invoices/INV-0001/")
    assert page.status_code == 200 and "Invoice INV-0001" in page.content.decode()


def test_money_arriving_for_a_cancelled_order_is_still_invoiced(owner):
    from orders.lifecycle import order_cancel
    from tests import make_order

    order = make_order(owner, price="60.00", currency="USD")
    payment = Payment.objects.create(order=order, provider=Provider.STRIPE, amount=order.price, currency="USD")
    order_cancel(order=order, by_owner=True, reason="")

    with time_machine.travel(NOW + timedelta(minutes=5)):
        payment = payment_confirm(payment_id=payment.pk, amount=Decimal("60.00"), currency="USD")

    assert payment.flagged
    assert Invoice.objects.get(payment=payment).total == Decimal("60.00")


def test_the_settings_and_item_lines_an_invoice_reads_by_hand_are_what_the_orm_reads(owner):
    """invoice_issue reads the owner's settings and the order's item lines in hand-written queries
    (services._settings_of, services._item_lines): the same rows, in the same order, as the ORM's."""
    unsaved = _settings_of(owner)
    assert unsaved.pk is None and unsaved.owner_id == owner.pk and unsaved.number_prefix == InvoiceSettings().number_prefix
    billing(owner, tax_rate=Decimal("7.5"))
    expected = InvoiceSettings.objects.get(owner=owner)
    read = _settings_of(owner)
    assert {f.attname: getattr(read, f.attname) for f in InvoiceSettings._meta.concrete_fields} == {
        f.attname: getattr(expected, f.attname) for f in InvoiceSettings._meta.concrete_fields}
    assert read.tax_rate == Decimal("7.5")

    intro = make_meeting_type(owner, name="Intro", slug="intro", duration_minutes=30)
    deep = make_meeting_type(owner, name="Deep dive", slug="deep-dive", duration_minutes=90)
    order = order_create(package=make_package(owner, items=[(deep, 2), (intro, 3)], price=Decimal("100.00")),
                         client_name="Cleo Client", client_email="cleo@example.com")
    items = list(order.items.order_by("position", "id"))
    assert _item_lines(order.pk) == [(item.quantity, item.meeting_type_name, item.duration_minutes) for item in items]
    assert [name for _quantity, name, _minutes in _item_lines(order.pk)] == ["Deep dive", "Intro"]


@pytest.mark.django_db
@pytest.mark.parametrize("language, package_line, session_line", [
    ("en", "3 × Coaching call (50 min)", "Session on Tue 1 Dec 2026, 10:00 (America/New_York), 30 min"),
    ("de", "3 × Coaching call (50 Min.)", "Termin am Di, 1. Dez 2026, 10:00 (America/New_York), 30 Min."),
    ("es", "3 × Coaching call (50 min)", "Sesión el mar 1 Dic 2026, 10:00 (America/New_York), 30 min"),
])
def test_an_invoices_lines_are_written_in_the_clients_language(owner, settings, language, package_line,
                                                                  session_line):
    """The invoice page and its PDF speak the client's language; its lines, written when the payment
    arrives (a webhook, in English), said "Session on Tue 1 Dec" to a German client all the same."""
    from scheduling.holds import booking_hold

    settings.TEST_PAYMENTS_ENABLED = True
    User.objects.filter(pk=owner.pk).update(timezone="America/New_York")
    owner.refresh_from_db()
    _, payment = paid_order(owner, client_language=language)
    set_weekly_hours(owner, WEEKDAYS_9_TO_5)
    paid_type = make_meeting_type(owner, name="Coaching", slug="paid", price=Decimal("90"), currency="USD",
                                  payment_medium="stripe", duration_minutes=30)
    with time_machine.travel(NOW, tick=False):
        booking = booking_hold(meeting_type=paid_type, start=datetime(2026, 12, 1, 15, 0, tzinfo=UTC),
                               client_name="Cleo", client_email="cleo@example.com", client_timezone="Europe/Berlin")
        Booking.objects.filter(pk=booking.pk).update(client_language=language)
        session_payment = Payment.objects.get(booking=booking)
        payment_confirm(payment_id=session_payment.pk, amount=Decimal("90"), currency="USD")

    assert payment.invoice.lines[0]["detail"] == package_line
    assert Payment.objects.get(pk=session_payment.pk).invoice.lines[0]["detail"] == session_line
