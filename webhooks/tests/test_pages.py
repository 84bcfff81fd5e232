"""Settings › Webhooks: adding an endpoint (and the addresses refused, with the reason beside the
field and nothing saved), its secret and rotation, the deliveries list with "Resend", another
owner's endpoints out of reach, and the list's query budget at two sizes."""
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from webhooks import services
from webhooks.models import Delivery, DeliveryStatus, EventType, WebhookEndpoint

pytestmark = pytest.mark.django_db

LIST = "/dashboard/settings/webhooks/"


def add(client, url, events=("booking.created", "order.paid"), description=""):
    return client.post(LIST, {"url": url, "events": list(events), "description": description})


def test_an_endpoint_added_on_the_page_shows_its_secret_and_the_settings_page_links_to_it(owner, owner_client,
                                                                                         receiver):
    assert reverse("webhooks:list") in owner_client.get("/dashboard/settings/").text

    response = add(owner_client, receiver.url, description="My CRM")

    endpoint = WebhookEndpoint.objects.get()
    assert response.status_code == 302 and response.url == reverse("webhooks:detail", args=[endpoint.pk])
    assert (endpoint.owner, endpoint.url, endpoint.events) == (owner, receiver.url, ["order.paid", "booking.created"])
    page = owner_client.get(response.url).text
    assert endpoint.secret in page and "Endpoint added. Its signing secret is below." in page
    listing = owner_client.get(LIST).text
    assert receiver.url in listing and "Order paid (or a free order placed), Booking created" in listing


@pytest.mark.parametrize(("url", "settings_on", "message"), [
    ("http://hooks.example.com/in", "https", "Enter an address that starts with https://"),
    ("https://10.0.0.7/hook", "private", "That address points at a private or local network"),
    ("https://169.254.169.254/latest/meta-data/", "private", "That address points at a private or local network"),
    ("https://localhost/hook", "private", "That address points at a private or local network"),
    ("https://[::1]/hook", "private", "That address points at a private or local network"),
    ("ftp://example.com/hook", "", "Enter an address that starts with https://"),
    ("https://user:pw@hooks.example.com/in", "", "Leave the user name and password out of the address"),
    ("not an address", "", "Enter an address that starts with https://"),
])
def test_an_address_that_cannot_be_used_is_refused_beside_the_field_and_nothing_is_saved(
        owner_client, settings, url, settings_on, message):
    settings.WEBHOOK_REQUIRE_HTTPS = settings_on == "https"
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = settings_on != "private"

    response = add(owner_client, url)

    assert response.status_code == 400
    assert message in response.text and "Nothing was saved." in response.text
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize("url", ["https://hooks.example .com/in", "https://%00/in", "https://hooks..example.com/in",
                                 "https://-hooks-.example.com/in"])
def test_an_address_whose_server_name_cannot_exist_is_refused_beside_the_field(owner, owner_client, settings, url):
    """A typo no server can ever answer to is said beside the field, not saved to fail every
    delivery with "The address could not be read"."""
    settings.WEBHOOK_REQUIRE_HTTPS = True
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    endpoint = services.endpoint_create(owner=owner, url="https://hooks.example.com/in", events=["booking.created"])

    added = add(owner_client, url)
    edited = owner_client.post(reverse("webhooks:detail", args=[endpoint.pk]),
                               {"url": url, "events": ["booking.created"]})

    for response in (added, edited):
        assert response.status_code == 400
        field = response.text.split('id="id_url"', 1)[1].split("</div>", 1)[0]
        assert "That server name is not valid: check the address for a typo." in field
    assert list(WebhookEndpoint.objects.values_list("url", flat=True)) == ["https://hooks.example.com/in"]


@pytest.mark.parametrize("url", ["https://bücher.example/hooks", "http://receiver:8000/hooks",
                                 "http://hooks_dev.local/in", "http://[::1]:8000/in"])
def test_an_international_or_local_development_address_is_still_accepted(owner_client, settings, url):
    settings.WEBHOOK_REQUIRE_HTTPS = False
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True

    response = add(owner_client, url)

    assert response.status_code == 302
    assert WebhookEndpoint.objects.get().url == url


def test_no_event_chosen_is_refused(owner_client, receiver):
    response = add(owner_client, receiver.url, events=())

    assert response.status_code == 400 and "Choose at least one event." in response.text
    assert not WebhookEndpoint.objects.exists()


