"""Editing a package: each of the three sections saves on its own; invitee questions."""
from decimal import Decimal

import pytest
from django.urls import reverse

from packages.models import InviteeQuestion, NameFormat, OrderingInformation, Package, QuestionKind
from packages.tests.test_create import info_data
from scheduling.models import MeetingTypeState
from tests import make_meeting_type, make_package


@pytest.fixture
def coaching(owner):
    return make_meeting_type(owner, name="Coaching session", duration_minutes=50)


@pytest.fixture
def workshop(owner):
    return make_meeting_type(owner, name="Group workshop", kind="group")


@pytest.fixture
def package(owner, coaching):
    return make_package(
        owner, items=[(coaching, 4)], name="Starter", slug="starter", description="Old text",
        price=Decimal("240.00"), currency="USD", payment_medium="stripe", terms="Old terms",
        name_format=NameFormat.FULL_NAME, ordering_information=OrderingInformation.NAME_EMAIL,
    )


def snapshot(package: Package) -> dict:
    package.refresh_from_db()
    return {
        "info": (package.name, package.slug, package.description,
                 [(i.meeting_type_id, i.quantity) for i in package.items.order_by("position")]),
        "invitee": (package.name_format, package.ordering_information),
        "payment": (package.price, package.currency, package.payment_medium, package.terms),
        "state": package.state,
    }


def test_edit_page_shows_three_sections_with_their_own_save(owner_client, package):
    response = owner_client.get(reverse("packages:edit", args=[package.pk]))
    html = response.content.decode()
    for label in ["Package Info", "Invitee Preferences", "Payment Preferences", "Invitee Name Format",
                  "Ordering Information", "Add Invitee Question", "Package Price", "Payment Medium",
                  "Payment Terms and Conditions"]:
        assert label in html
    # Each form posts to its own address and, saved or refused, the page opens at that section.
    for name, section in [("save_info", "package-info"), ("save_invitee_preferences", "invitee-preferences"),
                          ("save_payment_preferences", "payment-preferences")]:
        assert f'action="{reverse("packages:" + name, args=[package.pk])}#{section}"' in html
    assert 'value="240.00"' in html


def test_saving_package_info_touches_only_package_info(owner_client, package, coaching, workshop):
    before = snapshot(package)
    response = owner_client.post(
        reverse("packages:save_info", args=[package.pk]),
        info_data([(coaching.pk, 6), (workshop.pk, 2)], name="Renamed", description="New text"),
    )
    assert response.status_code == 302
    after = snapshot(package)
    assert after["info"] == ("Renamed", "starter", "New text", [(coaching.pk, 6), (workshop.pk, 2)])
    assert after["invitee"] == before["invitee"] and after["payment"] == before["payment"]


def test_a_package_name_is_kept_on_one_line(owner_client, package, coaching):
    # The name heads the client's emails ("Your order: …"): a line break there is a header the mail
    # library refuses, so the order's confirmation would never be sent.
    response = owner_client.post(reverse("packages:save_info", args=[package.pk]),
                                 info_data([(coaching.pk, 4)], name="Starter\r\n  pack\n"))
    assert response.status_code == 302
    assert snapshot(package)["info"][0] == "Starter pack"


def test_package_info_can_drop_a_meeting_type(owner_client, package, coaching, workshop):
    owner_client.post(reverse("packages:save_info", args=[package.pk]),
                      info_data([(coaching.pk, 4), (workshop.pk, 2)], name="Starter"))
    data = info_data([(coaching.pk, 4), (workshop.pk, 2)], name="Starter")
    data["items-0-DELETE"] = "on"
    owner_client.post(reverse("packages:save_info", args=[package.pk]), data)
    assert snapshot(package)["info"][3] == [(workshop.pk, 2)]


def test_package_info_keeps_a_meeting_type_disabled_since_it_was_added(owner_client, package, coaching):
    coaching.state = MeetingTypeState.DISABLED
    coaching.save()
    html = owner_client.get(reverse("packages:edit", args=[package.pk])).content.decode()
    assert "Coaching session (50 min, 1:1) — disabled" in html
    response = owner_client.post(reverse("packages:save_info", args=[package.pk]),
                                 info_data([(coaching.pk, 5)], name="Starter"))
    assert response.status_code == 302
    assert snapshot(package)["info"][3] == [(coaching.pk, 5)]


