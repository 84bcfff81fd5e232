"""The owner's "New order" (issue 16 item 4): an order of one of their packages for a client,
paid outside the app (a manual payment with a note) or complimentary; bad input creates nothing;
another owner's package cannot be issued."""
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from orders.credits import item_balance
from orders.lifecycle import order_cancel
from orders.models import CreditLedgerEntry, OrderStatus, PackageOrder
from packages.models import OrderingInformation, PackageState
from payments.models import Payment, PaymentStatus, Provider
from tests import make_package

URL = "/dashboard/payments/orders/new/"


@pytest.fixture
def package(owner):
    return make_package(owner, name="Starter pack", price=Decimal("120.00"), terms="No refunds.")


def _body(pkg, **fields):
    return {"package": str(pkg.pk), "client_name": "Robin Client", "client_email": "Robin@Example.com",
            "client_phone": "", "mode": "paid_outside", "note": "Bank transfer received 3 Dec", **fields}


def _counts():
    return PackageOrder.objects.count(), Payment.objects.count(), CreditLedgerEntry.objects.count()


def test_the_orders_list_links_to_the_new_order_page(owner_client, package):
    html = owner_client.get("/dashboard/orders/").content.decode()
    assert f'href="{URL}"' in html and "New order" in html
    page = owner_client.get(URL).content.decode()
    assert "Starter pack" in page and "Paid outside the app" in page and "Complimentary" in page



def test_an_owner_with_one_package_finds_it_already_chosen(owner_client, owner, package):
    page = owner_client.get(URL).content.decode()
    assert f'<option value="{package.pk}" selected>Starter pack</option>' in page
    make_package(owner, name="Second pack")
    page = owner_client.get(URL).content.decode()
    assert f'<option value="{package.pk}" selected>' not in page and '<option value="" selected>' in page