def test_editing_the_endpoint_changes_its_address_and_events(owner, owner_client, receiver):
    endpoint = services.endpoint_create(owner=owner, url=receiver.url, events=["booking.created"])

    response = owner_client.post(reverse("webhooks:detail", args=[endpoint.pk]),
                                 {"url": receiver.url + "/v2", "events": ["credits.expired"]})

    endpoint.refresh_from_db()
    assert response.status_code == 302 and endpoint.events == ["credits.expired"]
    assert endpoint.url == receiver.url + "/v2"


def test_make_a_new_secret_keeps_the_old_one_signing_for_a_day(owner, owner_client, receiver):
    endpoint = services.endpoint_create(owner=owner, url=receiver.url, events=["booking.created"])
    old = endpoint.secret

    page = owner_client.post(reverse("webhooks:rotate", args=[endpoint.pk]), follow=True).text

    endpoint.refresh_from_db()
    assert endpoint.secret != old and endpoint.previous_secret == old
    assert endpoint.secret in page and old not in page
    assert "The old one still signs every event for 24 hours" in page
    assert "The previous secret also signs each event" in page


def test_make_a_new_secret_pressed_in_two_tabs_makes_one_and_the_old_one_keeps_signing(owner, owner_client,
                                                                                      receiver):
    """Two tabs of the endpoint's page (or a page left open since a rotation): the second press made
    another secret and pushed out, at once, the one the receiver still used, while its page said the
    old one still signed for 24 hours. Now a press made from a page showing a secret that has been
    replaced since changes nothing and says so."""
    endpoint = services.endpoint_create(owner=owner, url=receiver.url, events=["booking.created"])
    old = endpoint.secret
    url = reverse("webhooks:detail", args=[endpoint.pk])
    tabs = [owner_client.get(url).text, owner_client.get(url).text]
    forms = [re.search(r'name="replacing" value="([0-9a-f]+)"', tab) for tab in tabs]
    assert all(forms)

    owner_client.post(reverse("webhooks:rotate", args=[endpoint.pk]), {"replacing": forms[0].group(1)}, follow=True)
    endpoint.refresh_from_db()
    first_new = endpoint.secret
    page = owner_client.post(reverse("webhooks:rotate", args=[endpoint.pk]), {"replacing": forms[1].group(1)},
                             follow=True).text

    endpoint.refresh_from_db()
    assert endpoint.secret == first_new
    assert endpoint.signing_secrets(timezone.now()) == [first_new, old]
    assert "The secret had been replaced since this page was shown: no new one was made." in page
    assert first_new in page and "The old one still signs every event for 24 hours" not in page


def _deliveries(endpoint, count):
    now = timezone.now()
    Delivery.objects.bulk_create(
        Delivery(endpoint=endpoint, event_type=EventType.BOOKING_CREATED, payload={"id": n},
                 created_at=now - timedelta(minutes=n), give_up_at=now + timedelta(hours=24), attempts=2,
                 status=DeliveryStatus.PENDING, last_response_code=500, last_response_excerpt=f"Oops number {n}",
                 last_error="The endpoint answered 500.")
        for n in range(count))


def test_the_deliveries_list_shows_status_answer_and_attempts_in_pages(owner, owner_client, receiver):
    endpoint = services.endpoint_create(owner=owner, url=receiver.url, events=["booking.created"])
    _deliveries(endpoint, 30)

    first = owner_client.get(reverse("webhooks:detail", args=[endpoint.pk]))
    assert first.text.count('class="badge badge-pending"') == 25
    assert "Oops number 0" in first.text and "HTTP 500" in first.text and "Oops number 29" not in first.text
    older = first.context["page"].next_query
    second = owner_client.get(reverse("webhooks:detail", args=[endpoint.pk]) + "?" + older)
    assert second.text.count('class="badge badge-pending"') == 5 and "Oops number 29" in second.text