def test_package_info_refuses_adding_a_disabled_meeting_type(owner_client, owner, package, coaching):
    disabled = make_meeting_type(owner, name="Paused", state=MeetingTypeState.DISABLED)
    before = snapshot(package)
    response = owner_client.post(reverse("packages:save_info", args=[package.pk]),
                                 info_data([(coaching.pk, 4), (disabled.pk, 1)], name="Starter"))
    assert response.status_code == 200
    assert "Choose one of your active meeting types." in response.content.decode()
    assert snapshot(package) == before


def test_package_info_errors_leave_everything_as_it_was(owner_client, package, coaching):
    before = snapshot(package)
    response = owner_client.post(reverse("packages:save_info", args=[package.pk]),
                                 info_data([(coaching.pk, 1000)], name=""))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Enter a Package Name." in html and "Session Quantity must be between 1 and 999." in html
    assert snapshot(package) == before


def test_add_meeting_type_on_the_edit_page_adds_a_row_and_saves_nothing(owner_client, package, coaching):
    before = snapshot(package)
    edit_url = reverse("packages:edit", args=[package.pk])
    response = owner_client.post(reverse("packages:save_info", args=[package.pk]),
                                 info_data([(coaching.pk, 4)], name="Renamed, not saved", add_meeting_type="1"))
    assert response.status_code == 302 and response["Location"] == edit_url + "#package-info"
    response = owner_client.get(edit_url)
    assert len(response.context["item_formset"].forms) == 2
    assert 'value="Renamed, not saved"' in response.content.decode()
    assert snapshot(package) == before


def test_saving_invitee_preferences_touches_only_invitee_preferences(owner_client, package):
    before = snapshot(package)
    response = owner_client.post(reverse("packages:save_invitee_preferences", args=[package.pk]), {
        "name_format": NameFormat.FIRST_LAST, "ordering_information": OrderingInformation.NAME_EMAIL_MOBILE,
    })
    assert response.status_code == 302
    after = snapshot(package)
    assert after["invitee"] == (NameFormat.FIRST_LAST, OrderingInformation.NAME_EMAIL_MOBILE)
    assert after["info"] == before["info"] and after["payment"] == before["payment"]


def test_invitee_preferences_refuse_unknown_choices(owner_client, package):
    before = snapshot(package)
    response = owner_client.post(reverse("packages:save_invitee_preferences", args=[package.pk]), {
        "name_format": "nickname", "ordering_information": "",
    })
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert snapshot(package) == before


def payment(price="240.00", currency="USD", medium="stripe", terms="New terms"):
    return {"price": price, "currency": currency, "payment_medium": medium, "terms": terms}


def test_saving_payment_preferences_touches_only_payment_preferences(owner_client, package):
    before = snapshot(package)
    response = owner_client.post(reverse("packages:save_payment_preferences", args=[package.pk]),
                                 payment("99.5", "EUR", "paypal", "Pay within 7 days"))
    assert response.status_code == 302
    after = snapshot(package)
    assert after["payment"] == (Decimal("99.50"), "EUR", "paypal", "Pay within 7 days")
    assert after["info"] == before["info"] and after["invitee"] == before["invitee"]


def test_free_is_chosen_explicitly_and_needs_no_payment_medium(owner_client, package):
    response = owner_client.post(reverse("packages:save_payment_preferences", args=[package.pk]),
                                 {**payment("", "USD", "", ""), "pricing": "free"})
    assert response.status_code == 302
    assert snapshot(package)["payment"] == (Decimal("0"), "USD", "", "")


@pytest.mark.parametrize("price, currency, message", [
    ("10.5", "JPY", "JPY has no decimals."),
    ("10.123", "USD", "USD allows at most 2 decimals."),
    ("1.2345", "BHD", "BHD allows at most 3 decimals."),
    ("-1", "USD", "The price cannot be negative."),
    ("abc", "USD", "Enter a price such as 240 or 240.00."),
    ("", "USD", "Enter a Package Price"),
    ("NaN", "USD", "Enter a price such as"),
    ("1e12", "USD", "Enter a price below"),
])
def test_bad_prices_are_refused_next_to_the_field(owner_client, package, price, currency, message):
    before = snapshot(package)
    response = owner_client.post(reverse("packages:save_payment_preferences", args=[package.pk]),
                                 payment(price, currency))
    assert response.status_code == 200
    assert message in str(response.context["payment_form"].errors["price"])
    assert snapshot(package) == before


def test_a_price_too_small_to_split_into_its_instalments_is_refused_next_to_the_field(owner_client, package):
    # 0.10 USD in 24 payments would be sold as "24 payments of 0.00 USD (the last 0.10 USD)".
    before = snapshot(package)
    response = owner_client.post(reverse("packages:save_payment_preferences", args=[package.pk]),
                                 {**payment("0.10"), "instalment_count": "24", "instalment_interval": "month",
                                  "instalment_access": "all"})
    assert response.status_code == 200
    errors = str(response.context["payment_form"].errors["instalment_count"])
    assert "0.10 USD cannot be split into 24 payments" in errors
    assert snapshot(package) == before
    package.refresh_from_db()
    assert package.instalment_count is None


