"""Meeting type visibility on the owner's pages: the personal booking page lists only Public types,
a Package only type's address points at the packages that include it and books nothing, a Secret
type books only through its own (regenerable) link, and a booking made before its type changed
keeps its own link for moving and cancelling."""
import pytest
import time_machine
from django.urls import reverse

from scheduling.models import Booking, BookingStatus, MeetingType, Visibility
from scheduling.services import booking_create
from tests import NOW, WEEKDAYS_9_TO_5, make_meeting_type, make_owner, make_package, set_weekly_hours

START = "2026-12-01T15:00:00Z"  # Tuesday 10:00 in New York (the owner's zone), three hours from NOW


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def hours(owner):
    set_weekly_hours(owner, WEEKDAYS_9_TO_5)
    return owner


def details(**overrides) -> dict:
    return {"client_name": "Stranger", "client_email": "stranger@example.com", "client_phone": "",
            "client_timezone": "America/New_York", "start": START, **overrides}


def page_url(owner) -> str:
    return reverse("public:owner_page", args=[owner.slug])


def slug_url(owner, meeting_type) -> str:
    return reverse("public:book_meeting", args=[owner.slug, meeting_type.slug])


def secret_url(owner, meeting_type) -> str:
    return reverse("public:book_secret", args=[owner.slug, meeting_type.secret_token])


# --- The personal booking page lists Public types only -----------------------------------------


def test_the_booking_page_lists_only_public_meeting_types(client, hours):
    make_meeting_type(hours, name="Intro call", slug="intro")
    make_meeting_type(hours, name="VIP hour", slug="vip", visibility=Visibility.SECRET)
    make_meeting_type(hours, name="Pack session", slug="pack", visibility=Visibility.PACKAGE_ONLY)

    html = client.get(page_url(hours)).content.decode()

    assert "Intro call" in html
    assert "VIP hour" not in html and "/vip/" not in html
    assert "Pack session" not in html and "/pack/" not in html


def test_the_cached_booking_page_drops_a_type_made_package_only(client, hours):
    meeting_type = make_meeting_type(hours, name="Pack session", slug="pack")
    assert "Pack session" in client.get(page_url(hours)).content.decode()  # now cached

    meeting_type.visibility = Visibility.PACKAGE_ONLY
    meeting_type.save()

    assert "Pack session" not in client.get(page_url(hours)).content.decode()


# --- Package only --------------------------------------------------------------------------------


def test_a_package_only_address_points_at_the_packages_on_sale_that_include_it(client, hours):
    meeting_type = make_meeting_type(hours, name="Pack session", slug="pack", visibility=Visibility.PACKAGE_ONLY)
    make_package(hours, items=[(meeting_type, 5)], name="Five sessions", slug="five")
    make_package(hours, items=[(meeting_type, 3)], name="Old pack", slug="old", state="disabled")
    make_package(hours, name="Other pack", slug="other")
    make_package(hours, items=[(meeting_type, 2)], name="Private pack", slug="private", listed=False)

    response = client.get(slug_url(hours, meeting_type))

    html = response.content.decode()
    assert response.status_code == 200
    assert "This session is booked through a package." in html
    assert reverse("public:order_package", args=[hours.slug, "five"]) in html and "Five sessions" in html
    assert "Old pack" not in html and "Other pack" not in html
    assert "Private pack" not in html  # unlisted: ordered through its private link only
    assert "Confirm booking" not in html and 'name="start"' not in html and "Pick a date" not in html


def test_a_package_only_address_without_a_package_on_sale_says_so(client, hours):
    meeting_type = make_meeting_type(hours, slug="pack", visibility=Visibility.PACKAGE_ONLY)

    html = client.get(slug_url(hours, meeting_type)).content.decode()

    assert "This session is booked through a package." in html
    assert "None of the packages that include it is on sale right now." in html


@pytest.mark.parametrize("query", ["", f"?start={START}", "?fragment=picker", "?date=2026-12-01"])
def test_no_stage_of_a_package_only_address_offers_a_time(client, hours, query):
    meeting_type = make_meeting_type(hours, slug="pack", visibility=Visibility.PACKAGE_ONLY)

    response = client.get(slug_url(hours, meeting_type) + query)

    assert "This session is booked through a package." in response.content.decode()
    assert 'name="start"' not in response.content.decode()


def test_a_crafted_post_to_a_package_only_address_books_nothing(client, hours):
    meeting_type = make_meeting_type(hours, slug="pack", visibility=Visibility.PACKAGE_ONLY)

    response = client.post(slug_url(hours, meeting_type), details())

    assert response.status_code == 403
    assert "This session is booked through a package." in response.content.decode()
    assert not Booking.objects.exists()


