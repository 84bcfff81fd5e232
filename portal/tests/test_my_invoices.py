"""/my/ lists, with each owner, the invoices and credit notes of what the client paid for (their
orders and paid single sessions), newest first, each opening its page and its PDF; nothing of
another client, and nothing of a gift (its documents are its buyer's, reached through the order's
token, which is the recipient's key once it is sent)."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from invoices.services import credit_note_issue, invoice_settings_save
from orders.models import Gift
from payments.models import Payment
from portal.tests.conftest import CLEO, DORA, pay
from scheduling.models import BookingStatus
from tests import make_booking, make_meeting_type, make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(world):
    """Cleo paid Alma 120 USD for a pack, half of it refunded since (credit note CN-0001), and Bert
    90 EUR for a single session (Bert's own INV-0001); Dora paid Alma 50 USD for a pack."""
    invoice_settings_save(owner=world.alma, business_name="Alma Coaching", address="1 High St", tax_id="",
                          tax_rate=Decimal("0"), prices_include_tax=True, number_prefix="INV-", footer="")
    now = timezone.now()
    pack = make_order(world.alma, world.alma_call, sessions=3, with_items=True, price="120.00", currency="USD",
                      title="Alma paid pack")
    pack_payment = pay(order=pack, amount="120.00")
    credit_note_issue(payment=pack_payment, amount=Decimal("60.00"), reason="Half", source_key="r1")
    dora_pack = make_order(world.alma, world.alma_call, sessions=1, with_items=True, price="50.00", currency="USD",
                           title="Dora paid pack", client_name="Dora Doe", client_email=DORA)
    pay(order=dora_pack, amount="50.00")
    lesson = make_meeting_type(world.bert, name="Bert paid lesson", slug="bert-paid-lesson", price=Decimal("90"),
                               currency="EUR", payment_medium="stripe")
    session = make_booking(lesson, now + timedelta(days=6), status=BookingStatus.HELD,
                           hold_expires_at=now + timedelta(minutes=15))
    pay(booking=session, amount="90", currency="EUR")
    session.refresh_from_db()
    assert session.status == BookingStatus.CONFIRMED
    return type("Paid", (), {"pack": pack, "dora_pack": dora_pack, "session": session})


def invoices_of(page: str, owner_name: str) -> str:
    """The Invoices list in the group of `owner_name` on /my/."""
    group = page[page.index(f"With {owner_name}"):]
    group = group[:group.index("</section>")]
    if "<h3>Invoices</h3>" not in group:
        return ""
    listed = group[group.index("<h3>Invoices</h3>"):]
    return listed[:listed.index("</ul>")]


def test_the_client_finds_each_owners_invoices_and_credit_notes_and_opens_them(world, sign_in, paid):
    client = sign_in(CLEO)
    page = client.get("/my/").content.decode()

    alma = invoices_of(page, "Alma Coach")
    # Newest first: the credit note, then the invoice it gives back half of.
    assert alma.index("Credit note CN-0001") < alma.index("Invoice INV-0001")
    assert "Alma paid pack" in alma and "120.00 USD" in alma and "−60.00 USD" in alma and "−120" not in alma
    bert = invoices_of(page, "Bert Tutor")
    assert "Invoice INV-0001" in bert and "Bert paid lesson" in bert and "90.00 EUR" in bert
    assert "Credit note" not in bert and "Alma" not in bert

    for path in (f"/orders/{paid.pack.token}/invoices/INV-0001/", f"/orders/{paid.pack.token}/invoices/CN-0001/",
                 f"/bookings/{paid.session.token}/invoices/INV-0001/"):
        assert f'href="{path}"' in page and f'href="{path}pdf/"' in page
        assert client.get(path).status_code == 200
    assert client.get(f"/orders/{paid.pack.token}/invoices/INV-0001/pdf/")["Content-Type"] == "application/pdf"


def test_no_invoices_no_list_and_nothing_of_another_client(world, sign_in, paid):
    dora = sign_in(DORA).get("/my/").content.decode()
    assert "Dora paid pack" in invoices_of(dora, "Alma Coach")
    assert paid.pack.token not in dora and "CN-0001" not in dora and "With Bert Tutor" not in dora

    cleo = sign_in(CLEO).get("/my/").content.decode()
    assert paid.dora_pack.token not in cleo and "Dora paid pack" not in cleo


def test_a_client_with_orders_but_nothing_paid_through_the_app_has_no_invoices_list(world, sign_in):
    page = sign_in(CLEO).get("/my/").content.decode()

    assert "Alma pack of 3" in page and invoices_of(page, "Alma Coach") == invoices_of(page, "Bert Tutor") == ""


def test_a_refund_made_after_the_page_was_read_shows_at_the_next_visit(world, sign_in, paid):
    client = sign_in(CLEO)
    assert "CN-0002" not in client.get("/my/").content.decode()
    credit_note_issue(payment=Payment.objects.get(order=paid.pack), amount=Decimal("10.00"), reason="More",
                      source_key="r2")

    assert "Credit note CN-0002" in invoices_of(client.get("/my/").content.decode(), "Alma Coach")


@pytest.mark.parametrize("sent", [False, True])
def test_a_gifts_invoice_shows_to_neither_its_buyer_nor_its_recipient(world, sign_in, sent):
    """Cleo gives Dora a pack: the order (paid by Cleo; Dora's once sent) has an invoice in Cleo's
    name, which Cleo got with her receipt."""
    gift_order = make_order(world.alma, world.alma_call, sessions=2, with_items=True, price="80.00", currency="USD",
                            title="Alma gift pack", client_name="Dora Doe", client_email=DORA)
    send_at = timezone.now() if sent else timezone.now() + timedelta(days=3)
    Gift.objects.create(order=gift_order, buyer_name="Cleo Client", buyer_email=CLEO, recipient_name="Dora Doe",
                        recipient_email=DORA, send_on=send_at.date(), send_at=send_at,
                        sent_at=send_at if sent else None)
    pay(order=gift_order, amount="80.00")
    assert gift_order.invoices.exists()

    assert "Alma gift pack" in sign_in(DORA if sent else CLEO).get("/my/").content.decode()
    for email in (CLEO, DORA):
        page = sign_in(email).get("/my/").content.decode()
        assert "/invoices/" not in page and "<h3>Invoices</h3>" not in page, email


def test_the_list_speaks_the_clients_language(world, sign_in, paid):
    page = sign_in(CLEO).get("/my/", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9").content.decode()

    alma = page[page.index("Rechnungen"):]
    assert "Gutschrift CN-0001" in alma and "Rechnung INV-0001" in alma
    assert "120,00 $" in alma and "−60,00 $" in alma
