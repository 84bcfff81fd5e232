"""`my` is the client portal's address, so no owner or team may take it; an owner who held it
before is moved to the first free `my-<n>` by the portal's migration, and `manage.py check
--database default` (run by `migrate`) reports one who holds a reserved slug anyway."""
import importlib

import pytest
from django.apps import apps as project_apps
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from accounts.services import owner_signup
from portal.checks import owners_on_reserved_slugs
from teams.rules import team_slug_problem
from tests import make_owner

pytestmark = pytest.mark.django_db

move_owner_off_my = importlib.import_module("portal.migrations.0002_move_owner_off_my").move_owner_off_my


def test_my_leads_to_the_client_portal_not_to_an_owners_page(client):
    make_owner(slug="myra")

    assert "Find my bookings" in client.get("/my/").content.decode()


def test_no_new_owner_or_team_gets_my(db):
    assert owner_signup(email="my@example.com", password="long-password-123", display_name="My").slug == "my-1"
    assert "reserved" in team_slug_problem("my")


def test_the_migration_moves_an_owner_off_my_to_the_first_free_name(db):
    make_owner(slug="my-1")
    holder = make_owner(slug="my")

    move_owner_off_my(project_apps, None)

    holder.refresh_from_db()
    assert holder.slug == "my-2"


def test_the_check_reports_an_owner_who_holds_a_reserved_slug(db):
    make_owner(slug="my", email="early@example.com")

    [warning] = owners_on_reserved_slugs(databases=["default"])

    assert warning.id == "portal.W001" and "early@example.com" in warning.msg and "“my”" in warning.msg
    with pytest.raises(SystemCheckError, match="portal.W001"):
        call_command("check", "--database", "default", "--fail-level", "WARNING")


def test_the_check_is_quiet_when_no_owner_holds_a_reserved_slug(db):
    make_owner(slug="myra")

    assert owners_on_reserved_slugs(databases=["default"]) == []
