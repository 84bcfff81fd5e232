"""Gifts: "This is a gift" on the order form. The buyer pays and gets the receipt with the gift
page's link; on the day chosen the recipient is emailed the order page, which is then theirs (their
name and email book the sessions); the owner's page says who gave it. Until it is sent the buyer
can correct the recipient's email; a cancelled or unpaid order never sends it."""
import csv
import io
from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import translation

from notifications.models import Message, MessageKind
from orders.gifts import GiftDetails, GiftNotDelivered, gifts_send_due
from orders.lifecycle import order_cancel
from orders.models import Gift, OrderStatus, PackageOrder
from orders.nudges import orders_nudge_to_book
from orders.services import order_create, order_session_book
from orders.tasks import send_gifts
from packages.models import Package
from payments import services as payment_services
from payments.models import Payment, Provider
from scheduling.models import Booking
from tests import NINE_AM, NOW

# NOW is Tuesday 1 December 2026, 12:00 UTC: noon in London, the buyer's zone.
TOMORROW = "2026-12-02"
SEND_MOMENT = datetime.fromisoformat("2026-12-02T08:00:00+00:00")  # 8:00 in London on the day


@pytest.fixture(autouse=True)
def no_keys(settings):
    settings.STRIPE_SECRET_KEY = settings.PAYPAL_CLIENT_ID = settings.PAYPAL_CLIENT_SECRET = ""
    settings.TEST_PAYMENTS_ENABLED = True


def page_url(package) -> str:
    return f"/{package.owner.slug}/packages/{package.slug}/"


def gift_post(package, **gift) -> dict:
    data = {"full_name": "Bea Buyer", "email": "Bea@Example.com", "client_timezone": "Europe/London",
            "accept_terms": "on", f"question_{package.questions.get().pk}": "Focus",
            "gift-is_gift": "on", "gift-recipient_name": "Rory Recipient", "gift-recipient_email": "Rory@Example.com",
            "gift-message": "Happy birthday <b>Rory</b>!\nEnjoy.", "gift-send_on": TOMORROW}
    data.update({f"gift-{key}": value for key, value in gift.items()})
    return {key: value for key, value in data.items() if value is not None}


def pay(client, order) -> object:
    """Pay `order` through the test provider, as the buyer's browser does; the final response."""
    client.post(f"/payments/checkout/{order.token}/")
    payment = Payment.objects.get(order=order)
    return client.post(f"/payments/test/{payment.token}/", {"action": "pay"}, follow=True)


def paid_gift(package, *, send_on: date, zone: str = "Europe/London") -> Gift:
    order = order_create(
        package=package, client_name="Bea Buyer", client_email="bea@example.com", client_timezone=zone,
        answers=[], terms_accepted=True,
        gift=GiftDetails(recipient_name="Rory Recipient", recipient_email="rory@example.com", message="Enjoy!",
                         send_on=send_on))
    payment = payment_services.payment_start(order=order, provider=Provider.TEST)
    payment_services.payment_confirm(payment_id=payment.pk, amount=payment.amount, currency=payment.currency)
    return Gift.objects.select_related("order").get(order=order)


def sent_to(address: str) -> list:
    return [message for message in mail.outbox if message.to == [address]]


def field_html(html: str, name: str) -> str:
    """The markup of one gift field's block: its input and what is said next to it."""
    start = html.index(f'id="id_gift-{name}"')
    ends = [end for end in (html.find('<div class="field"', start), html.find('<div class="field ', start),
                            html.find("</fieldset>", start)) if end != -1]
    return html[start:min(ends)]


# -- the order form ------------------------------------------------------------------------------


def test_the_order_form_has_a_gift_part_that_works_without_javascript(client, package):
    html = client.get(page_url(package)).content.decode()
    assert "<legend>Gift</legend>" in html
    assert 'type="checkbox" name="gift-is_gift"' in html and ">This is a gift</label>" in html
    for name, label in [("recipient_name", "Recipient&#x27;s name"), ("recipient_email", "Recipient&#x27;s email"),
                        ("message", "Your message (optional)"), ("send_on", "Day to send it")]:
        assert f'<label for="id_gift-{name}">{label}</label>' in html
    assert 'type="date" name="gift-send_on"' in html
    # Shown in the markup (no JavaScript needed); the script only hides them until ticked.
    assert "data-gift-details" in html and "hidden" not in html.split("data-gift-details")[1][:20]
    assert "js/gift_form" in html


