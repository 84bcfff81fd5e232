import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.plans import Plan, plan_includes_packages
from tests import make_owner


@pytest.mark.parametrize(
    ("plan", "includes_packages"),
    [(Plan.FREE, False), (Plan.PRO, False), (Plan.TEAM, True), (Plan.ENTERPRISE, True)],
)
def test_packages_are_included_from_the_team_plan_up(plan, includes_packages):
    assert plan_includes_packages(plan) is includes_packages
    assert plan_includes_packages(plan.value) is includes_packages


def test_an_unknown_plan_includes_no_packages():
    assert plan_includes_packages("platinum") is False
    assert plan_includes_packages("") is False


def test_owner_has_packages_follows_the_plan(owner, free_owner):
    assert owner.has_packages is True
    assert free_owner.has_packages is False


def test_set_plan_command_changes_the_owners_plan(free_owner, capsys):
    call_command("set_plan", "FREE@example.com", "team")

    free_owner.refresh_from_db()
    assert free_owner.plan == Plan.TEAM
    assert free_owner.has_packages is True
    assert "free@example.com is now on the Team plan." in capsys.readouterr().out


def test_set_plan_command_can_move_an_owner_down(owner):
    call_command("set_plan", "owner@example.com", "pro")

    owner.refresh_from_db()
    assert owner.plan == Plan.PRO


def test_set_plan_command_with_an_unknown_email_fails_and_changes_nothing(owner):
    with pytest.raises(CommandError, match="No owner with the email nobody@example.com"):
        call_command("set_plan", "nobody@example.com", "enterprise")

    owner.refresh_from_db()
    assert owner.plan == Plan.TEAM


def test_set_plan_command_with_an_unknown_plan_fails_and_changes_nothing(free_owner):
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("set_plan", "free@example.com", "platinum")

    free_owner.refresh_from_db()
    assert free_owner.plan == Plan.FREE


def test_plan_can_be_set_in_the_admin(client, free_owner):
    admin = make_owner(email="staff@example.com", slug="staff")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    change_url = reverse("admin:accounts_user_change", args=[free_owner.pk])

    page = client.get(change_url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {name: form.initial.get(name) for name in form.fields if form.initial.get(name) is not None}
    data.update({"plan": Plan.ENTERPRISE, "date_joined_0": "2026-01-01", "date_joined_1": "09:00:00"})
    data.pop("password", None)
    data.pop("last_login", None)
    data["groups"] = []
    data["user_permissions"] = []
    response = client.post(change_url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    free_owner.refresh_from_db()
    assert free_owner.plan == Plan.ENTERPRISE
