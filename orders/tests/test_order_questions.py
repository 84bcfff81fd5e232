"""Invitee questions on the order form: required ones are marked as such, and leaving one out says
what to enter (not Django's generic "This field is required.")."""
import re

import pytest

from orders.models import PackageOrder
from packages.models import InviteeQuestion, QuestionKind

from .test_order_page import page_url, valid_post


def _label_html(html: str, text: str) -> str:
    """The <label> or <legend> that holds a question's text."""
    match = re.search(r"<(label|legend)[^>]*>[^<]*" + re.escape(text) + r".*?</\1>", html, re.S)
    assert match, f"no label for {text!r}"
    return match.group(0)


def test_required_questions_are_marked_and_optional_ones_are_not(client, package):
    InviteeQuestion.objects.create(package=package, text="Anything else?", kind=QuestionKind.LONG_TEXT,
                                   required=False, position=3)
    InviteeQuestion.objects.create(package=package, text="Your level", kind=QuestionKind.SINGLE_CHOICE,
                                   required=True, choices=["New", "Seasoned"], position=4)
    html = client.get(page_url(package)).content.decode()
    assert "(required)" in _label_html(html, "Your goal?")
    assert "(required)" in _label_html(html, "Your level")
    assert "(required)" not in _label_html(html, "Anything else?")
    goal = package.questions.get(text="Your goal?")
    assert re.search(rf'<input[^>]*name="question_{goal.pk}"[^>]*aria-required="true"', html)


@pytest.mark.parametrize(
    ("kind", "choices", "message"),
    [
        (QuestionKind.SHORT_TEXT, [], "Enter your answer to “What should we focus on?”."),
        (QuestionKind.LONG_TEXT, [], "Enter your answer to “What should we focus on?”."),
        (QuestionKind.SINGLE_CHOICE, ["Career", "Health"], "Choose an answer to “What should we focus on?”."),
        (QuestionKind.MULTIPLE_CHOICE, ["Career", "Health"],
         "Choose at least one answer to “What should we focus on?”."),
        (QuestionKind.CHECKBOX, [], "Tick “What should we focus on?” to order this package."),
    ],
)
def test_a_missing_required_answer_says_what_to_enter(client, package, kind, choices, message):
    question = InviteeQuestion.objects.create(package=package, text="What should we focus on?", kind=kind,
                                              required=True, choices=choices, position=5)
    data = valid_post(**{f"question_{package.questions.get(text='Your goal?').pk}": "Focus"})
    response = client.post(page_url(package), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html and "This field is required." not in html
    # The message sits in the question's own field, next to its input.
    field = re.search(r'<(div|fieldset) class="field[^"]*field-invalid[^"]*".*?</\1>', html, re.S).group(0)
    assert message in field and f'name="question_{question.pk}"' in field
    assert PackageOrder.objects.count() == 0


def test_a_long_required_question_is_shortened_in_its_message(client, package):
    text = "Tell us, in as much detail as you like, " + "what you hope to change " * 6
    InviteeQuestion.objects.create(package=package, text=text.strip(), required=True, position=5)
    data = valid_post(**{f"question_{package.questions.get(text='Your goal?').pk}": "Focus"})
    html = client.post(page_url(package), data).content.decode()
    assert "Enter your answer to “Tell us, in as much detail as you like," in html
    assert "…”." in html
