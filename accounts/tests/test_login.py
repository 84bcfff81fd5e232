from django.urls import reverse

from accounts.tests.html import unlabelled_inputs, visible_input_ids

LOGIN_URL = reverse("accounts:login")
PASSWORD = "pass-for-tests-123"  # the password tests.make_owner gives every owner


def test_login_page_renders_with_a_label_for_each_input(client, db):
    response = client.get(LOGIN_URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Log in</h1>" in html
    assert len(visible_input_ids(html)) == 2  # email and password
    assert unlabelled_inputs(html) == []


def test_login_with_email_and_password_opens_the_dashboard(client, owner):
    response = client.post(LOGIN_URL, {"username": "owner@example.com", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:home")
    assert client.get(reverse("dashboard:home")).status_code == 200


def test_login_returns_to_the_page_asked_for(client, owner):
    response = client.post(
        LOGIN_URL, {"username": "owner@example.com", "password": PASSWORD, "next": "/dashboard/orders/"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/dashboard/orders/"


def test_login_with_a_wrong_password_shows_a_message(client, owner):
    response = client.post(LOGIN_URL, {"username": "owner@example.com", "password": "wrong-password"})

    assert response.status_code == 200
    assert "Please enter a correct email address and password" in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated


def test_login_accepts_the_email_in_any_letter_case(client, owner):
    response = client.post(LOGIN_URL, {"username": "Owner@Example.com", "password": PASSWORD})

    assert response.status_code == 302


def test_login_page_sends_a_logged_in_owner_to_the_dashboard(owner_client):
    response = owner_client.get(LOGIN_URL)

    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:home")


def test_logout_by_post_ends_the_session(owner_client):
    response = owner_client.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert response["Location"] == LOGIN_URL
    after = owner_client.get(reverse("dashboard:home"))
    assert after.status_code == 302
    assert after["Location"].startswith(LOGIN_URL)


def test_logout_by_get_is_refused_and_keeps_the_session(owner_client):
    # A link or an <img> on another site must not be able to log the owner out.
    response = owner_client.get(reverse("accounts:logout"))

    assert response.status_code == 405
    assert owner_client.get(reverse("dashboard:home")).status_code == 200


def test_dashboard_offers_a_log_out_button(owner_client):
    html = owner_client.get(reverse("dashboard:home")).content.decode()

    assert f'action="{reverse("accounts:logout")}"' in html
    assert "Log out</button>" in html