def test_paid_outside_the_app_records_a_manual_payment_and_activates_the_order(
        owner_client, owner, package, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(URL, _body(package), follow=True)

    order = PackageOrder.objects.get()
    assert response.redirect_chain[-1][0] == f"/dashboard/orders/{order.pk}/"
    assert "Robin Client has been sent the confirmation" in response.content.decode()
    assert order.owner == owner and order.status == OrderStatus.ACTIVE and order.price == Decimal("120.00")
    assert order.client_email == "robin@example.com" and order.title == "Starter pack"
    payment = Payment.objects.get(order=order)
    assert (payment.provider, payment.status, payment.amount, payment.currency, payment.note) == (
        Provider.MANUAL, PaymentStatus.CONFIRMED, Decimal("120.000"), "USD", "Bank transfer received 3 Dec")
    assert not payment.flagged
    assert order.paid_with == "Paid outside the app"
    assert [item_balance(item.pk) for item in order.items.all()] == [1]
    client_mail = [m for m in mailoutbox if m.to == ["robin@example.com"]]
    assert len(client_mail) == 1 and f"/orders/{order.token}/" in client_mail[0].body



@pytest.mark.parametrize("mode", ["paid_outside", "complimentary", "payment_link"])
def test_an_issued_order_shows_the_client_times_in_the_owners_zone(owner_client, package, mode, mailoutbox,
                                                                   django_capture_on_commit_callbacks):
    """The client never chose a zone (the owner filled the form): their emails follow the owner's
    zone, as a client's own order does when the browser says none, not UTC."""
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(URL, _body(package, mode=mode))

    order = PackageOrder.objects.get()
    assert order.client_timezone == "America/New_York"
    if mode != "payment_link":
        receipt = next(m for m in mailoutbox if m.to == ["robin@example.com"])
        assert "(America/New_York)" in receipt.body and "(UTC)" not in receipt.body

def test_complimentary_activates_the_order_with_no_payment(owner_client, package, mailoutbox,
                                                         django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(URL, _body(package, mode="complimentary", note=""))

    order = PackageOrder.objects.get()
    assert order.status == OrderStatus.ACTIVE and order.paid_with == "Complimentary"
    assert not Payment.objects.exists()
    assert [item_balance(item.pk) for item in order.items.all()] == [1]
    assert any(m.to == ["robin@example.com"] and f"/orders/{order.token}/" in m.body for m in mailoutbox)


def test_a_complimentary_order_says_so_and_never_asks_for_a_refund(owner_client, package, client, mailoutbox,
                                                                   django_capture_on_commit_callbacks):
    """Nothing was paid: the receipt, the client's page and the owner's page say "Complimentary",
    never "Paid", and a cancelled one is not "Not refunded"."""
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(URL, _body(package, mode="complimentary", note=""))
    order = PackageOrder.objects.get()
    [receipt] = [m for m in mailoutbox if m.to == ["robin@example.com"]]
    assert "Amount: Complimentary (no charge)" in receipt.body and "Paid with" not in receipt.body
    for page in (client.get(f"/orders/{order.token}/"), owner_client.get(f"/dashboard/orders/{order.pk}/")):
        html = page.content.decode()
        assert "Complimentary (no charge)" in html and "Paid " not in html

    order_cancel(order=order, reason="Changed plans")
    for page in (client.get(f"/orders/{order.token}/"), owner_client.get(f"/dashboard/orders/{order.pk}/")):
        assert "Not refunded" not in page.content.decode()
    # No payment to refund and no action left: the owner's "Manage order" says so, not an empty card.
    assert "Nothing left to manage: this order is cancelled." in page.content.decode()


def test_the_order_keeps_the_snapshot_when_the_package_changes_afterwards(owner_client, package):
    owner_client.post(URL, _body(package, mode="complimentary"))
    package.name, package.price = "Renamed", Decimal("999.00")
    package.save()
    order = PackageOrder.objects.get()
    assert (order.title, order.price) == ("Starter pack", Decimal("120.00"))


@pytest.mark.parametrize("fields, field, message", [
    ({"client_email": "not-an-email"}, "client_email", "Enter a valid email address"),
    ({"client_name": "   "}, "client_name", "Enter the client&#x27;s name."),
    ({"note": "x" * 201}, "note", "Keep the note to 200 characters (it has 201)."),
    ({"package": "999999"}, "package", "Choose one of your published packages."),
    ({"client_phone": "555 0100"}, "client_phone", "Enter the number with its country code"),
    ({"mode": "send_invoice"}, "mode", "Select a valid choice"),
])
def test_bad_input_is_explained_next_to_the_field_and_creates_nothing(owner_client, package, fields, field,
                                                                      message):
    before = _counts()
    response = owner_client.post(URL, _body(package, **fields))

    assert response.status_code == 200
    assert _counts() == before
    assert message in response.content.decode()
    assert field in response.context["form"].errors


def test_a_package_that_asks_for_a_mobile_needs_one(owner_client, owner):
    package = make_package(owner, ordering_information=OrderingInformation.NAME_EMAIL_MOBILE)
    response = owner_client.post(URL, _body(package))
    assert _counts() == (0, 0, 0)
    assert response.context["form"].errors["client_phone"] == ["This package asks for the client's mobile number."]

    owner_client.post(URL, _body(package, client_phone="+1 415 555 0100"))
    assert PackageOrder.objects.get().client_phone == "+14155550100"


def test_a_draft_or_disabled_package_cannot_be_issued(owner_client, owner):
    for state in (PackageState.DRAFT, PackageState.DISABLED, PackageState.DELETED):
        package = make_package(owner, state=state)
        response = owner_client.post(URL, _body(package))
        assert response.context["form"].errors["package"] == ["Choose one of your published packages."]
    assert _counts() == (0, 0, 0)


def test_another_owner_cannot_issue_an_order_of_the_first_owners_package(client, owner, other_owner, package):
    make_package(other_owner, name="Other's own pack")
    client.force_login(other_owner)

    page = client.get(URL).content.decode()
    response = client.post(URL, _body(package))

    assert "Starter pack" not in page and "Other&#x27;s own pack" in page
    assert response.context["form"].errors["package"] == ["Choose one of your published packages."]
    assert _counts() == (0, 0, 0)


def test_the_service_refuses_another_owners_package(owner, other_owner, package):
    from orders.services import OrderError
    from payments.services import order_issue

    with pytest.raises(OrderError):
        order_issue(owner=other_owner, package=package, client_name="X", client_email="x@example.com",
                    mode="complimentary")
    assert _counts() == (0, 0, 0)


def test_the_form_page_runs_a_fixed_number_of_queries(owner_client, owner, django_assert_num_queries):
    make_package(owner)
    owner_client.get(URL)
    # session, user, packages, their questions, the owner's tax (the price to pay in the help text)
    with django_assert_num_queries(5) as small:
        owner_client.get(URL)
    for _ in range(15):
        make_package(owner)
    with django_assert_num_queries(len(small.captured_queries)):
        owner_client.get(URL)


def test_a_payment_link_leaves_the_order_pending_and_emails_the_client_to_pay(
        owner_client, package, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(URL, _body(package, mode="payment_link", note=""), follow=True)

    order = PackageOrder.objects.get()
    assert "has been sent an email asking to pay" in response.content.decode()
    assert order.status == OrderStatus.PENDING_PAYMENT and order.paid_at is None
    assert not Payment.objects.exists()
    client_mail = [m for m in mailoutbox if m.to == ["robin@example.com"]]
    assert [m.subject for m in client_mail] == ["Pay for your order: Starter pack"]
    assert f"/orders/{order.token}/" in client_mail[0].body and "120.00 USD" in client_mail[0].body
    # The order's link is the normal checkout: the client's page offers to pay.
    page = Client().get(f"/orders/{order.token}/").content.decode()
    assert f'href="{reverse("payments:checkout", args=[order.token])}">Complete payment' in page


def test_a_payment_made_outside_the_app_shows_its_note_and_is_marked_refunded_not_refunded_online(
        owner_client, package):
    owner_client.post(URL, _body(package))
    payment = Payment.objects.get()

    page = owner_client.get(f"/dashboard/payments/{payment.pk}/").content.decode()
    refused = owner_client.post(f"/dashboard/payments/{payment.pk}/refund/", follow=True).content.decode()

    assert "Bank transfer received 3 Dec" in page and "Paid outside the app" in page
    assert f'action="/dashboard/payments/{payment.pk}/refund/"' not in page
    assert "made outside the app: give the money back, then mark it refunded" in refused
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CONFIRMED

    owner_client.post(f"/dashboard/payments/{payment.pk}/refunded-outside/")
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED and payment.order.status == OrderStatus.REFUNDED


def test_a_client_who_paid_outside_the_app_is_not_told_the_refund_goes_back_to_their_card(
        owner_client, package, mailoutbox, django_capture_on_commit_callbacks):
    """Cash or a bank transfer: the refund email said "goes back to the card or account you paid
    with"; the owner gave the money back outside the app, and the email says so."""
    owner_client.post(URL, _body(package))
    payment = Payment.objects.get()
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(f"/dashboard/payments/{payment.pk}/refunded-outside/")

    refunded = [message for message in mailoutbox if message.subject.startswith("Your order was refunded")]
    assert len(refunded) == 1
    text = " ".join(refunded[0].body.split())
    html = " ".join(refunded[0].alternatives[0][0].split())
    assert "was given back to you outside the app" in text and "was given back to you outside the app" in html
    assert "card or account" not in text and "card or account" not in html


def test_the_order_page_offers_to_mark_a_payment_outside_the_app_refunded_not_to_refund_it(owner_client, package):
    owner_client.post(URL, _body(package))
    order = PackageOrder.objects.get()
    payment = Payment.objects.get()

    html = owner_client.get(f"/dashboard/orders/{order.pk}/").content.decode()

    assert "Paid 120.00 USD outside the app" in html and "(Bank transfer received 3 Dec)" in html
    assert f'action="/dashboard/payments/orders/{order.pk}/refund/"' not in html
    assert f'action="/dashboard/payments/{payment.pk}/refunded-outside/"' in html
    assert 'name="refund"' not in html


# -- a cash discount and the package's questions (issue 28 item 3) ------------------------------


def test_a_cash_discount_records_the_amount_actually_taken(owner_client, package):
    owner_client.post(URL, _body(package, amount_taken="100.00"))
    order = PackageOrder.objects.get()
    payment = Payment.objects.get(order=order)
    assert order.status == OrderStatus.ACTIVE and order.price == Decimal("120.00")
    assert (payment.amount, payment.discount, payment.status) == (
        Decimal("100.00"), Decimal("20.00"), PaymentStatus.CONFIRMED)


def test_no_amount_taken_is_the_full_price(owner_client, package):
    owner_client.post(URL, _body(package, amount_taken=""))
    assert Payment.objects.get().amount == Decimal("120.00")


@pytest.mark.parametrize(("amount", "mode", "message"), [
    ("120.01", "paid_outside", "At most the price, 120.00 USD."),
    ("0", "paid_outside", "Enter an amount above zero, or choose “Complimentary”."),
    ("-1", "paid_outside", "Enter an amount above zero, or choose “Complimentary”."),
    ("lots", "paid_outside", "Enter the amount as a number, like 90.00."),
    ("9.999", "paid_outside", "USD allows at most 2 decimals."),
    ("50", "complimentary", "Only a payment outside the app has an amount received: leave it empty."),
])
def test_a_bad_amount_taken_is_refused_beside_the_field(owner_client, package, amount, mode, message):
    response = owner_client.post(URL, _body(package, amount_taken=amount, mode=mode))
    html = response.content.decode()
    field = html[html.index('id="id_amount_taken"'):]
    assert message in field[:field.index("</div>") + 300]
    assert _counts() == (0, 0, 0)


def test_the_form_asks_the_packages_questions_and_keeps_the_answers(owner_client, package):
    from packages.models import InviteeQuestion, QuestionKind

    question = InviteeQuestion.objects.create(package=package, text="Your goal?", kind=QuestionKind.SHORT_TEXT,
                                              required=True)
    page = owner_client.get(URL).content.decode()
    assert f'<label for="id_question_{question.pk}">Your goal?' in page
    refused = owner_client.post(URL, _body(package, questions_for=str(package.pk)))
    assert "Enter" in refused.content.decode() and _counts() == (0, 0, 0)
    owner_client.post(URL, _body(package, questions_for=str(package.pk), **{f"question_{question.pk}": "Run 10k"}))
    order = PackageOrder.objects.get()
    assert order.answers == [{"question": "Your goal?", "kind": "short_text", "answer": "Run 10k"}]


def test_a_package_chosen_without_its_questions_shown_asks_them_first(owner_client, owner, package):
    from packages.models import InviteeQuestion

    make_package(owner, name="Second pack")  # two packages: none chosen, no questions shown
    InviteeQuestion.objects.create(package=package, text="Anything we should know?")
    response = owner_client.post(URL, _body(package))
    html = response.content.decode()
    assert "This package asks the client some questions: answer them below" in html
    assert "Anything we should know?" in html and _counts() == (0, 0, 0)
    # The form shown now carries this package's questions: posting it creates the order.
    owner_client.post(URL, _body(package, questions_for=str(package.pk)))
    assert PackageOrder.objects.count() == 1
