from django.urls import reverse

from accounts.models import User
from accounts.plans import Plan
from accounts.tests.html import unlabelled_inputs, visible_input_ids

SIGNUP_URL = reverse("accounts:signup")


def _signup(client, **overrides):
    data = {
        "display_name": "Sam Sparrow",
        "email": "sam@example.com",
        "password": "a-long-unusual-passphrase",
        "timezone": "Europe/Berlin",
    }
    data.update(overrides)
    return client.post(SIGNUP_URL, data)


def test_signup_page_has_a_label_for_each_input(client, db):
    response = client.get(SIGNUP_URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert visible_input_ids(html), "the sign-up form shows its inputs"
    assert unlabelled_inputs(html) == []


def test_signup_creates_a_free_owner_logs_in_and_lands_on_settings(client, db):
    response = _signup(client)

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:settings")
    owner = User.objects.get(email="sam@example.com")
    assert owner.plan == Plan.FREE
    assert owner.display_name == "Sam Sparrow"
    assert owner.slug == "sam-sparrow"
    assert owner.timezone == "Europe/Berlin"
    assert owner.check_password("a-long-unusual-passphrase")

    page = client.get(response["Location"])
    assert page.status_code == 200
    assert page.context["user"] == owner
    assert "Your account is ready" in page.content.decode()


def test_signup_gives_each_owner_a_unique_booking_link(client, db):
    _signup(client, email="first@example.com")
    client.logout()
    _signup(client, email="second@example.com")

    first = User.objects.get(email="first@example.com")
    second = User.objects.get(email="second@example.com")
    assert first.slug == "sam-sparrow"
    assert second.slug != first.slug
    assert second.slug.startswith("sam-sparrow-")


def test_signup_never_hands_out_a_reserved_booking_link(client, db):
    _signup(client, display_name="Admin")

    owner = User.objects.get(email="sam@example.com")
    assert owner.slug != "admin"
    assert owner.slug.startswith("admin-")


def test_signup_with_a_bad_detected_time_zone_falls_back_to_utc(client, db):
    _signup(client, timezone="Mars/Olympus_Mons")

    assert User.objects.get(email="sam@example.com").timezone == "UTC"


def test_signup_with_an_email_already_registered_is_refused_with_a_message(client, owner):
    response = _signup(client, email="OWNER@example.com")

    assert response.status_code == 200
    assert "An account with this email already exists" in response.content.decode()
    assert User.objects.filter(email__iexact="owner@example.com").count() == 1
    assert not response.wsgi_request.user.is_authenticated


def test_signup_with_a_weak_password_is_refused_and_creates_nothing(client, db):
    for weak in ("12345678", "password", "short"):
        response = _signup(client, password=weak)

        assert response.status_code == 200
        assert response.context["form"].errors["password"]
        assert User.objects.count() == 0


def test_signup_with_blank_fields_shows_messages_and_creates_nothing(client, db):
    response = client.post(SIGNUP_URL, {"display_name": "  ", "email": "", "password": "", "timezone": ""})

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) >= {"display_name", "email", "password"}
    assert User.objects.count() == 0


def test_signup_with_a_malformed_email_is_refused_with_a_message(client, db):
    response = _signup(client, email="not-an-email")

    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    assert User.objects.count() == 0


def test_signup_page_sends_a_logged_in_owner_to_the_dashboard(owner_client):
    response = owner_client.get(SIGNUP_URL)

    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:home")