def test_a_package_only_type_becomes_bookable_again_when_made_public(client, hours):
    meeting_type = make_meeting_type(hours, slug="pack", visibility=Visibility.PACKAGE_ONLY)
    client.get(slug_url(hours, meeting_type))
    meeting_type.visibility = Visibility.PUBLIC
    meeting_type.save()

    response = client.post(slug_url(hours, meeting_type), details())

    assert response.status_code == 302 and Booking.objects.count() == 1


# --- Secret --------------------------------------------------------------------------------------


def test_a_secret_types_slug_address_is_not_available(client, hours):
    meeting_type = make_meeting_type(hours, name="VIP hour", slug="vip", visibility=Visibility.SECRET)

    get = client.get(slug_url(hours, meeting_type))
    post = client.post(slug_url(hours, meeting_type), details())

    assert get.status_code == post.status_code == 404
    assert "This meeting is not available" in get.content.decode()
    assert "VIP hour" not in get.content.decode()
    assert not Booking.objects.exists()


def test_a_secret_type_books_through_its_own_link(client, hours):
    meeting_type = make_meeting_type(hours, name="VIP hour", slug="vip", visibility=Visibility.SECRET)
    url = secret_url(hours, meeting_type)

    page = client.get(url)
    confirm = client.get(url + f"?start={START}")
    response = client.post(url, details())

    assert page.status_code == 200 and "VIP hour" in page.content.decode()
    assert f'action="{url}?tz=' in confirm.content.decode()  # the form posts to the secret link
    booking = Booking.objects.get()
    assert response.status_code == 302 and response["Location"].startswith(f"/bookings/{booking.token}/")
    assert booking.meeting_type == meeting_type


def test_a_package_only_type_is_not_booked_through_a_secret_link(client, hours):
    meeting_type = make_meeting_type(hours, slug="pack", visibility=Visibility.PACKAGE_ONLY)

    response = client.post(secret_url(hours, meeting_type), details())

    assert response.status_code == 403 and not Booking.objects.exists()


def test_a_secret_link_is_the_owners_own(client, hours):
    meeting_type = make_meeting_type(hours, slug="vip", visibility=Visibility.SECRET)
    other = make_owner(slug="other-coach")
    other.email_verified = True
    other.save()

    response = client.get(reverse("public:book_secret", args=[other.slug, meeting_type.secret_token]))

    assert response.status_code == 404


def test_regenerating_the_link_makes_the_old_one_stop_working(owner_client, hours):
    meeting_type = make_meeting_type(hours, name="VIP hour", slug="vip", visibility=Visibility.SECRET)
    old_url = secret_url(hours, meeting_type)
    assert owner_client.get(old_url).status_code == 200  # and cached

    response = owner_client.post(reverse("dashboard:meeting_type_secret_link", args=[meeting_type.pk]), follow=True)

    meeting_type.refresh_from_db()
    new_url = secret_url(hours, meeting_type)
    assert new_url != old_url
    assert "has a new secret link; the old one no longer works" in response.content.decode()
    assert owner_client.get(old_url).status_code == 404
    assert owner_client.post(old_url, details()).status_code == 404 and not Booking.objects.exists()
    assert owner_client.get(new_url).status_code == 200


def test_another_owner_cannot_regenerate_the_link(client, other_owner, hours):
    meeting_type = make_meeting_type(hours, slug="vip", visibility=Visibility.SECRET)
    token = meeting_type.secret_token

    client.force_login(other_owner)
    response = client.post(reverse("dashboard:meeting_type_secret_link", args=[meeting_type.pk]))

    meeting_type.refresh_from_db()
    assert response.status_code == 404 and meeting_type.secret_token == token


def test_every_meeting_type_has_its_own_secret_link(hours):
    first, second = make_meeting_type(hours), make_meeting_type(hours)

    assert first.secret_token != second.secret_token and len(first.secret_token) >= 43


# --- The dashboard ---------------------------------------------------------------------------------


def test_the_meeting_types_list_shows_who_can_book_and_the_secret_link(owner_client, hours):
    make_meeting_type(hours, name="Intro call", slug="intro")
    secret = make_meeting_type(hours, name="VIP hour", slug="vip", visibility=Visibility.SECRET)
    make_meeting_type(hours, name="Pack session", slug="pack", visibility=Visibility.PACKAGE_ONLY)

    html = owner_client.get(reverse("dashboard:meeting_types")).content.decode()

    assert "Public" in html and "Secret" in html and "Package only" in html
    assert f'data-copy="http://testserver{secret_url(hours, secret)}"' in html
    assert "Regenerate link" in html and html.count("Regenerate link") == 1
    assert "/vip/" not in html  # the secret type's slug address is not its link