def test_whole_yen_and_three_decimal_dinar_are_accepted(owner_client, package):
    owner_client.post(reverse("packages:save_payment_preferences", args=[package.pk]), payment("1500", "JPY"))
    assert snapshot(package)["payment"][:2] == (Decimal("1500"), "JPY")
    # Stripe takes a three-decimal currency in steps of 0.010 (its last digit 0).
    owner_client.post(reverse("packages:save_payment_preferences", args=[package.pk]), payment("1.230", "BHD"))
    assert snapshot(package)["payment"][:2] == (Decimal("1.230"), "BHD")


def test_paid_package_needs_a_payment_medium(owner_client, package):
    before = snapshot(package)
    response = owner_client.post(reverse("packages:save_payment_preferences", args=[package.pk]),
                                 payment("10", "USD", ""))
    assert response.status_code == 200
    assert "Choose a Payment Medium for a paid package." in str(response.context["payment_form"].errors["payment_medium"])
    assert snapshot(package) == before


def test_unknown_currency_or_medium_is_refused(owner_client, package):
    before = snapshot(package)
    response = owner_client.post(reverse("packages:save_payment_preferences", args=[package.pk]),
                                 payment("10", "XXX", "bitcoin"))
    assert response.status_code == 200
    errors = response.context["payment_form"].errors
    assert "currency" in errors and "payment_medium" in errors
    assert snapshot(package) == before


# Invitee questions


def question(text="What would you like to work on?", kind=QuestionKind.SHORT_TEXT, required=False, choices=""):
    data = {"question-text": text, "question-kind": kind, "question-choices": choices}
    if required:
        data["question-required"] = "on"
    return data


def test_add_invitee_question(owner_client, package):
    response = owner_client.post(reverse("packages:question_add", args=[package.pk]),
                                 question("Your goals?", QuestionKind.LONG_TEXT, required=True))
    assert response.status_code == 302
    saved = package.questions.get()
    assert (saved.text, saved.kind, saved.required, saved.choices) == ("Your goals?", "long_text", True, [])
    assert "Your goals?" in owner_client.get(reverse("packages:edit", args=[package.pk])).content.decode()


def test_choice_question_keeps_one_choice_per_line(owner_client, package):
    owner_client.post(reverse("packages:question_add", args=[package.pk]),
                      question("Level?", QuestionKind.SINGLE_CHOICE, choices="Beginner\n\n  Advanced \r\n"))
    assert package.questions.get().choices == ["Beginner", "Advanced"]


@pytest.mark.parametrize("kind", [QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE])
@pytest.mark.parametrize("choices", ["", "Only one"])
def test_choice_question_without_two_choices_is_refused(owner_client, package, kind, choices):
    response = owner_client.post(reverse("packages:question_add", args=[package.pk]),
                                 question("Level?", kind, choices=choices))
    assert response.status_code == 200
    assert "Add at least two choices, one per line." in str(response.context["question_form"].errors["choices"])
    assert not package.questions.exists()


def test_duplicate_choices_are_refused(owner_client, package):
    response = owner_client.post(reverse("packages:question_add", args=[package.pk]),
                                 question("Level?", QuestionKind.MULTIPLE_CHOICE, choices="Yes\nyes"))
    assert response.status_code == 200
    assert "listed twice" in response.content.decode()
    assert not package.questions.exists()


def test_empty_question_or_unknown_kind_is_refused(owner_client, package):
    response = owner_client.post(reverse("packages:question_add", args=[package.pk]), question("  ", "essay"))
    assert response.status_code == 200
    errors = response.context["question_form"].errors
    assert "Enter the question." in str(errors["text"]) and "kind" in errors
    assert not package.questions.exists()


def test_checkbox_question_needs_no_choices(owner_client, package):
    owner_client.post(reverse("packages:question_add", args=[package.pk]),
                      question("I agree to share my notes", QuestionKind.CHECKBOX, choices="ignored\nlines"))
    assert package.questions.get().choices == []


