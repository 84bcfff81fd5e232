"""The public order page: the package, the order form built from its Invitee Preferences, and what
submitting it does (free orders become active, paid ones wait for payment). Bad input changes nothing."""
from decimal import Decimal

import pytest

from orders.models import OrderItem, OrderStatus, PackageOrder
from orders.public_views import checkout_url
from packages.models import InviteeQuestion, NameFormat, OrderingInformation, PackageState, QuestionKind
from scheduling.models import MeetingTypeState
from tests import make_meeting_type, make_package


def page_url(package) -> str:
    return f"/{package.owner.slug}/packages/{package.slug}/"


def valid_post(**overrides) -> dict:
    data = {"full_name": "Jamie Client", "email": "Jamie@Example.com", "client_timezone": "Europe/London",
            "accept_terms": "on"}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_the_page_shows_the_package_and_its_order_form(client, package):
    response = client.get(page_url(package))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1" in html and "Starter pack" in html
    assert "Two coaching sessions and a workshop." in html
    assert "100.00 USD" in html
    assert "2 ×</strong> Coaching session" in html and "1 ×</strong> Group workshop" in html
    assert 'for="id_full_name"' in html and 'for="id_email"' in html
    assert "I accept the Payment Terms and Conditions" in html and "No refunds after a session." in html
    assert "data-detect-timezone" in html
    assert "Your goal?" in html
    assert "id_mobile" not in html


def test_first_and_last_name_and_mobile_follow_the_invitee_preferences(client, package):
    package.name_format = NameFormat.FIRST_LAST
    package.ordering_information = OrderingInformation.NAME_EMAIL_MOBILE
    package.save()
    html = client.get(page_url(package)).content.decode()
    assert 'for="id_first_name"' in html and 'for="id_last_name"' in html and "id_full_name" not in html
    assert 'for="id_mobile"' in html


def test_each_question_kind_gets_its_input(client, package):
    kinds = {
        QuestionKind.LONG_TEXT: "<textarea",
        QuestionKind.SINGLE_CHOICE: 'type="radio"',
        QuestionKind.MULTIPLE_CHOICE: 'type="checkbox" name="question_',
    }
    for kind in kinds:
        InviteeQuestion.objects.create(package=package, text=f"Q {kind}", kind=kind, choices=["A", "B"], position=5)
    InviteeQuestion.objects.create(package=package, text="Send me news", kind=QuestionKind.CHECKBOX, position=9)
    html = client.get(page_url(package)).content.decode()
    for marker in kinds.values():
        assert marker in html
    assert "Send me news" in html


def test_a_free_package_makes_the_order_active_and_opens_its_details_page(client, owner, coaching):
    package = make_package(owner, items=[(coaching, 3)], price=Decimal("0"))
    response = client.post(page_url(package), valid_post())
    order = PackageOrder.objects.get()
    assert order.status == OrderStatus.ACTIVE and order.paid_at is not None
    assert response.status_code == 302 and response["Location"] == f"/orders/{order.token}/"
    assert order.client_email == "jamie@example.com"
    assert "Free" in client.get(page_url(package)).content.decode()


def test_a_paid_package_waits_for_payment_and_keeps_the_snapshot(client, package):
    answer = {f"question_{package.questions.get().pk}": "Run a marathon"}
    response = client.post(page_url(package), valid_post(**answer))
    order = PackageOrder.objects.get()
    assert response.status_code == 302
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert (order.title, order.description, order.price, order.currency, order.terms) == (
        "Starter pack", "Two coaching sessions and a workshop.", Decimal("100.000"), "USD", "No refunds after a session.")
    assert order.answers == [{"question": "Your goal?", "kind": "short_text", "answer": "Run a marathon"}]
    assert order.terms_accepted_at is not None and order.client_timezone == "Europe/London"
    items = list(order.items.values_list("meeting_type_name", "quantity", "duration_minutes", "kind", "position"))
    assert items == [("Coaching session", 2, 50, "one_on_one", 0), ("Group workshop", 1, 90, "group", 1)]
    # On to the payments app's checkout when it exists, else the details page offering to pay.
    assert response["Location"] == checkout_url(order) == f"/payments/checkout/{order.token}/"


def test_first_last_name_and_mobile_are_stored_in_e164(client, package):
    package.name_format = NameFormat.FIRST_LAST
    package.ordering_information = OrderingInformation.NAME_EMAIL_MOBILE
    package.save()
    answer = {f"question_{package.questions.get().pk}": "Focus"}
    client.post(page_url(package), valid_post(full_name=None, first_name="Jamie", last_name="Client",
                                              mobile="+1 (415) 555-0100", **answer))
    order = PackageOrder.objects.get()
    assert (order.client_name, order.client_first_name, order.client_last_name) == ("Jamie Client", "Jamie", "Client")
    assert order.client_phone == "+14155550100"


