"""The Policies section's "Remind clients to book after N days without an upcoming session": on at
14 days for a new package, can be turned off, 1 to 365 days; a bad value is explained next to the
field and changes nothing."""
import pytest
from django.urls import reverse

from packages.models import Package
from tests import make_package

POLICIES = {"cancel_window_hours": "24", "late_cancel_forfeits": "on", "expiry_kind": "never"}


@pytest.fixture
def package(owner):
    return make_package(owner, name="Starter pack")


def save(owner_client, package, **fields):
    return owner_client.post(reverse("packages:save_policies", args=[package.pk]), {**POLICIES, **fields})


def test_a_new_package_reminds_after_14_days_and_the_editor_says_so(owner_client, package):
    assert package.book_reminder_days == 14
    html = owner_client.get(reverse("packages:edit", args=[package.pk])).content.decode()
    assert '<label for="id_book_reminder_days">Remind clients to book after N days without an upcoming session' in html
    assert 'name="book_reminder_days" value="14"' in html
    assert 'name="book_reminder_enabled"' in html and 'id="id_book_reminder_enabled" checked' in html


def test_the_owner_changes_the_days(owner_client, package):
    response = save(owner_client, package, book_reminder_enabled="on", book_reminder_days="30")
    assert response.status_code == 302 and response["Location"].endswith("#policies")
    assert Package.objects.get(pk=package.pk).book_reminder_days == 30


def test_the_owner_turns_the_reminder_off(owner_client, package):
    save(owner_client, package, book_reminder_days="14")
    assert Package.objects.get(pk=package.pk).book_reminder_days is None
    html = owner_client.get(reverse("packages:edit", args=[package.pk])).content.decode()
    assert 'id="id_book_reminder_enabled" checked' not in html
    assert 'name="book_reminder_days" value="14"' in html  # what turning it on again starts from


@pytest.mark.parametrize("days, message", [
    ("0", "Enter at least 1 day."),
    ("-2", "Enter at least 1 day."),
    ("366", "Enter at most 365 days (a year)."),
    ("soon", "Enter a whole number of days, e.g. 14."),
    ("", "Enter after how many days without an upcoming session to remind clients (1 to 365), "
         "or turn the reminder off."),
])
def test_bad_days_are_explained_next_to_the_field_and_change_nothing(owner_client, package, days, message):
    before = Package.objects.filter(pk=package.pk).values().get()
    response = save(owner_client, package, book_reminder_enabled="on", book_reminder_days=days,
                    cancel_window_hours="48")
    html = response.content.decode()
    assert response.status_code == 200
    before_field, field = html.split('<label for="id_book_reminder_days">', 1)
    field = field.split("</form>", 1)[0]
    assert message in field and 'class="field-errors" role="alert"' in field
    assert message not in before_field
    assert Package.objects.filter(pk=package.pk).values().get() == before