def test_the_edit_form_saves_who_can_book(owner_client, hours):
    meeting_type = make_meeting_type(hours, name="VIP hour", slug="vip")
    form = owner_client.get(reverse("dashboard:meeting_type_edit", args=[meeting_type.pk])).content.decode()
    assert "Who can book" in form and 'value="package_only"' in form

    data = {"name": "VIP hour", "slug": "vip", "kind": "one_on_one", "duration_minutes": "30",
            "location_kind": "phone", "min_notice": "0", "horizon_days": "60", "slot_step_minutes": "30",
            "buffer_before_minutes": "0", "buffer_after_minutes": "0", "visibility": "secret"}
    response = owner_client.post(reverse("dashboard:meeting_type_edit", args=[meeting_type.pk]), data)

    meeting_type.refresh_from_db()
    assert response.status_code == 302 and meeting_type.visibility == Visibility.SECRET


def test_an_unknown_visibility_is_refused_next_to_the_field(owner_client, hours):
    meeting_type = make_meeting_type(hours, name="VIP hour", slug="vip")
    data = {"name": "VIP hour", "slug": "vip", "kind": "one_on_one", "duration_minutes": "30",
            "location_kind": "phone", "min_notice": "0", "horizon_days": "60", "slot_step_minutes": "30",
            "buffer_before_minutes": "0", "buffer_after_minutes": "0", "visibility": "everyone"}

    response = owner_client.post(reverse("dashboard:meeting_type_edit", args=[meeting_type.pk]), data)

    meeting_type.refresh_from_db()
    assert response.status_code == 200 and "Choose who can book this meeting type." in response.content.decode()
    assert meeting_type.visibility == Visibility.PUBLIC


def test_existing_meeting_types_are_public():
    assert MeetingType._meta.get_field("visibility").default == Visibility.PUBLIC


# --- A booking keeps its own rules ---------------------------------------------------------------


def _direct_booking(meeting_type) -> Booking:
    return booking_create(meeting_type=meeting_type, start=NOW.replace(hour=15), client_name="Early Bird",
                          client_email="early@example.com", now=NOW)


def test_a_direct_booking_of_a_type_made_package_only_is_still_moved_and_cancelled_by_its_link(client, hours):
    meeting_type = make_meeting_type(hours, slug="pack")
    booking = _direct_booking(meeting_type)
    meeting_type.visibility = Visibility.PACKAGE_ONLY
    meeting_type.save()
    reschedule = reverse("bookings:reschedule", args=[booking.token])

    assert 'name="start"' in client.get(reschedule + "?start=2026-12-01T16:00:00Z").content.decode()
    moved = client.post(reschedule, {"start": "2026-12-01T16:00:00Z"})
    cancelled = client.post(reverse("bookings:cancel", args=[booking.token]), {"reason": ""})

    booking.refresh_from_db()
    assert moved.status_code == cancelled.status_code == 302
    assert booking.start.isoformat() == "2026-12-01T16:00:00+00:00" and booking.status == BookingStatus.CANCELLED


def test_the_owner_moves_a_direct_booking_of_a_type_made_secret(owner_client, hours):
    meeting_type = make_meeting_type(hours, slug="vip")
    booking = _direct_booking(meeting_type)
    meeting_type.visibility = Visibility.SECRET
    meeting_type.save()

    response = owner_client.post(reverse("dashboard:booking_reschedule", args=[booking.pk]),
                                 {"start": "2026-12-01T16:00:00Z"})

    booking.refresh_from_db()
    assert response.status_code == 302 and booking.start.isoformat() == "2026-12-01T16:00:00+00:00"


def test_a_cancelled_booking_of_a_secret_type_offers_to_book_again_through_its_link(client, hours):
    meeting_type = make_meeting_type(hours, name="VIP hour", slug="vip")
    booking = _direct_booking(meeting_type)
    meeting_type.visibility = Visibility.SECRET
    meeting_type.save()
    client.post(reverse("bookings:cancel", args=[booking.token]), {"reason": ""})

    html = client.get(reverse("bookings:manage", args=[booking.token])).content.decode()

    assert f'href="{secret_url(hours, meeting_type)}"' in html and "Book VIP hour again" in html
    assert f'href="{slug_url(hours, meeting_type)}"' not in html
