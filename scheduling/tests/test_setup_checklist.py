"""The first hour: the dashboard's home shows a setup checklist, each step ticked from what the owner
has really set up (never by a click), until all of it is done; then it is gone."""
import re
from datetime import time

import pytest

from accounts.plans import Plan
from packages.models import PackageState
from payments.models import PaymentConnection
from scheduling.setup import setup_checklist
from tests import NOW, make_booking, make_meeting_type, make_owner, make_package, set_weekly_hours

HOME = "/dashboard/"


def _steps(html: str) -> dict[str, bool]:
    return {key: "is-done" in classes for classes, key in
            re.findall(r'class="setup-step([^"]*)" data-step="([a-z_]+)"', html)}


@pytest.fixture
def newcomer(db):
    return make_owner(email="new@example.com", slug="newcomer", plan=Plan.TEAM, timezone="UTC")


def test_a_new_owner_sees_every_step_to_do_with_their_link_to_copy(client, newcomer):
    client.force_login(newcomer)
    html = client.get(HOME).content.decode()

    assert "Get ready to take bookings" in html and "0 of 6 done" in html
    assert list(_steps(html)) == ["timezone", "hours", "meeting_type", "payments", "package", "share"]
    assert not any(_steps(html).values())
    assert 'data-copy="http://testserver/newcomer/"' in html
    assert 'href="/dashboard/meeting-types/new/"' in html


def test_a_free_owner_has_no_payments_or_package_step(client, newcomer):
    newcomer.plan = Plan.FREE
    newcomer.save()
    client.force_login(newcomer)
    assert list(_steps(client.get(HOME).content.decode())) == ["timezone", "hours", "meeting_type", "share"]


def test_each_step_is_ticked_by_the_real_state_and_the_list_goes_when_all_are_done(client, newcomer):
    client.force_login(newcomer)
    newcomer.timezone = "Europe/Paris"
    newcomer.save()
    set_weekly_hours(newcomer, {0: [(time(9), time(17))]})
    meeting_type = make_meeting_type(newcomer, name="Intro call")
    assert _steps(client.get(HOME).content.decode()) == {
        "timezone": True, "hours": True, "meeting_type": True, "payments": False, "package": False, "share": False}

    PaymentConnection.objects.create(owner=newcomer, provider="stripe", account_id="acct_1", is_active=True)
    make_package(newcomer, state=PackageState.DRAFT)  # a draft is not on sale yet
    steps = _steps(client.get(HOME).content.decode())
    assert steps["payments"] is True and steps["package"] is False

    make_package(newcomer)
    make_booking(meeting_type, start=NOW)
    html = client.get(HOME).content.decode()
    assert "Get ready to take bookings" not in html and _steps(html) == {}
    # Done is remembered: the home page no longer asks, even if a step is later undone.
    newcomer.refresh_from_db()
    assert newcomer.setup_done_at is not None
    meeting_type.bookings.all().delete()
    assert "Get ready to take bookings" not in client.get(HOME).content.decode()


def test_an_inactive_payment_connection_is_not_connected(newcomer):
    PaymentConnection.objects.create(owner=newcomer, provider="stripe", account_id="acct_1", is_active=False)
    steps = {step.key: step.done for step in setup_checklist(owner=newcomer, site_url="").steps}
    assert steps["payments"] is False


@pytest.mark.parametrize("size", [1, 12])
def test_the_checklist_costs_one_query_a_step_whatever_the_owner_has(newcomer, size, django_assert_num_queries):
    set_weekly_hours(newcomer, {day: [(time(9), time(12)), (time(13), time(17))] for day in range(7)})
    for n in range(size):
        meeting_type = make_meeting_type(newcomer, name=f"Type {n}")
        make_package(newcomer, items=[(meeting_type, 2)])
        make_booking(meeting_type, start=NOW.replace(hour=9 + n % 8, day=1 + n // 8))
    # Weekly hours, meeting types, payments, packages, bookings.
    with django_assert_num_queries(5):
        checklist = setup_checklist(owner=newcomer, site_url="https://leadmonk.example")
    assert checklist.done_count == 4  # all but the zone (UTC) and payments