def test_a_mobile_written_as_at_home_is_read_for_the_country_of_the_visitors_zone(client, package):
    package.ordering_information = OrderingInformation.NAME_EMAIL_MOBILE
    package.save()

    client.post(page_url(package), valid_post(mobile="0161 496 0000", client_timezone="Europe/London",
                                              **{f"question_{package.questions.get().pk}": "Focus"}))

    assert PackageOrder.objects.get().client_phone == "+441614960000"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"mobile": "415 555 0100", "client_timezone": "UTC"}, "Enter the number with its country code"),
        ({"mobile": "+1 555"}, "Enter a valid mobile number"),
        ({"mobile": ""}, "Enter your mobile number with its country code, e.g. +1 415 555 0100."),
        ({"email": "not-an-email"}, "Enter a valid email address."),
        ({"accept_terms": None}, "Accept the Payment Terms and Conditions to order this package."),
        ({"answer": ""}, "Enter your answer to “Your goal?”."),
        ({"full_name": ""}, "Enter your name."),
    ],
)
def test_bad_input_gets_a_message_next_to_the_field_and_no_order(client, package, overrides, message):
    package.ordering_information = OrderingInformation.NAME_EMAIL_MOBILE
    package.save()
    data = valid_post(mobile="+14155550100", **{f"question_{package.questions.get().pk}": "Focus"})
    answer = overrides.pop("answer", None)
    if answer is not None:
        data[f"question_{package.questions.get().pk}"] = answer
    data.update(overrides)
    data = {key: value for key, value in data.items() if value is not None}
    response = client.post(page_url(package), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert PackageOrder.objects.count() == 0 and OrderItem.objects.count() == 0


def test_a_required_choice_question_refuses_a_value_that_was_not_offered(client, package):
    question = InviteeQuestion.objects.create(package=package, text="Level", kind=QuestionKind.SINGLE_CHOICE,
                                              required=True, choices=["Beginner", "Advanced"], position=2)
    data = valid_post(**{f"question_{package.questions.first().pk}": "Focus", f"question_{question.pk}": "Expert"})
    response = client.post(page_url(package), data)
    assert "Choose one of the answers listed." in response.content.decode()
    assert PackageOrder.objects.count() == 0


@pytest.mark.parametrize("state", [PackageState.DISABLED, PackageState.DELETED])
def test_a_disabled_or_deleted_package_says_so_and_refuses_a_direct_post(client, package, state):
    package.state = state
    package.save()
    response = client.get(page_url(package))
    html = response.content.decode()
    assert response.status_code == 200
    assert "This package is disabled or deleted" in html and "<form method=\"post\"" not in html
    response = client.post(page_url(package), valid_post(**{f"question_{package.questions.get().pk}": "x"}))
    assert "This package is disabled or deleted" in response.content.decode()
    assert PackageOrder.objects.count() == 0


def test_a_package_below_the_team_plan_or_without_active_meeting_types_is_not_orderable(client, free_owner, owner):
    below_team = make_package(free_owner, items=[(make_meeting_type(free_owner), 1)])
    no_live_type = make_package(owner, items=[(make_meeting_type(owner, state=MeetingTypeState.DISABLED), 1)])
    for package in (below_team, no_live_type):
        assert "This package is disabled or deleted" in client.get(page_url(package)).content.decode()
        client.post(page_url(package), valid_post())
    assert PackageOrder.objects.count() == 0


def test_unknown_owner_or_package_is_not_found(client, package):
    assert client.get(f"/nobody-here/packages/{package.slug}/").status_code == 404
    assert client.get(f"/{package.owner.slug}/packages/no-such-pack/").status_code == 404


def test_a_package_disabled_between_page_and_submit_places_no_order(client, package, monkeypatch):
    # The view saw it orderable; the service re-checks under the package's lock and refuses.
    from orders import services

    monkeypatch.setattr(services, "package_is_orderable", lambda package: False)
    response = client.post(page_url(package), valid_post(**{f"question_{package.questions.get().pk}": "x"}))
    assert "This package is disabled or deleted" in response.content.decode()
    assert PackageOrder.objects.count() == 0


def test_only_meeting_types_that_can_be_scheduled_are_offered_and_sold(client, owner, coaching, workshop):
    workshop.state = MeetingTypeState.DISABLED
    workshop.save()
    package = make_package(owner, items=[(coaching, 2), (workshop, 1)], price=Decimal("0"))
    assert "Group workshop" not in client.get(page_url(package)).content.decode()
    client.post(page_url(package), valid_post())
    assert list(PackageOrder.objects.get().items.values_list("meeting_type_name", flat=True)) == ["Coaching session"]


@pytest.mark.parametrize("questions", [1, 8])
def test_the_order_page_runs_a_fixed_number_of_queries(client, package, questions, django_assert_num_queries):
    client.get(page_url(package))  # the process learns whose slug it is
    for n in range(questions):  # each a change: the next view renders the page again
        InviteeQuestion.objects.create(package=package, text=f"Extra {n}", kind=QuestionKind.LONG_TEXT, position=n + 1)
    # owner, package, items with meeting types, questions, the owner's tax (Settings › Invoices)
    with django_assert_num_queries(5):
        assert client.get(page_url(package)).status_code == 200
    with django_assert_num_queries(0):  # then served from the cache
        assert client.get(page_url(package)).status_code == 200


def test_placing_an_order_reads_the_package_from_the_database(client, package, django_assert_num_queries):
    client.get(page_url(package))
    # owner, package, items with meeting types, questions, the owner's tax; an invalid form places nothing
    with django_assert_num_queries(5):
        assert client.post(page_url(package), valid_post(email="not-an-email")).status_code == 200