@pytest.mark.parametrize("count", [3, 30])
def test_the_endpoint_page_costs_the_same_queries_at_any_size(owner, owner_client, receiver, count,
                                                              django_assert_num_queries):
    endpoint = services.endpoint_create(owner=owner, url=receiver.url, events=["booking.created"])
    _deliveries(endpoint, count)
    for _ in range(count):
        services.endpoint_create(owner=owner, url=receiver.url, events=["order.paid"])
    owner_client.get(LIST)  # the session and the user, cached from here on

    with django_assert_num_queries(3):  # the user; the endpoint; a page of its deliveries
        owner_client.get(reverse("webhooks:detail", args=[endpoint.pk]))
    with django_assert_num_queries(2):  # the user; the endpoints with their counts
        owner_client.get(LIST)


def test_resend_sends_the_same_event_again(owner, owner_client, receiver, django_capture_on_commit_callbacks):
    endpoint = services.endpoint_create(owner=owner, url=receiver.url, events=["booking.created"])
    _deliveries(endpoint, 1)
    delivery = Delivery.objects.get()
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED)

    with django_capture_on_commit_callbacks(execute=True):
        page = owner_client.post(reverse("webhooks:resend", args=[endpoint.pk, delivery.pk]), follow=True).text

    assert "booking.created is being sent again (same event id)." in page
    [request] = receiver.requests
    assert request.headers["Leadmonk-Event-Id"] == str(delivery.event_id)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 3


def test_resend_on_a_disabled_endpoint_says_to_enable_it_first(owner, owner_client, receiver):
    endpoint = services.endpoint_create(owner=owner, url=receiver.url, events=["booking.created"])
    _deliveries(endpoint, 1)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(enabled=False, disabled_reason="The endpoint answered 500.")

    page = owner_client.post(reverse("webhooks:resend", args=[endpoint.pk, Delivery.objects.get().pk]),
                             follow=True).text

    assert "This endpoint is disabled: enable it first." in page and "Enable endpoint" in page
    assert Delivery.objects.get().status == DeliveryStatus.PENDING and receiver.requests == []


def test_another_owners_endpoints_and_deliveries_are_out_of_reach(owner, other_owner, client, receiver):
    endpoint = services.endpoint_create(owner=owner, url=receiver.url, events=["booking.created"])
    _deliveries(endpoint, 1)
    delivery = Delivery.objects.get()
    client.force_login(other_owner)

    assert client.get(reverse("webhooks:detail", args=[endpoint.pk])).status_code == 404
    assert client.get(reverse("webhooks:delivery", args=[endpoint.pk, delivery.pk])).status_code == 404
    for name in ("rotate", "enable", "remove"):
        assert client.post(reverse(f"webhooks:{name}", args=[endpoint.pk])).status_code == 404
    assert client.post(reverse("webhooks:resend", args=[endpoint.pk, delivery.pk])).status_code == 404
    assert receiver.url not in client.get(LIST).text
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk, secret=endpoint.secret).exists()


def test_the_delivery_page_shows_the_body_as_sent(owner, owner_client, receiver):
    endpoint = services.endpoint_create(owner=owner, url=receiver.url, events=["booking.created"])
    _deliveries(endpoint, 1)
    delivery = Delivery.objects.get()

    page = owner_client.get(reverse("webhooks:delivery", args=[endpoint.pk, delivery.pk])).text

    assert f"{{&quot;id&quot;:&quot;{delivery.event_id}&quot;,&quot;type&quot;:&quot;booking.created&quot;" in page


def test_remove_deletes_the_endpoint(owner, owner_client, receiver):
    endpoint = services.endpoint_create(owner=owner, url=receiver.url, events=["booking.created"])

    page = owner_client.post(reverse("webhooks:remove", args=[endpoint.pk]), follow=True).text

    assert f"Endpoint {receiver.url} removed" in page and not WebhookEndpoint.objects.exists()


@pytest.mark.django_db
def test_seed_demo_gives_the_demo_owner_an_endpoint_whose_failures_show(client, settings):
    from django.core.management import call_command

    from accounts.models import User

    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")  # idempotent

    demo = User.objects.get(email="demo@example.com")
    endpoint = WebhookEndpoint.objects.get(owner=demo)
    client.force_login(demo)
    page = client.get(reverse("webhooks:detail", args=[endpoint.pk])).text
    assert "hooks.leadmonk-demo.invalid" in page and "could not be found" in page
    assert Delivery.objects.filter(endpoint=endpoint, event_type="order.created").exists()
    assert Delivery.objects.filter(endpoint=endpoint, event_type="booking.created").exists()
