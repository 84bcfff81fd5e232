"""Owner B reaches none of owner A's packages, and cannot put A's meeting types in a package."""
import pytest
from django.urls import reverse

from packages.models import InviteeQuestion, Package, PackageItem
from packages.tests.test_create import info_data
from tests import make_meeting_type, make_package


@pytest.fixture
def a_package(owner):
    package = make_package(owner, name="A's pack")
    InviteeQuestion.objects.create(package=package, text="A's question?")
    return package


def urls_of(package):
    question = package.questions.get()
    plain = ["edit", "save_info", "save_invitee_preferences", "save_payment_preferences", "question_add",
             "enable", "disable", "delete"]
    with_question = ["question_edit", "question_delete", "question_move"]
    return [reverse(f"packages:{name}", args=[package.pk]) for name in plain] + [
        reverse(f"packages:{name}", args=[package.pk, question.pk]) for name in with_question
    ]


def test_owner_b_gets_404_on_every_url_of_owner_a(other_owner_client, a_package):
    before = Package.objects.filter(pk=a_package.pk).values().get()
    for url in urls_of(a_package):
        assert other_owner_client.get(url).status_code == 404, url
        response = other_owner_client.post(url, {
            "name": "Hijacked", "price": "1", "currency": "USD", "payment_medium": "stripe",
            "name_format": "first_last", "ordering_information": "name_email", "direction": "up",
            "question-text": "Hijack?", "question-kind": "short_text", "text": "Hijack?", "kind": "short_text",
        })
        assert response.status_code == 404, url
    assert Package.objects.filter(pk=a_package.pk).values().get() == before
    assert list(a_package.questions.values_list("text", flat=True)) == ["A's question?"]


def test_owner_b_does_not_see_owner_a_in_the_list(other_owner_client, a_package):
    assert "A's pack" not in other_owner_client.get(reverse("packages:list")).content.decode()


def test_owner_b_cannot_add_owner_a_meeting_types(other_owner_client, owner, other_owner):
    theirs = make_meeting_type(owner, name="A's coaching")
    mine = make_meeting_type(other_owner, name="B's coaching")
    response = other_owner_client.post(reverse("packages:create"), info_data([(mine.pk, 1), (theirs.pk, 1)]))
    assert response.status_code == 200
    assert "Choose one of your active meeting types." in response.content.decode()
    assert not Package.objects.exists()

    own_package = make_package(other_owner, items=[(mine, 1)])
    response = other_owner_client.post(reverse("packages:save_info", args=[own_package.pk]),
                                       info_data([(theirs.pk, 1)], name="B's pack"))
    assert response.status_code == 200
    assert list(PackageItem.objects.filter(package=own_package).values_list("meeting_type_id", flat=True)) == [mine.pk]


def test_owner_a_meeting_types_are_not_offered_to_owner_b(other_owner_client, owner):
    make_meeting_type(owner, name="A's coaching")
    assert "A's coaching" not in other_owner_client.get(reverse("packages:create")).content.decode()


def test_anonymous_visitors_are_sent_to_log_in(client, a_package):
    for url in urls_of(a_package):
        response = client.post(url)
        assert response.status_code == 302 and "login" in response["Location"]
