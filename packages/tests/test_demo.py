"""seed_demo's package: "Coaching starter pack", created once."""
from decimal import Decimal

from packages import demo
from packages.models import ExpiryKind, Package
from packages.selectors import package_is_orderable
from tests import make_meeting_type


def test_seed_creates_the_starter_pack_once(owner):
    coaching = make_meeting_type(owner, name="Coaching session", slug="coaching-session")
    workshop = make_meeting_type(owner, name="Group workshop", slug="group-workshop", kind="group")
    demo.seed(owner)
    demo.seed(owner)
    package = Package.objects.get(owner=owner, slug="coaching-starter-pack")
    assert (package.name, package.slug, package.price, package.currency, package.payment_medium) == (
        "Coaching starter pack", "coaching-starter-pack", Decimal("240.00"), "USD", "stripe")
    assert package.terms
    assert [(i.meeting_type, i.quantity) for i in package.items.all()] == [(coaching, 4), (workshop, 2)]
    question = package.questions.get()
    assert question.text == "What would you like to work on?" and not question.required
    assert package_is_orderable(package)


def test_seed_without_the_meeting_types_creates_nothing(owner):
    assert demo.seed(owner) is None
    assert not Package.objects.exists()


def test_the_demo_packages_policies_say_what_its_terms_say(owner):
    # The order page shows both, one above the other: a new owner's first look must not contradict itself.
    make_meeting_type(owner, name="Coaching session", slug="coaching-session")
    make_meeting_type(owner, name="Group workshop", slug="group-workshop", kind="group")
    package = demo.seed(owner)

    assert (package.expiry_kind, package.expiry_days) == (ExpiryKind.AFTER_PURCHASE, 180)
    assert "valid for 180 days from the date of purchase" in package.terms
    assert (package.cancel_window_hours, package.late_cancel_forfeits) == (24, True)
    assert "at least 24 hours before it starts to keep its credit" in package.terms


def test_seed_creates_an_unlisted_intro_offer_once(owner):
    coaching = make_meeting_type(owner, name="Coaching session", slug="coaching-session")
    make_meeting_type(owner, name="Group workshop", slug="group-workshop", kind="group")
    demo.seed(owner)
    demo.seed(owner)

    offer = Package.objects.get(owner=owner, slug="intro-offer")
    assert (offer.name, offer.listed, offer.new_clients_only, offer.max_orders_per_client) == (
        "Intro offer", False, True, 1)
    assert [(item.meeting_type, item.quantity) for item in offer.items.all()] == [(coaching, 1)]
    assert package_is_orderable(offer)
    assert Package.objects.filter(owner=owner).count() == 2
