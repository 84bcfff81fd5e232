"""The package editor says what happened where the owner is looking: each section's "saved"
message and a refused save's errors appear in that section, and the page opens there."""
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from packages.models import NameFormat, OrderingInformation
from packages.tests.test_create import info_data
from tests import make_meeting_type, make_package


@pytest.fixture
def coaching(owner):
    return make_meeting_type(owner, name="Coaching session", duration_minutes=50)


@pytest.fixture
def package(owner, coaching):
    return make_package(
        owner, items=[(coaching, 4)], name="Starter", slug="starter", price=Decimal("240.00"), currency="USD",
        payment_medium="stripe", name_format=NameFormat.FULL_NAME, ordering_information=OrderingInformation.NAME_EMAIL,
    )


def section(html: str, section_id: str) -> str:
    match = re.search(rf'<section class="card" id="{section_id}".*?</section>', html, re.S)
    assert match, f"no section #{section_id}"
    return match.group(0)


def top_of_page(html: str) -> str:
    """From <main> to the first section: where the page-wide messages are."""
    return html[html.index('<main'):html.index('<section class="card" id="package-info"')]


def _saved_and_landed(owner_client, package, url_name: str, data: dict, section_id: str, message: str) -> None:
    response = owner_client.post(reverse(url_name, args=[package.pk]), data)
    edit_url = reverse("packages:edit", args=[package.pk])
    assert response.status_code == 302 and response["Location"] == f"{edit_url}#{section_id}"
    html = owner_client.get(edit_url).content.decode()
    assert message in section(html, section_id)
    assert message not in top_of_page(html)


def test_package_info_saved_is_said_in_package_info(owner_client, package, coaching):
    _saved_and_landed(owner_client, package, "packages:save_info", info_data([(coaching.pk, 4)], name="Renamed"),
                      "package-info", "Package Info saved.")


def test_invitee_preferences_saved_is_said_in_invitee_preferences(owner_client, package):
    data = {"name_format": NameFormat.FIRST_LAST, "ordering_information": OrderingInformation.NAME_EMAIL}
    _saved_and_landed(owner_client, package, "packages:save_invitee_preferences", data,
                      "invitee-preferences", "Invitee Preferences saved.")


def test_payment_preferences_saved_is_said_in_payment_preferences(owner_client, package):
    data = {"price": "300", "currency": "USD", "payment_medium": "stripe", "terms": ""}
    _saved_and_landed(owner_client, package, "packages:save_payment_preferences", data,
                      "payment-preferences", "Payment Preferences saved.")


def test_a_question_added_is_said_beside_the_questions(owner_client, package):
    data = {"question-text": "Your goal?", "question-kind": "short_text"}
    response = owner_client.post(reverse("packages:question_add", args=[package.pk]), data)
    assert response["Location"].endswith("#invitee-questions")
    html = owner_client.get(reverse("packages:edit", args=[package.pk])).content.decode()
    questions = section(html, "invitee-preferences")
    assert "Question added." in questions[questions.index('id="invitee-questions"'):]


def test_a_refused_payment_save_says_so_in_its_section_and_opens_there(owner_client, package):
    html = owner_client.get(reverse("packages:edit", args=[package.pk])).content.decode()
    form_action = reverse("packages:save_payment_preferences", args=[package.pk]) + "#payment-preferences"
    assert f'action="{form_action}"' in html  # the refused page is shown at the section
    response = owner_client.post(reverse("packages:save_payment_preferences", args=[package.pk]),
                                 {"price": "-5", "currency": "USD", "payment_medium": "stripe"})
    html = response.content.decode()
    assert response.status_code == 200
    payment = section(html, "payment-preferences")
    assert "Payment Preferences was not saved." in payment and "The price cannot be negative." in payment
    assert "was not saved" not in section(html, "package-info") + top_of_page(html)


def test_a_refused_package_info_save_says_so_in_package_info(owner_client, package, coaching):
    response = owner_client.post(reverse("packages:save_info", args=[package.pk]), info_data([(coaching.pk, 4)], name=""))
    info = section(response.content.decode(), "package-info")
    assert "Package Info was not saved." in info and "Enter a Package Name." in info


def test_enable_and_disable_messages_stay_at_the_top(owner_client, package):
    owner_client.post(reverse("packages:disable", args=[package.pk]))
    html = owner_client.get(reverse("packages:edit", args=[package.pk])).content.decode()
    assert "Starter is disabled." in top_of_page(html)


def test_the_editor_carries_its_unsaved_changes_script_and_an_empty_row_to_copy(owner_client, package):
    html = owner_client.get(reverse("packages:edit", args=[package.pk])).content.decode()
    assert "js/package_editor.js" in html and "<script>" not in html
    template = re.search(r"<template data-item-row-template>(.*?)</template>", html, re.S).group(1)
    assert 'name="items-__prefix__-meeting_type"' in template and 'name="items-__prefix__-quantity"' in template
    # Sharing, Info, Invitee Preferences, a question, Payment, Policies, Purchase limits, Membership
    assert html.count("data-section=") == 8


def _field_error(html: str, field: str) -> str:
    """The error shown in the field's own box, up to the next field (empty when it has none)."""
    rest = html[html.index(f'id="id_{field}'):]
    next_box = re.search(r'<(?:div|fieldset) class="field[ "]', rest)
    box = rest[:next_box.start()] if next_box else rest
    match = re.search(r'<div class="field-errors" role="alert">(.*?)</div>', box, re.S)
    return match.group(1) if match else ""


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"payment_medium": "paypal"}, "payment_medium", "PayPal takes one-off payments only"),
    ({"instalment_count": "3"}, "instalment_count", "A membership is paid every period, so it cannot also be paid"),
])
def test_a_membership_refusing_a_payment_preference_says_why_beside_that_field(owner_client, owner, coaching,
                                                                                data, field, message):
    membership = make_package(owner, items=[(coaching, 4)], name="Monthly", price=Decimal("80.00"),
                              billing_interval="month")
    response = owner_client.post(reverse("packages:save_payment_preferences", args=[membership.pk]), {
        "pricing": "paid", "price": "80", "currency": "USD", "payment_medium": "stripe", **data})

    payment = section(response.content.decode(), "payment-preferences")
    assert message in _field_error(payment, field)
    membership.refresh_from_db()
    assert (membership.payment_medium, membership.instalment_count) == ("stripe", None)


def test_sessions_that_expire_on_a_membership_are_refused_beside_sessions_expire(owner_client, owner, coaching):
    membership = make_package(owner, items=[(coaching, 4)], name="Monthly", price=Decimal("80.00"),
                              billing_interval="month")
    response = owner_client.post(reverse("packages:save_policies", args=[membership.pk]), {
        "cancel_window_hours": "0", "expiry_kind": "after_purchase", "expiry_days": "90"})

    policies = section(response.content.decode(), "policies")
    assert "set “Sessions expire” to Never" in _field_error(policies, "expiry_kind")
    membership.refresh_from_db()
    assert membership.expiry_kind == "never"
