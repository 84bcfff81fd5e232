"""The printable page and the PDF of each document, reached by the order's (or booking's) token;
Settings › Invoices with its checks."""
import io
from decimal import Decimal
from types import ModuleType

import pytest
from django.core import mail
from pypdf import PdfReader

from invoices.models import InvoiceSettings
from invoices.services import credit_note_issue, invoice_settings_save
from invoices.tests.helpers import paid_order
from notifications import services as notification_services
from payments.models import Provider

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(owner):
    invoice_settings_save(owner=owner, business_name="Casey Coaching Ltd", address="1 High Street", tax_id="GB123",
                          tax_rate=Decimal("20"), prices_include_tax=True, number_prefix="INV-", footer="Thanks!")
    return paid_order(owner, price="120.00", currency="GBP", provider=Provider.TEST)


def pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_token_holder_sees_the_invoice_with_its_amounts(client, paid):
    order, _ = paid

    page = client.get(f"/orders/{order.token}/invoices/INV-0001/").content.decode()

    assert "Invoice INV-0001" in page
    assert "Casey Coaching Ltd" in page and "Tax ID: GB123" in page
    assert "100.00 GBP" in page and "20.00 GBP" in page and "120.00 GBP" in page
    assert "TEST — made with the test provider, no real money" in page
    assert f'href="/orders/{order.token}/invoices/INV-0001/pdf/"' in page


def test_the_order_page_lists_its_invoices_for_the_client_and_the_owner(client, owner, paid):
    order, _ = paid

    assert f"/orders/{order.token}/invoices/INV-0001/" in client.get(f"/orders/{order.token}/").content.decode()
    client.force_login(owner)
    assert f"/orders/{order.token}/invoices/INV-0001/" in client.get(f"/dashboard/orders/{order.pk}/").content.decode()


def test_another_orders_token_or_a_wrong_number_finds_nothing(client, owner, other_owner, paid):
    order, _ = paid
    others_order, _ = paid_order(other_owner)  # also INV-0001, of another owner

    assert client.get(f"/orders/{others_order.token}/invoices/INV-0001/").status_code == 200
    assert client.get(f"/orders/{order.token}/invoices/INV-0002/").status_code == 404
    assert client.get(f"/orders/{'x' * 43}/invoices/INV-0001/").status_code == 404
    # The other owner's page shows their own invoice, not this one.
    assert "Casey Coaching Ltd" not in client.get(f"/orders/{others_order.token}/invoices/INV-0001/").content.decode()


def test_the_pdf_is_a_real_pdf_with_the_number(client, paid):
    order, _ = paid

    response = client.get(f"/orders/{order.token}/invoices/INV-0001/pdf/")

    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content)
    assert "Invoice INV-0001" in text and "120.00 GBP" in text and "TEST" in text


def test_a_credit_note_has_its_page_and_pdf_naming_the_invoice(client, paid):
    order, payment = paid
    credit_note_issue(payment=payment, amount=Decimal("60.00"), reason="Half the sessions", source_key="r1")

    page = client.get(f"/orders/{order.token}/invoices/CN-0001/").content.decode()
    pdf = client.get(f"/orders/{order.token}/invoices/CN-0001/pdf/").content

    assert "Credit note CN-0001" in page and "INV-0001" in page and "Half the sessions" in page
    assert "Credit note CN-0001" in pdf_text(pdf) and "INV-0001" in pdf_text(pdf)


def test_the_order_confirmation_email_carries_the_invoice_pdf(owner, paid, django_capture_on_commit_callbacks):
    order, _ = paid
    mail.outbox = []

    with django_capture_on_commit_callbacks(execute=True):
        notification_services.notify_order_confirmed(order=order, owner_notice=True)

    to_client = next(email for email in mail.outbox if email.to == ["cleo@example.com"])
    to_owner = next(email for email in mail.outbox if email.to == [owner.email])
    pdfs = [attachment for attachment in to_client.attachments if attachment[0].endswith(".pdf")]
    assert [(name, kind) for name, _, kind in pdfs] == [("INV-0001.pdf", "application/pdf")]
    assert "Invoice INV-0001" in pdf_text(pdfs[0][1])
    assert to_owner.attachments == []


def test_a_refund_email_carries_the_credit_note(owner, paid, django_capture_on_commit_callbacks):
    from payments.services import payment_mark_refunded

    _, payment = paid
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True):
        payment_mark_refunded(payment_id=payment.pk, outside_app=True)

    refund_email = next(email for email in mail.outbox if email.to == ["cleo@example.com"])
    assert [name for name, _, _ in refund_email.attachments if name.endswith(".pdf")] == ["CN-0001.pdf"]


def settings_form(**overrides) -> dict:
    data = {"business_name": "Casey Coaching Ltd", "address": "1 High Street", "tax_id": "GB123", "tax_rate": "20",
            "prices_include_tax": "on", "number_prefix": "CC-", "footer": "Thanks"}
    data.update(overrides)
    return data


def test_the_owner_saves_their_invoice_settings(client, owner):
    client.force_login(owner)

    response = client.post("/dashboard/settings/invoices/", settings_form())

    assert response.status_code == 302
    saved = InvoiceSettings.objects.get(owner=owner)
    assert (saved.business_name, saved.tax_rate, saved.prices_include_tax, saved.number_prefix) == (
        "Casey Coaching Ltd", Decimal("20"), True, "CC-")
    page = client.get("/dashboard/settings/invoices/").content.decode()
    assert 'value="CC-"' in page and '<label for="id_tax_rate">' in page