@pytest.mark.parametrize(("field", "value", "message"), [
    ("recipient_name", "  ", "Enter the recipient&#x27;s name."),
    ("recipient_email", "", "Enter the recipient&#x27;s email address, e.g. name@example.com."),
    ("recipient_email", "rory@", "Enter the recipient&#x27;s email address, e.g. name@example.com."),
    ("send_on", "", "Choose the day to send the gift."),
    ("send_on", "24/12/2026", "Enter the day as YYYY-MM-DD, e.g. 2026-12-24."),
    ("send_on", "2026-11-30", "Choose today (1 Dec 2026) or a later day."),
    ("send_on", "2027-12-02", "Choose a day within a year: 1 Dec 2027 at the latest."),
    ("message", "x" * 1001, "Keep the message under 1,000 characters."),
])
def test_each_bad_gift_field_is_refused_next_to_it_and_places_no_order(client, package, field, value, message):
    response = client.post(page_url(package), gift_post(package, **{field: value}))
    html = response.content.decode()
    assert response.status_code == 200
    assert message in field_html(html, field)
    assert "Check the gift details below." in html
    assert PackageOrder.objects.count() == 0 and Gift.objects.count() == 0
    # What was typed is kept in the form.
    assert 'name="gift-is_gift" id="id_gift-is_gift" checked' in html


@pytest.mark.parametrize("send_on", ["2026-12-01", "2027-12-01"])
def test_today_and_a_year_ahead_are_days_a_gift_can_be_sent(client, package, send_on):
    response = client.post(page_url(package), gift_post(package, send_on=send_on))
    order = PackageOrder.objects.get()
    assert response["Location"] == f"/payments/checkout/{order.token}/"
    assert order.gift.send_on == date.fromisoformat(send_on)


def test_today_is_the_buyers_today(client, package):
    """At noon UTC on 1 December it is already 2 December in Auckland."""
    post = {**gift_post(package, send_on="2026-12-01"), "client_timezone": "Pacific/Auckland"}
    html = client.post(page_url(package), post).content.decode()
    assert "Choose today (2 Dec 2026) or a later day." in field_html(html, "send_on")
    assert PackageOrder.objects.count() == 0


@pytest.mark.parametrize(("send_on", "message"), [
    ("2026-11-30", "Wählen Sie heute (1. Dez 2026) oder einen späteren Tag."),
    ("2027-12-02", "Wählen Sie einen Tag innerhalb eines Jahres: spätestens den 1. Dez 2027."),
])
def test_a_gift_day_out_of_range_is_refused_in_the_pages_language(client, owner, package, send_on, message):
    type(owner).objects.filter(pk=owner.pk).update(page_language="de")
    html = client.post(page_url(package), gift_post(package, send_on=send_on)).content.decode()
    assert message in field_html(html, "send_on")
    assert PackageOrder.objects.count() == 0


def test_what_is_typed_in_the_gift_fields_without_ticking_it_is_ignored(client, package):
    client.post(page_url(package), gift_post(package, is_gift=None, recipient_email="junk", send_on="yesterday"))
    order = PackageOrder.objects.get()
    assert order.client_email == "bea@example.com" and not Gift.objects.exists()


def test_the_recipient_may_have_the_buyers_email(client, package):
    client.post(page_url(package), gift_post(package, recipient_email="bea@example.com"))
    assert PackageOrder.objects.get().gift.recipient_email == "bea@example.com"


# -- paid, then sent on its day ------------------------------------------------------------------