def test_edit_a_question(owner_client, package):
    saved = InviteeQuestion.objects.create(package=package, text="Old?", kind=QuestionKind.SHORT_TEXT)
    url = reverse("packages:question_edit", args=[package.pk, saved.pk])
    assert "Old?" in owner_client.get(url).content.decode()
    response = owner_client.post(url, {"text": "New?", "kind": QuestionKind.MULTIPLE_CHOICE,
                                       "required": "on", "choices": "A\nB\nC"})
    assert response.status_code == 302
    saved.refresh_from_db()
    assert (saved.text, saved.kind, saved.required, saved.choices) == ("New?", "multiple_choice", True, ["A", "B", "C"])


def test_edit_a_question_refuses_bad_input(owner_client, package):
    saved = InviteeQuestion.objects.create(package=package, text="Old?", kind=QuestionKind.SHORT_TEXT)
    url = reverse("packages:question_edit", args=[package.pk, saved.pk])
    response = owner_client.post(url, {"text": "Pick", "kind": QuestionKind.SINGLE_CHOICE, "choices": "A"})
    assert response.status_code == 200
    assert "Add at least two choices" in response.content.decode()
    saved.refresh_from_db()
    assert saved.text == "Old?"


def make_questions(package, *texts):
    return [InviteeQuestion.objects.create(package=package, text=t, position=i) for i, t in enumerate(texts)]


def order_of(package):
    return list(package.questions.order_by("position", "id").values_list("text", flat=True))


def test_remove_a_question(owner_client, package):
    first, second, third = make_questions(package, "A", "B", "C")
    owner_client.post(reverse("packages:question_delete", args=[package.pk, second.pk]))
    assert order_of(package) == ["A", "C"]
    assert list(package.questions.order_by("position").values_list("position", flat=True)) == [0, 1]


def test_reorder_questions_up_and_down(owner_client, package):
    first, second, third = make_questions(package, "A", "B", "C")
    owner_client.post(reverse("packages:question_move", args=[package.pk, third.pk]), {"direction": "up"})
    assert order_of(package) == ["A", "C", "B"]
    owner_client.post(reverse("packages:question_move", args=[package.pk, first.pk]), {"direction": "down"})
    assert order_of(package) == ["C", "A", "B"]
    owner_client.post(reverse("packages:question_move", args=[package.pk, third.pk]), {"direction": "up"})
    assert order_of(package) == ["C", "A", "B"]  # already first
    owner_client.post(reverse("packages:question_move", args=[package.pk, second.pk]), {"direction": "sideways"})
    assert order_of(package) == ["C", "A", "B"]


def _removed_in_another_tab_after_the_page_read_it(monkeypatch):
    """The other tab's delete lands between this request's read of the question and its write."""
    from packages import views

    read = views._get_question_for_package

    def read_then_removed(package, question_pk):
        question = read(package, question_pk)
        InviteeQuestion.objects.filter(pk=question_pk).delete()
        return question
    monkeypatch.setattr(views, "_get_question_for_package", read_then_removed)


@pytest.mark.parametrize("direction", ["up", "down"])
def test_moving_a_question_removed_meanwhile_says_so_and_changes_nothing(owner_client, package, monkeypatch,
                                                                         direction):
    first, second, third = make_questions(package, "A", "B", "C")
    _removed_in_another_tab_after_the_page_read_it(monkeypatch)

    response = owner_client.post(reverse("packages:question_move", args=[package.pk, second.pk]),
                                 {"direction": direction}, follow=True)

    assert response.status_code == 200
    assert "This question was removed (perhaps in another tab), so there is nothing to move." in (
        response.content.decode())
    assert list(package.questions.order_by("position", "id").values_list("text", "position")) == [
        ("A", 0), ("C", 2)]  # only the other tab's delete


def test_a_question_removed_before_the_click_says_so(owner_client, package):
    first, second = make_questions(package, "A", "B")
    owner_client.post(reverse("packages:question_delete", args=[package.pk, first.pk]))  # the other tab

    moved = owner_client.post(reverse("packages:question_move", args=[package.pk, first.pk]),
                              {"direction": "down"}, follow=True)
    removed_again = owner_client.post(reverse("packages:question_delete", args=[package.pk, first.pk]), follow=True)
    edited = owner_client.post(reverse("packages:question_edit", args=[package.pk, first.pk]),
                               {"text": "A, reworded?", "kind": QuestionKind.SHORT_TEXT}, follow=True)

    assert "there is nothing to move" in moved.content.decode()
    assert "This question was already removed." in removed_again.content.decode()
    assert "your changes to it were not saved" in edited.content.decode()
    assert order_of(package) == ["B"]


