import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import User
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


def _admin_client(client):
    admin = make_owner(email="staff@example.com", slug="staff")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    return client


def _change_data(client, owner, **changes):
    form = client.get(reverse("admin:accounts_user_change", args=[owner.pk])).context["adminform"].form
    data = {name: form.initial.get(name) for name in form.fields if form.initial.get(name) is not None}
    data.update({"date_joined_0": "2026-01-01", "date_joined_1": "09:00:00", "groups": [], "user_permissions": []})
    data.pop("password", None)
    data.pop("last_login", None)
    data.update(changes)
    return data


def test_an_email_typed_in_the_admin_is_kept_lowercased_and_unique_whatever_its_case(client, free_owner):
    """Log-in and every lookup take the address lowercased: one saved as "Free@Example.com" could not
    log in, and "STAFF@example.com" would be a second account for staff@example.com."""
    client = _admin_client(client)
    change_url = reverse("admin:accounts_user_change", args=[free_owner.pk])

    saved = client.post(change_url, _change_data(client, free_owner, email=" Free.New@Example.COM "))
    free_owner.refresh_from_db()
    taken = client.post(change_url, _change_data(client, free_owner, email="STAFF@example.com"))
    added = client.post(reverse("admin:accounts_user_add"), {
        "email": "New.Owner@Example.com", "display_name": "New", "password1": "a-long-unusual-passphrase",
        "password2": "a-long-unusual-passphrase", "usable_password": "true"})
    twice = client.post(reverse("admin:accounts_user_add"), {
        "email": "NEW.OWNER@example.com", "display_name": "Again", "password1": "a-long-unusual-passphrase",
        "password2": "a-long-unusual-passphrase", "usable_password": "true"})

    assert saved.status_code == 302, saved.context["adminform"].form.errors
    assert free_owner.email == "free.new@example.com"
    assert taken.status_code == 200
    assert taken.context["adminform"].form.errors["email"] == ["An owner with this email address already exists."]
    free_owner.refresh_from_db()
    assert free_owner.email == "free.new@example.com"
    assert added.status_code == 302, added.context["adminform"].form.errors
    assert User.objects.filter(email="new.owner@example.com").count() == 1
    assert twice.status_code == 200
    assert twice.context["adminform"].form.errors["email"] == ["An owner with this email address already exists."]
    assert User.objects.filter(email__iexact="new.owner@example.com").count() == 1