def test_a_gift_is_paid_by_the_buyer_and_sent_to_the_recipient_on_its_day(
        client, package, mailoutbox, django_capture_on_commit_callbacks):
    client.post(page_url(package), gift_post(package))
    order = PackageOrder.objects.get()
    buyer_token = order.token
    # Until paid, the order is the buyer's: the checkout is theirs.
    assert (order.client_name, order.client_email, order.status) == ("Bea Buyer", "bea@example.com",
                                                                     OrderStatus.PENDING_PAYMENT)
    with django_capture_on_commit_callbacks(execute=True):
        response = pay(client, order)

    gift = Gift.objects.get()
    # The buyer lands on the gift page, never the order's booking page.
    assert response.redirect_chain[-1][0] == f"/orders/gifts/{gift.token}/"
    html = response.content.decode()
    assert "Payment received" in html and "Rory Recipient" in html
    assert "We will email Rory Recipient their order page on <strong>Wednesday 2 December 2026</strong>" in html
    assert "Schedule" not in html and f"/orders/{buyer_token}/items/" not in html

    # Paid: the order is the recipient's, the buyer is kept on the gift.
    order.refresh_from_db()
    assert (order.client_name, order.client_email) == ("Rory Recipient", "rory@example.com")
    assert (gift.buyer_name, gift.buyer_email, gift.sent_at) == ("Bea Buyer", "bea@example.com", None)
    # The receipt goes to the buyer only: nothing reaches the recipient before the day.
    assert sent_to("rory@example.com") == []
    [receipt] = sent_to("bea@example.com")
    assert receipt.subject == "Your gift order: Starter pack"
    assert "We will email Rory Recipient (rory@example.com) their order page on Wednesday 2 December 2026" in receipt.body
    assert f"/orders/gifts/{gift.token}/" in receipt.body and f"/orders/{buyer_token}/" not in receipt.body
    assert "Amount: 100.00 USD" in receipt.body
    [owner_notice] = sent_to("owner@example.com")
    assert owner_notice.subject == "New order: Starter pack from Bea Buyer (a gift)"

    # The day before it is due, nothing is sent.
    with time_machine.travel(SEND_MOMENT - timedelta(minutes=1), tick=False):
        assert send_gifts() == 0
    # Its day comes: sent once, however often the task runs.
    mail.outbox.clear()
    with time_machine.travel(SEND_MOMENT + timedelta(minutes=3), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert send_gifts() == 1
        assert send_gifts() == 0
    order.refresh_from_db()
    assert order.token != buyer_token  # the link the buyer saw while paying is not the recipient's
    [gift_email] = sent_to("rory@example.com")
    assert gift_email.subject == "A gift for you from Bea Buyer: Starter pack"
    assert f"/orders/{order.token}/" in gift_email.body
    assert "Happy birthday <b>Rory</b>!\nEnjoy." in gift_email.body  # the text part, as written
    gift_html = gift_email.alternatives[0][0]
    assert "Happy birthday &lt;b&gt;Rory&lt;/b&gt;!<br>Enjoy." in gift_html and "<b>Rory</b>" not in gift_html
    assert "Casey Coach" in gift_email.body
    [delivered] = sent_to("bea@example.com")
    assert delivered.subject == "Your gift was delivered: Starter pack"
    assert f"/orders/{order.token}/" not in delivered.body

    # The buyer's old link opens nothing; the recipient's link is their order page, in their name.
    assert client.get(f"/orders/{buyer_token}/").status_code == 404
    page = client.get(f"/orders/{order.token}/").content.decode()
    assert "A gift from Bea Buyer" in page and "Schedule" in page
    assert "Happy birthday &lt;b&gt;Rory&lt;/b&gt;!" in page and "100.00" not in page  # no price on a gift
    with time_machine.travel(SEND_MOMENT + timedelta(hours=1), tick=False):
        booking = order_session_book(item=order.items.get(meeting_type_name="Coaching session"), start=NINE_AM)
    assert (booking.client_name, booking.client_email) == ("Rory Recipient", "rory@example.com")
    # The buyer's page now says it was sent, and offers no change.
    gift_page = client.get(f"/orders/gifts/{gift.token}/").content.decode()
    assert "Sent to Rory Recipient" in gift_page and "Change the recipient" not in gift_page


def test_a_gift_for_today_is_sent_as_soon_as_it_is_paid(client, package, mailoutbox,
                                                         django_capture_on_commit_callbacks):
    client.post(page_url(package), gift_post(package, send_on="2026-12-01"))
    with django_capture_on_commit_callbacks(execute=True):
        response = pay(client, PackageOrder.objects.get())
    gift = Gift.objects.get()
    assert gift.sent_at == NOW
    assert response.redirect_chain[-1][0] == f"/orders/gifts/{gift.token}/"
    assert [m.subject for m in sent_to("rory@example.com")] == ["A gift for you from Bea Buyer: Starter pack"]
    receipt = next(m for m in sent_to("bea@example.com") if m.subject == "Your gift order: Starter pack")
    assert "We have emailed Rory Recipient (rory@example.com) their order page." in receipt.body


def test_nobody_books_from_a_gift_before_it_is_sent(client, package):
    gift = paid_gift(package, send_on=date(2026, 12, 10))
    order = gift.order
    # The link the buyer holds (the checkout's) leads to the gift page.
    response = client.get(f"/orders/{order.token}/")
    assert response.status_code == 302 and response["Location"] == f"/orders/gifts/{gift.token}/"
    with pytest.raises(GiftNotDelivered):
        order_session_book(item=order.items.first(), start=NINE_AM)
    assert not Booking.objects.exists()


def test_an_unpaid_gift_is_never_sent(package):
    order = order_create(package=package, client_name="Bea Buyer", client_email="bea@example.com",
                         client_timezone="Europe/London", terms_accepted=True,
                         gift=GiftDetails(recipient_name="Rory", recipient_email="rory@example.com", message="",
                                          send_on=date(2026, 12, 1)))
    with time_machine.travel(SEND_MOMENT + timedelta(days=3), tick=False):
        assert gifts_send_due() == 0
    assert Gift.objects.get(order=order).sent_at is None
    assert not Message.objects.filter(kind=MessageKind.GIFT_RECEIVED).exists()


def test_a_gift_cancelled_before_its_day_is_not_sent_and_the_buyer_is_told(
        client, package, mailoutbox, django_capture_on_commit_callbacks):
    gift = paid_gift(package, send_on=date(2026, 12, 2))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(order=gift.order, reason="Fully booked this month.")
    with time_machine.travel(SEND_MOMENT + timedelta(hours=1), tick=False):
        assert send_gifts() == 0
    assert Gift.objects.get().sent_at is None
    # The recipient never hears of it; the buyer is told, in their name.
    assert sent_to("rory@example.com") == []
    [cancelled] = sent_to("bea@example.com")
    assert cancelled.body.startswith("Hi Bea Buyer, your order of Starter pack")
    page = client.get(f"/orders/gifts/{gift.token}/").content.decode()
    assert "This order was cancelled: the gift will not be sent." in page
    assert "Change the recipient" not in page
    response = client.post(f"/orders/gifts/{gift.token}/", {"recipient_email": "new@example.com"})
    assert response.status_code == 200
    assert Gift.objects.get().recipient_email == "rory@example.com"


def test_a_sent_gift_refunded_gives_its_credit_note_to_the_buyer_never_the_recipient(
        package, mailoutbox, django_capture_on_commit_callbacks, monkeypatch):
    monkeypatch.setattr("notifications.emails.document_pdf", lambda document: b"%PDF-1.7 test")
    gift = paid_gift(package, send_on=date(2026, 12, 2))
    with time_machine.travel(SEND_MOMENT, tick=False):
        assert gifts_send_due() == 1
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        payment_services.payment_mark_refunded(payment_id=gift.order.payments.get().pk, outside_app=True)

    # The credit note is billed to the buyer (as the invoice, which the recipient's link never opens):
    # it goes to the buyer, whose money went back; the recipient only hears that the order ended.
    [to_recipient] = sent_to("rory@example.com")
    assert [name for name, *_ in to_recipient.attachments if name.endswith(".pdf")] == []
    # The recipient paid nothing: the money went back to the one who gave it, and the email says so.
    for text in (to_recipient.body, to_recipient.alternatives[0][0]):
        text = " ".join(text.split())
        assert "was refunded to the person who gave it to you" in text
        assert "card or account you paid with" not in text
    [to_buyer] = sent_to("bea@example.com")
    assert to_buyer.body.startswith("Hi Bea Buyer, your order of Starter pack")
    assert [name for name, *_ in to_buyer.attachments] == ["CN-0001.pdf"]


# -- the buyer changes the recipient's email -------------------------------------------------------


def test_the_buyer_changes_the_recipients_email_until_the_gift_is_sent(
        client, package, mailoutbox, django_capture_on_commit_callbacks):
    gift = paid_gift(package, send_on=date(2026, 12, 2))
    url = f"/orders/gifts/{gift.token}/"
    assert "Change the recipient's email" in client.get(url).content.decode()
    response = client.post(url, {"recipient_email": " Rory.New@Example.com "}, follow=True)
    assert "Saved: the gift will be sent to rory.new@example.com." in response.content.decode()
    order = PackageOrder.objects.get()
    assert (Gift.objects.get().recipient_email, order.client_email) == ("rory.new@example.com",
                                                                        "rory.new@example.com")
    with time_machine.travel(SEND_MOMENT, tick=False), django_capture_on_commit_callbacks(execute=True):
        assert send_gifts() == 1
    assert sent_to("rory.new@example.com") and sent_to("rory@example.com") == []

    # Sent: the page offers no change, and a change posted anyway is refused next to the field.
    assert "Change the recipient" not in client.get(url).content.decode()
    gift = Gift.objects.get()
    from orders.gifts import GiftError, gift_change_recipient_email
    with pytest.raises(GiftError, match="This gift was sent on 2 Dec 2026"):
        gift_change_recipient_email(gift=gift, email="late@example.com")
    client.post(url, {"recipient_email": "late@example.com"})
    assert (Gift.objects.get().recipient_email, PackageOrder.objects.get().client_email) == (
        "rory.new@example.com", "rory.new@example.com")


def test_a_change_refused_once_sent_names_the_buyers_day_in_the_pages_language(package, django_capture_on_commit_callbacks):
    """Sent at 08:00 on 3 December in Auckland (still 2 December in UTC): a German page says the 3rd."""
    from orders.gifts import GiftError, gift_change_recipient_email
    gift = paid_gift(package, send_on=date(2026, 12, 3), zone="Pacific/Auckland")
    with time_machine.travel(datetime.fromisoformat("2026-12-02T19:05:00+00:00"), tick=False), \
            django_capture_on_commit_callbacks(execute=True):
        assert send_gifts() == 1
    gift.refresh_from_db()
    with translation.override("de"), pytest.raises(GiftError) as refused:
        gift_change_recipient_email(gift=gift, email="late@example.com")
    assert refused.value.message == ("Dieses Geschenk wurde am 3. Dez 2026 versendet; seine E-Mail-Adresse kann "
                                     "nicht mehr geändert werden.")
    assert Gift.objects.get().recipient_email == "rory@example.com"


@pytest.mark.parametrize("value", ["", "rory@", "x" * 300 + "@example.com"])
def test_a_bad_email_on_the_gift_page_is_refused_next_to_the_field(client, package, value):
    gift = paid_gift(package, send_on=date(2026, 12, 2))
    response = client.post(f"/orders/gifts/{gift.token}/", {"recipient_email": value})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Enter the recipient&#x27;s email address, e.g. name@example.com." in html.split('id="id_recipient_email"')[1]
    assert Gift.objects.get().recipient_email == "rory@example.com"
    assert PackageOrder.objects.get().client_email == "rory@example.com"


@pytest.mark.django_db
def test_an_unknown_gift_token_is_not_found(client):
    assert client.get("/orders/gifts/" + "x" * 43 + "/").status_code == 404


# -- what else follows the gift ---------------------------------------------------------------------


def test_sessions_valid_n_days_after_purchase_count_from_the_day_the_gift_is_sent(package):
    package.expiry_kind, package.expiry_days = "after_purchase", 30
    package.save()
    gift = paid_gift(package, send_on=date(2026, 12, 20))
    assert PackageOrder.objects.get().expires_at is None
    sent_moment = datetime.fromisoformat("2026-12-20T08:05:00+00:00")
    with time_machine.travel(sent_moment, tick=False):
        assert gifts_send_due() == 1
    assert PackageOrder.objects.get(pk=gift.order_id).expires_at == sent_moment + timedelta(days=30)


def test_no_reminder_to_book_reaches_the_recipient_before_the_gift_is_sent(package):
    paid_gift(package, send_on=date(2027, 1, 20))
    with time_machine.travel(datetime.fromisoformat("2026-12-20T12:00:00+00:00"), tick=False):
        assert orders_nudge_to_book() == 0


def test_the_owners_order_page_says_who_gave_the_gift_and_when_it_is_sent(client, owner, package):
    gift = paid_gift(package, send_on=date(2026, 12, 24))
    client.force_login(owner)
    html = client.get(f"/dashboard/orders/{gift.order_id}/").content.decode()
    assert "Gift from Bea Buyer (bea@example.com) for Rory Recipient" in html
    assert "To be sent on 24 Dec 2026" in html
    with time_machine.travel(datetime.fromisoformat("2026-12-24T09:00:00+00:00"), tick=False):
        assert gifts_send_due() == 1
    html = client.get(f"/dashboard/orders/{gift.order_id}/").content.decode()
    assert "<dt>Gift sent</dt><dd>Sent 24 Dec 2026" in html


def test_the_owners_page_of_a_gift_waiting_for_payment_names_its_recipient(client, owner, package):
    client.post(page_url(package), gift_post(package))
    order = PackageOrder.objects.get()
    client.force_login(owner)
    html = client.get(f"/dashboard/orders/{order.pk}/").content.decode()
    assert "Gift from Bea Buyer (bea@example.com) for Rory Recipient" in html  # it said "for Bea Buyer"


def test_resending_an_unsent_gifts_confirmation_tells_the_owner_it_went_to_the_buyer(
        client, owner, package, mailoutbox, django_capture_on_commit_callbacks):
    gift = paid_gift(package, send_on=date(2026, 12, 24))
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/dashboard/orders/{gift.order_id}/resend-confirmation/", follow=True)
    html = response.content.decode()
    assert "The order confirmation was sent again to bea@example.com." in html  # it named rory@example.com
    assert mailoutbox[-1].to == ["bea@example.com"]


def test_the_orders_export_says_who_gave_a_gift(client, owner, package):
    gift = paid_gift(package, send_on=date(2026, 12, 24))
    client.force_login(owner)
    response = client.get("/dashboard/orders/export.csv?date_from=2026-12-01&date_to=2026-12-01")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode().lstrip("\ufeff"))))
    assert [(row["Client email"], row["Gift from"]) for row in rows] == [
        (gift.recipient_email, "Bea Buyer <bea@example.com>")]