def test_editing_a_question_removed_meanwhile_says_so_and_brings_nothing_back(owner_client, package, monkeypatch):
    (saved,) = make_questions(package, "Old?")
    _removed_in_another_tab_after_the_page_read_it(monkeypatch)

    response = owner_client.post(reverse("packages:question_edit", args=[package.pk, saved.pk]),
                                 {"text": "New?", "kind": QuestionKind.SHORT_TEXT}, follow=True)

    assert response.status_code == 200
    assert "This question was removed (perhaps in another tab), so your changes to it were not saved." in (
        response.content.decode())
    assert not InviteeQuestion.objects.exists()


def test_question_of_another_package_is_404(owner_client, owner, package):
    elsewhere = make_package(owner)
    foreign = InviteeQuestion.objects.create(package=elsewhere, text="Elsewhere?")
    for name in ["question_edit", "question_delete", "question_move"]:
        assert owner_client.post(reverse(f"packages:{name}", args=[package.pk, foreign.pk])).status_code == 404
    assert InviteeQuestion.objects.filter(pk=foreign.pk).exists()


def test_payment_medium_is_limited_to_the_available_ones():
    from packages.forms import PaymentPreferencesForm

    form = PaymentPreferencesForm(payment("10", "USD", "stripe"), mediums=["paypal"])
    assert not form.is_valid()
    assert "Choose Stripe or PayPal" in str(form.errors["payment_medium"])
    nothing_connected = PaymentPreferencesForm(payment("10", "USD", ""), mediums=[])
    assert not nothing_connected.is_valid()
    assert "Connect Stripe or PayPal in Settings" in str(nothing_connected.errors["payment_medium"])
    assert PaymentPreferencesForm({**payment("0", "USD", ""), "pricing": "free"}, mediums=[]).is_valid()


@pytest.mark.parametrize(("price", "currency", "field", "message"), [
    ("50000", "KRW", "payment_medium", "PayPal does not take payments in KRW. Choose Stripe, or another currency."),
    ("15000.50", "HUF", "price", "PayPal takes whole amounts of HUF only: enter a price without decimals"),
])
def test_paypal_is_refused_for_a_currency_or_amount_it_does_not_take(price, currency, field, message):
    """Said beside the field when the owner saves, not found out by a client whose checkout fails."""
    from packages.forms import PaymentPreferencesForm

    form = PaymentPreferencesForm(payment(price, currency, "paypal"), mediums=["paypal", "stripe"])
    assert not form.is_valid()
    assert message in str(form.errors[field])
    whole = price.partition(".")[0]  # Stripe too takes whole forints only
    assert PaymentPreferencesForm(payment(whole, currency, "stripe"), mediums=["paypal", "stripe"]).is_valid()
    assert PaymentPreferencesForm(payment("15000", "HUF", "paypal"), mediums=["paypal", "stripe"]).is_valid()


def test_a_medium_no_longer_connected_is_shown_and_refused_for_a_paid_package():
    from packages.forms import PaymentPreferencesForm

    form = PaymentPreferencesForm(mediums=["paypal"], current_medium="stripe")
    assert ("stripe", "Stripe (not connected)") in form.fields["payment_medium"].choices
    bound = PaymentPreferencesForm(payment("10", "USD", "stripe"), mediums=["paypal"], current_medium="stripe")
    assert "Stripe is not connected" in str(bound.errors["payment_medium"])
    free = PaymentPreferencesForm({**payment("0", "USD", "stripe"), "pricing": "free"}, mediums=["paypal"],
                                  current_medium="stripe")
    assert free.is_valid() and free.cleaned_data["payment_medium"] == ""


@pytest.mark.parametrize(("typed", "stored"), [
    ("$400", Decimal("400")), ("400.00", Decimal("400")), ("400,00", Decimal("400")), ("1,200", Decimal("1200")),
    ("1.200,50 €", Decimal("1200.50")), ("USD 1,200.50", Decimal("1200.50")), ("1 200", Decimal("1200")),
])
def test_a_price_is_understood_as_people_type_it(owner_client, package, typed, stored):
    # Issue 29, item 4: "$400", "400.00", "400,00" and "1,200" in the owner's currency.
    response = owner_client.post(reverse("packages:save_payment_preferences", args=[package.pk]), payment(typed))

    assert response.status_code == 302
    assert snapshot(package)["payment"][:2] == (stored, "USD")


@pytest.mark.parametrize("typed", ["12abc", "4OO", "$", "1,2,3.4.5"])
def test_text_that_is_no_price_is_still_refused(owner_client, package, typed):
    before = snapshot(package)
    response = owner_client.post(reverse("packages:save_payment_preferences", args=[package.pk]), payment(typed))

    assert response.status_code == 200
    assert "Enter a price such as 240 or 240.00." in str(response.context["payment_form"].errors["price"])
    assert snapshot(package) == before
