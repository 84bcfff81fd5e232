"""/my/ once signed in: the client's orders and sessions with every owner, grouped by owner, and
nothing of anyone else's; Book, Reschedule and Cancel where the policies allow; a week's session
on that browser, apart from the owners' login; a query budget at two sizes."""
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from portal.session import PORTAL_COOKIE
from portal.tests.conftest import CLEO, DORA, order_paid_and_part_refunded
from scheduling.models import BookingStatus
from tests import make_booking

pytestmark = pytest.mark.django_db


def test_the_client_sees_their_orders_and_sessions_with_every_owner_grouped_by_owner(world, sign_in):
    page = sign_in(CLEO).get("/my/").content.decode()

    assert "With Alma Coach" in page and "With Bert Tutor" in page
    # Bert's group (the soonest session, the direct one) comes first, and holds Bert's things only.
    bert_part, alma_part = page.split("With Alma Coach")
    assert "Bert pack of 2" in bert_part and "Bert lesson" in bert_part and "Alma pack of 3" not in bert_part
    assert "Alma pack of 3" in alma_part and "3 of 3 left" in alma_part
    assert f"/orders/{world.cleo_alma.token}/" in alma_part
    assert f"/orders/{world.cleo_alma.token}/items/{world.cleo_alma.items.get().pk}/book/" in alma_part
    assert f"/bookings/{world.direct.token}/reschedule/" in bert_part
    assert f"/bookings/{world.direct.token}/#cancel" in bert_part


def test_the_client_sees_nothing_of_another_client(world, sign_in):
    page = sign_in(CLEO).get("/my/").content.decode()

    assert "Dora" not in page
    assert world.dora_alma.token not in page and world.dora_session.token not in page


def test_the_other_client_sees_only_their_own(world, sign_in):
    page = sign_in(DORA).get("/my/").content.decode()

    assert "Dora pack of 5" in page and world.dora_session.token in page
    assert "Bert" not in page and "Alma pack of 3" not in page and world.direct.token not in page


def test_a_session_too_soon_to_change_links_to_its_page_without_reschedule_or_cancel(world, sign_in):
    world.bert_lesson.min_notice_minutes = 7 * 24 * 60
    world.bert_lesson.save(update_fields=["min_notice_minutes"])

    page = sign_in(CLEO).get("/my/").content.decode()

    assert f"/bookings/{world.direct.token}/" in page
    assert f"/bookings/{world.direct.token}/reschedule/" not in page and "#cancel" not in page


def test_past_and_cancelled_sessions_are_listed_apart_and_cannot_be_changed(world, sign_in):
    item = world.cleo_alma.items.get()
    past = make_booking(world.alma_call, timezone.now() - timedelta(days=2), order_item=item)
    cancelled = make_booking(world.alma_call, timezone.now() + timedelta(days=9), order_item=item,
                             status=BookingStatus.CANCELLED)

    page = sign_in(CLEO).get("/my/").content.decode()

    past_part = page.split("Past and cancelled sessions (2)")[1].split("</details>")[0]
    assert "Alma call" in past_part and "Cancelled" in past_part
    for booking in (past, cancelled):
        assert f"/bookings/{booking.token}/reschedule/" not in page


def test_an_address_with_nothing_gets_an_empty_page_that_says_so(client, world):
    from django.http import HttpResponse

    from portal.session import portal_sign_in

    response = HttpResponse()
    portal_sign_in(response, email="nobody@example.com")
    client.cookies[PORTAL_COOKIE] = response.cookies[PORTAL_COOKIE].value

    assert "No orders or sessions were made with" in client.get("/my/").content.decode()


def test_a_forged_session_cookie_opens_nothing(client, world):
    client.cookies[PORTAL_COOKIE] = f"{CLEO}:forged:signature"

    page = client.get("/my/").content.decode()

    assert "Find my bookings" in page and "Alma pack of 3" not in page


def test_the_session_lasts_a_week_on_that_browser(world, sign_in):
    client = sign_in(CLEO)

    with time_machine.travel(timezone.now() + timedelta(days=6, hours=23)):
        assert "Alma pack of 3" in client.get("/my/").content.decode()
    with time_machine.travel(timezone.now() + timedelta(days=7, hours=1)):
        assert "Alma pack of 3" not in client.get("/my/").content.decode()


def test_sign_out_forgets_this_browser(world, sign_in):
    client = sign_in(CLEO)

    response = client.post("/my/sign-out/", follow=True)

    page = response.content.decode()
    assert "You are signed out of your bookings on this browser." in page
    assert "Alma pack of 3" not in page and 'name="email"' in page


