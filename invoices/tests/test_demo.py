from django.core.management import call_command
from django.test import override_settings

from accounts.models import User
from invoices.models import Invoice


@override_settings(DEBUG=True)
def test_the_demo_owner_has_billing_details_and_an_invoice_for_the_demo_payment(client, db):
    call_command("seed_demo")
    call_command("seed_demo")

    demo = User.objects.get(email="demo@example.com")
    assert demo.invoice_settings.business_name == "Dana Demo Coaching LLC"
    invoice = Invoice.objects.get(owner=demo, number="DEMO-0001")  # Jamie's; Alex's (the refund demo) follows
    assert invoice.is_test and invoice.order.client_email == "jamie@example.com"
    assert invoice.seller["tax_id"] == "EIN 12-3456789" and invoice.tax > 0
    page = client.get(f"/orders/{invoice.order.token}/invoices/DEMO-0001/")
    assert page.status_code == 200 and "Dana Demo Coaching LLC" in page.content.decode()


@override_settings(DEBUG=True)
def test_a_demo_payment_made_before_invoices_existed_gets_its_invoice_on_the_next_seed(db):
    call_command("seed_demo")
    jamie = Invoice.objects.get(number="DEMO-0001")
    jamie.delete()  # as if Jamie's payment had been made before invoices existed

    call_command("seed_demo")

    reissued = Invoice.objects.get(payment=jamie.payment)
    assert reissued.number not in ("DEMO-0001", "DEMO-0002")  # numbers given once are never reused
