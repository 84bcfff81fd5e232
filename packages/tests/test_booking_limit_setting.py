"""The Policies section's booking limits (issue 31, item 3): at most N sessions per week or per
month, empty for no limit; zero or a negative number is explained next to the field and changes
nothing; an order keeps the limits it was sold with."""
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


def test_the_owner_sets_a_weekly_and_a_monthly_limit_and_empties_them_again(owner_client, package):
    response = save(owner_client, package, max_sessions_per_week="2", max_sessions_per_month="6")
    assert response.status_code == 302
    package.refresh_from_db()
    assert (package.max_sessions_per_week, package.max_sessions_per_month) == (2, 6)
    html = owner_client.get(reverse("packages:edit", args=[package.pk])).content.decode()
    assert '<label for="id_max_sessions_per_week">At most this many sessions per week' in html
    assert 'name="max_sessions_per_week" value="2"' in html
    save(owner_client, package, max_sessions_per_week="", max_sessions_per_month="")
    package.refresh_from_db()
    assert (package.max_sessions_per_week, package.max_sessions_per_month) == (None, None)


@pytest.mark.parametrize("field", ["max_sessions_per_week", "max_sessions_per_month"])
@pytest.mark.parametrize("value", ["0", "-1"])
def test_a_limit_of_zero_or_less_is_explained_and_changes_nothing(owner_client, package, field, value):
    Package.objects.filter(pk=package.pk).update(**{field: 3})
    response = save(owner_client, package, **{field: value})
    assert response.status_code == 200
    assert "Enter at least 1 session, or leave empty for no limit." in response.content.decode()
    assert getattr(Package.objects.get(pk=package.pk), field) == 3
