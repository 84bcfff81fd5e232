"""Journey 1, the owner: signs up, sets a time zone and weekly hours, creates a 1:1 and a group
meeting type, and builds a package in its three sections."""
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from accounts.models import User
from accounts.plans import Plan
from accounts.services import owner_set_plan
from packages.models import NameFormat, OrderingInformation, Package, PackageState
from scheduling.models import MeetingType, MeetingTypeKind, WeeklyInterval
from tests.e2e.helpers import check_page, confirm_signup

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

J = "j1-owner"
LONG_PACKAGE_NAME = "Career Coaching Starter Pack: three one-to-one sessions and two group workshops"


def test_owner_signs_up_and_builds_a_package(page, server, stripe_offered):
    # Sign up; a first submit with nothing filled shows the messages next to the fields.
    page.goto(f"{server}/accounts/signup/")
    check_page(page, J, "01-signup", h1="Create your account")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator(".field-errors").first).to_be_visible()
    check_page(page, J, "02-signup-errors", h1="Create your account")
    page.get_by_label("Your name").fill("Morgan Mentor")
    page.get_by_label("Email").fill("morgan@example.com")
    page.get_by_label("Password").fill("a-strong-passphrase-42")
    page.get_by_role("button", name="Create account").click()
    # The address is confirmed through the emailed link, which logs the owner in.
    confirm_signup(page, email="morgan@example.com")
    check_page(page, J, "03-dashboard-welcome", h1="Upcoming sessions")
    owner = User.objects.get(email="morgan@example.com")
    assert owner.timezone == "Europe/London"  # detected from the browser
    # The first hour: the zone and the default hours are ticked, a meeting type is still to do.
    expect(page.locator('[data-step="timezone"].is-done')).to_be_visible()
    expect(page.locator('[data-step="meeting_type"]:not(.is-done)')).to_be_visible()
    page.get_by_role("navigation", name="Dashboard").get_by_role("link", name="Settings").click()
    check_page(page, J, "03-settings", h1="Settings")

    # Time zone.
    # A searchable field: the city is enough.
    page.get_by_label("Time zone").fill("Chicago")
    page.get_by_role("button", name="Save", exact=True).first.click()
    expect(page.get_by_text("Settings saved.")).to_be_visible()
    owner.refresh_from_db()
    assert owner.timezone == "America/Chicago"

    # Weekly hours: a new owner starts with Monday to Friday 09:00-17:00; add Saturday mornings.
    page.get_by_role("navigation", name="Dashboard").get_by_role("link", name="Availability").click()
    check_page(page, J, "04-availability", h1="Availability")
    expect(page.get_by_text("America/Chicago").first).to_be_visible()
    for weekday, name in enumerate(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]):
        expect(page.get_by_role("switch", name=name)).to_be_checked()
        expect(page.locator(f"[name=d{weekday}-0-start]")).to_have_value("09:00")
    expect(page.get_by_role("switch", name="Saturday")).not_to_be_checked()
    expect(page.locator("[name=d5-0-start]")).to_be_hidden()
    page.get_by_role("switch", name="Saturday").check()
    page.locator("[name=d5-0-start]").fill("09:00")
    page.locator("[name=d5-0-end]").fill("12:00")
    page.get_by_role("button", name="Save weekly hours").click()
    page.wait_for_load_state("load")
    check_page(page, J, "05-availability-saved", h1="Availability")
    expect(page.locator("[name=d0-0-start]")).to_have_value("09:00")
    assert WeeklyInterval.objects.filter(owner=owner).count() == 6

    # A 1:1 and a group meeting type.
    page.get_by_role("navigation", name="Dashboard").get_by_role("link", name="Meeting Types").click()
    check_page(page, J, "06-meeting-types-empty", h1="Meeting Types")
    page.get_by_role("link", name="+ New meeting type").first.click()
    check_page(page, J, "07-meeting-type-new", h1="New meeting type")
    page.get_by_label("Name", exact=True).fill("Coaching session")
    page.get_by_label("1:1").check()
    page.get_by_label("Duration (minutes)").fill("45")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(re.compile(r"/dashboard/meeting-types/$"))

    page.get_by_role("link", name="+ New meeting type").first.click()
    page.get_by_label("Name", exact=True).fill("Group workshop")
    page.get_by_label("Group", exact=True).check()
    page.get_by_label("Capacity (seats, group only)").fill("8")
    page.get_by_label("Duration (minutes)").fill("90")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(re.compile(r"/dashboard/meeting-types/$"))
    check_page(page, J, "08-meeting-types", h1="Meeting Types")
    one_on_one = MeetingType.objects.get(owner=owner, name="Coaching session")
    group = MeetingType.objects.get(owner=owner, name="Group workshop")
    assert (one_on_one.kind, one_on_one.duration_minutes) == (MeetingTypeKind.ONE_ON_ONE, 45)
    assert (group.kind, group.capacity, group.duration_minutes) == (MeetingTypeKind.GROUP, 8, 90)

    # Packages need the Team plan: a Free owner sees the upgrade notice.
    page.get_by_role("navigation", name="Dashboard").get_by_role("link", name="Packages").click()
    check_page(page, J, "09-packages-free-plan", h1="Packages")
    expect(page.get_by_text("Packages are part of the Team plan.")).to_be_visible()
    owner_set_plan(owner=owner, plan=Plan.TEAM)  # upgrading is journey 4 (test_journey_billing)
    page.reload()
    check_page(page, J, "10-packages-empty", h1="Packages")

    # Package Info: a name, a description, and both meeting types with their Session Quantity.
    page.get_by_role("link", name="+ Create").first.click()
    check_page(page, J, "11-package-create", h1="Create a package")
    page.get_by_label("Package Name").fill(LONG_PACKAGE_NAME)
    page.get_by_label("Description/Instruction").fill("Book the sessions at your own pace within three months.")
    expect(page.get_by_text("No meeting types yet")).to_be_visible()  # no empty row before the button
    page.get_by_role("button", name="Add Meeting Type").click()
    page.locator("[name=items-0-meeting_type]").select_option(str(one_on_one.pk))
    page.locator("[name=items-0-quantity]").fill("3")
    page.get_by_role("button", name="Add Meeting Type").click()
    page.locator("[name=items-1-meeting_type]").select_option(str(group.pk))
    page.locator("[name=items-1-quantity]").fill("2")
    check_page(page, J, "12-package-create-two-rows", h1="Create a package")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(re.compile(r"/dashboard/packages/\d+/$"))
    check_page(page, J, "13-package-edit", h1=LONG_PACKAGE_NAME)
    package = Package.objects.get(owner=owner)
    assert [(item.meeting_type.name, item.quantity) for item in package.items.all()] == [
        ("Coaching session", 3), ("Group workshop", 2),
    ]

    # Until Payment Preferences are saved the package is a draft: not on the booking page, its
    # order page says it is not available yet, and the list says what is missing.
    expect(page.get_by_text("Clients cannot see or order this package yet.")).to_be_visible()
    owner.refresh_from_db()
    page.goto(f"{server}/{owner.slug}/")
    expect(page.get_by_text(LONG_PACKAGE_NAME)).to_have_count(0)
    page.goto(f"{server}/{owner.slug}/packages/{package.slug}/")
    check_page(page, J, "13a-draft-order-page", h1=LONG_PACKAGE_NAME)
    expect(page.get_by_text("This package is not available yet.")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("Order|Continue"))).to_have_count(0)
    page.goto(f"{server}/dashboard/packages/")
    check_page(page, J, "13b-packages-list-draft", h1="Packages")
    row = page.get_by_role("row", name=re.compile("Career Coaching Starter Pack"))
    expect(row.get_by_text("Draft", exact=True)).to_be_visible()
    row.get_by_role("link", name="Set a price to publish").click()
    page.wait_for_url(re.compile(r"/dashboard/packages/\d+/#payment-preferences$"))

    # Invitee Preferences: first and last name, mobile number required, and a custom question.
    invitee = page.locator("#invitee-preferences")
    invitee.get_by_label("First name and last name").check()
    invitee.get_by_label("Name, email address and mobile number").check()
    invitee.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_load_state("load")
    invitee = page.locator("#invitee-preferences")
    invitee.locator("summary", has_text="Add Invitee Question").click()
    invitee.get_by_label("Question").fill("What would you like to work on first?")
    invitee.get_by_label("Required").check()
    invitee.get_by_role("button", name="Add Invitee Question").click()
    page.wait_for_load_state("load")
    expect(page.get_by_text("What would you like to work on first?").first).to_be_visible()
    package.refresh_from_db()
    assert package.name_format == NameFormat.FIRST_LAST
    assert package.ordering_information == OrderingInformation.NAME_EMAIL_MOBILE
    question = package.questions.get()
    assert (question.text, question.required) == ("What would you like to work on first?", True)

    # Payment Preferences: a price, a medium and terms.
    payment = page.locator("#payment-preferences")
    expect(payment.get_by_label("Paid: clients pay for it")).to_be_checked()
    payment.get_by_label("Package Price").fill("240")
    payment.get_by_label("Currency").select_option("USD")
    payment.get_by_label("Payment Medium").select_option("stripe")
    payment.get_by_label("Payment Terms and Conditions").fill("Sessions expire three months after the order.")
    payment.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_load_state("load")
    check_page(page, J, "14-package-saved", h1=LONG_PACKAGE_NAME)
    package.refresh_from_db()
    assert (package.price, package.currency, package.payment_medium) == (Decimal("240"), "USD", "stripe")
    assert package.terms == "Sessions expire three months after the order."
    assert package.state == PackageState.ACTIVE
    expect(page.get_by_text("The package is published")).to_be_visible()

    # The package is on the list, orderable, with its public link.
    page.get_by_role("navigation", name="Dashboard").get_by_role("link", name="Packages").click()
    check_page(page, J, "15-packages-list", h1="Packages")
    expect(page.get_by_text("Not orderable")).to_have_count(0)
    expect(page.get_by_text("Set a price to publish")).to_have_count(0)
    page.goto(f"{server}/{owner.slug}/")
    expect(page.get_by_text(LONG_PACKAGE_NAME)).to_be_visible()