def test_the_portal_session_never_logs_an_owner_in_or_out(world, sign_in, client):
    client.force_login(world.alma)
    sign_in(CLEO)
    assert client.get("/dashboard/").status_code == 200
    client.post("/my/sign-out/")
    assert client.get("/dashboard/").status_code == 200

    client.logout()
    assert client.get("/dashboard/").status_code == 302  # to the login: the portal is no owner login
    assert "Alma pack of 3" not in client.get("/my/").content.decode()


def test_an_unsent_gift_shows_to_its_buyer_without_its_sessions(world, sign_in):
    from orders.models import Gift

    order = world.cleo_bert
    Gift.objects.create(order=order, buyer_name="Cleo Client", buyer_email=CLEO, recipient_name="Rita",
                        recipient_email="rita@example.com", send_on=timezone.now().date() + timedelta(days=5),
                        send_at=timezone.now() + timedelta(days=5))

    page = sign_in(CLEO).get("/my/").content.decode()

    assert "A gift you gave, not sent yet" in page
    assert f"/orders/{order.token}/items/" not in page


def test_a_paid_gift_stays_off_the_recipients_page_until_it_is_sent(world, sign_in, django_capture_on_commit_callbacks):
    """Once paid the order carries the recipient's address, but the gift is the buyer's surprise
    until its day: the recipient sees neither the pack nor the buyer's gift page (the message, the
    form that changes where it goes) before then."""
    from orders.gifts import GiftDetails, gifts_send_due
    from orders.services import order_create
    from payments import services as payment_services
    from payments.models import Provider
    from tests import make_package

    package = make_package(world.bert, items=[(world.bert_lesson, 2)], name="Bert gift pack")
    with django_capture_on_commit_callbacks(execute=True):
        order = order_create(package=package, client_name="Cleo Client", client_email=CLEO, terms_accepted=True,
                             client_timezone="Europe/London",
                             gift=GiftDetails(recipient_name="Rita Reed", recipient_email="rita@example.com",
                                              message="Happy birthday, Rita!",
                                              send_on=timezone.now().date() + timedelta(days=5)))
        payment = payment_services.payment_start(order=order, provider=Provider.TEST)
        payment_services.payment_confirm(payment_id=payment.pk, amount=payment.amount, currency=payment.currency)
    client = sign_in("rita@example.com")

    before = client.get("/my/").content.decode()

    assert "Bert gift pack" not in before
    assert order.gift.token not in before
    assert "Nothing here yet" in before
    # The buyer sees the gift they paid for until it is sent (the order carries Rita's address now).
    buyers = sign_in(CLEO).get("/my/").content.decode()
    assert "Bert gift pack" in buyers and "A gift you gave, not sent yet" in buyers
    assert f"/orders/{order.token}/items/" not in buyers
    client = sign_in("rita@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        assert gifts_send_due(now=order.gift.send_at) == 1
    after = client.get("/my/").content.decode()

    assert "Bert gift pack" in after and "A gift you gave" not in after
    assert order.gift.token not in after
    assert "Bert gift pack" not in sign_in(CLEO).get("/my/").content.decode()  # Rita's now


@pytest.mark.parametrize("extra_orders", [0, 6])
def test_the_page_reads_a_fixed_number_of_queries(world, sign_in, django_assert_num_queries, extra_orders):
    order_paid_and_part_refunded(world.alma, world.alma_call, "Paid pack")
    for n in range(extra_orders):
        owner = world.alma if n % 2 else world.bert
        meeting_type = world.alma_call if n % 2 else world.bert_lesson
        order = order_paid_and_part_refunded(owner, meeting_type, f"Extra {n}")
        make_booking(meeting_type, timezone.now() + timedelta(days=10 + n), order_item=order.items.get())
        make_booking(meeting_type, timezone.now() + timedelta(days=20 + n))
    client = sign_in(CLEO)

    # The unsent gifts the client bought, the orders, their items, the items' bookings, the direct
    # bookings, the invoices, the credit notes; twice on the first visit of a process that has never
    # served this client (portal.overview: which owners' versions to read is learnt from the rows,
    # which are then read again after those versions). test_my_bookings_cache: 7 once it knows,
    # none on a reload.
    with django_assert_num_queries(14):
        page = client.get("/my/").content.decode()
    assert page.count('class="list-card portal-order"') == 3 + extra_orders
    assert page.count("/invoices/INV-") == 2 * (1 + extra_orders)