def test_the_owner_resending_the_confirmation_never_sends_the_receipt_to_the_recipient(
        client, owner, package, mailoutbox, django_capture_on_commit_callbacks):
    gift = paid_gift(package, send_on=date(2026, 12, 2))
    client.force_login(owner)
    url = f"/dashboard/orders/{gift.order_id}/resend-confirmation/"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)  # before the day: the buyer's receipt again
    assert [(m.to, m.subject) for m in mail.outbox] == [(["bea@example.com"], "Your gift order: Starter pack")]
    with time_machine.travel(SEND_MOMENT, tick=False):
        assert gifts_send_due() == 1
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)  # sent: the recipient's gift email again, without the price
    [again] = mail.outbox
    assert (again.to, again.subject) == (["rory@example.com"], "A gift for you from Bea Buyer: Starter pack")
    assert "100.00" not in again.body


def test_extending_a_gift_not_sent_yet_says_its_sessions_expire_from_the_day_it_is_sent(client, owner, package):
    Package.objects.filter(pk=package.pk).update(expiry_kind="after_purchase", expiry_days=30)
    gift = paid_gift(package, send_on=date(2026, 12, 24))
    client.force_login(owner)
    response = client.post(f"/dashboard/orders/{gift.order_id}/extend/", {"days": "10"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "The sessions expire 30 days after the gift is sent (24 Dec 2026): there is nothing to extend yet." in html
    assert "first booking" not in html