@pytest.mark.parametrize(("field", "value", "message"), [
    ("tax_rate", "100.5", "A tax rate is at most 100 %."),
    ("tax_rate", "-1", "A tax rate cannot be negative."),
    ("tax_rate", "twenty", "Enter the rate as a number, such as 20 or 7.5."),
    ("number_prefix", "INV/2026/", "The prefix cannot contain slashes"),
    ("number_prefix", "INV 2026", "Use letters, digits, dots, dashes and underscores only."),
    ("number_prefix", "cn-", "CN- is the prefix of credit notes: choose another."),
])
def test_bad_settings_are_refused_beside_the_field_and_nothing_is_saved(client, owner, field, value, message):
    client.force_login(owner)

    response = client.post("/dashboard/settings/invoices/", settings_form(**{field: value}))

    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert f'id="id_{field}"' in page and "Nothing was saved." in page
    assert not InvoiceSettings.objects.exists()


def test_invoice_settings_need_a_login(client):
    response = client.get("/dashboard/settings/invoices/")

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("notes", [1, 4])
def test_the_order_page_lists_its_documents_in_two_queries_whatever_their_number(
        client, paid, notes, django_assert_num_queries):
    order, payment = paid
    for n in range(notes):
        credit_note_issue(payment=payment, amount=Decimal("10.00"), reason="", source_key=f"r{n}")

    # order + owner, items with used counts and meeting types, bookings, invoices, credit notes
    with django_assert_num_queries(5):
        page = client.get(f"/orders/{order.token}/").content.decode()

    assert page.count(f"/orders/{order.token}/invoices/CN-") == 2 * notes  # the page and its PDF


@pytest.mark.parametrize("size", [1, 4])
def test_the_payments_page_lists_invoice_and_credit_note_numbers_in_constant_queries(
        client, owner, size, django_assert_num_queries):
    for _ in range(size):
        _, payment = paid_order(owner)
        credit_note_issue(payment=payment, amount=Decimal("1.00"), reason="", source_key="r")
    client.force_login(owner)
    client.get("/dashboard/orders/")  # the session is cached

    # user, payments with orders and invoices, their credit notes, totals, payments needing a refund
    with django_assert_num_queries(5):
        page = client.get("/dashboard/payments/").content.decode()
    with django_assert_num_queries(1):  # the same page again: from the cache (leadmonk.dashboard_pages)
        again = client.get("/dashboard/payments/").content.decode()

    for html in (page, again):
        assert f">INV-{size:04d}</a>" in html and f">CN-{size:04d}</a>" in html


def test_the_payments_export_has_invoice_and_credit_note_columns(client, owner):
    import csv

    _, payment = paid_order(owner)
    credit_note_issue(payment=payment, amount=Decimal("20.00"), reason="", source_key="a")
    credit_note_issue(payment=payment, amount=Decimal("30.00"), reason="", source_key="b")
    paid_order(owner)
    client.force_login(owner)

    response = client.get("/dashboard/payments/export.csv?date_from=2026-01-01&date_to=2026-12-31")

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][-2:] == ["Invoice", "Credit notes"]
    assert [row[-2:] for row in rows[1:]] == [["INV-0001", "CN-0001 CN-0002"], ["INV-0002", ""]]


def test_the_same_document_is_laid_out_once_and_another_one_again(client, other_owner, paid, monkeypatch):
    import weasyprint

    laid_out = []

    class CountingHTML(weasyprint.HTML):
        def write_pdf(self, *args, **kwargs):
            laid_out.append(self)
            return super().write_pdf(*args, **kwargs)

    counting_weasyprint = ModuleType("counting_weasyprint")
    counting_weasyprint.HTML, counting_weasyprint.CSS = CountingHTML, weasyprint.CSS
    monkeypatch.setattr("invoices.documents._weasyprint", lambda: counting_weasyprint)
    order, _ = paid
    others_order, _ = paid_order(other_owner)  # also INV-0001, another owner's

    first = client.get(f"/orders/{order.token}/invoices/INV-0001/pdf/")
    again = client.get(f"/orders/{order.token}/invoices/INV-0001/pdf/")
    other = client.get(f"/orders/{others_order.token}/invoices/INV-0001/pdf/")

    assert again.content == first.content and "Casey Coaching Ltd" in pdf_text(again.content)
    assert "Casey Coaching Ltd" not in pdf_text(other.content)
    assert len(laid_out) == 2


def test_a_server_that_cannot_make_pdfs_says_so_and_the_email_still_goes(client, paid, monkeypatch,
                                                                          django_capture_on_commit_callbacks):
    def no_pango():
        raise OSError("cannot load library 'libpango-1.0-0'")

    monkeypatch.setattr("invoices.documents._weasyprint", no_pango)
    order, _ = paid

    response = client.get(f"/orders/{order.token}/invoices/INV-0001/pdf/")

    assert response.status_code == 503
    assert "The PDF of INV-0001 cannot be made right now" in response.content.decode()
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True):
        notification_services.notify_order_confirmed(order=order, owner_notice=False)
    assert [email.to for email in mail.outbox] == [["cleo@example.com"]]
    assert not [name for name, _, _ in mail.outbox[0].attachments if name.endswith(".pdf")]
