"""Private packages: an unlisted package is on no booking page and its slug address says only that
it is not available; it is ordered through its private link /<owner>/packages/p/<token>/, which a
new link replaces (the old one then says the offer has moved). The two addresses are cached apart."""
import pytest

from orders.models import OrderStatus, PackageOrder
from orders.nudges import order_buy_again_path
from orders.tests.conftest import place_order
from packages.models import Package
from packages.services import package_disable, package_regenerate_private_link, package_update_listing


@pytest.fixture
def unlisted(package):
    return package_update_listing(package=package, listed=False)


def slug_url(package) -> str:
    return f"/{package.owner.slug}/packages/{package.slug}/"


def private_url(package) -> str:
    return f"/{package.owner.slug}/packages/p/{package.private_token}/"


def order_post(package) -> dict:
    question = package.questions.get()
    return {"full_name": "Jamie Client", "email": "jamie@example.com", "client_timezone": "Europe/London",
            "accept_terms": "on", f"question_{question.pk}": "Focus"}


def test_the_personal_booking_page_lists_a_listed_package_only(client, package):
    assert "Starter pack" in client.get("/coach/").content.decode()
    package_update_listing(package=package, listed=False)
    html = client.get("/coach/").content.decode()
    assert "Starter pack" not in html and slug_url(package) not in html and package.private_token not in html


def test_the_slug_address_of_an_unlisted_package_says_it_is_not_available_and_shows_nothing_of_it(client, unlisted):
    for _ in range(2):  # rendered, then from the cache
        response = client.get(slug_url(unlisted))
        html = response.content.decode()
        assert response.status_code == 404
        assert "This package is not available" in html
        assert "If Casey Coach sent you a link to it, use that link." in html
        assert "Starter pack" not in html and "Two coaching sessions" not in html and 'id="id_email"' not in html
        assert unlisted.private_token not in html


def test_the_slug_address_does_not_sell_an_unlisted_package(client, unlisted):
    response = client.post(slug_url(unlisted), order_post(unlisted))
    assert response.status_code == 404
    assert "This package is not available" in response.content.decode()
    assert not PackageOrder.objects.exists()


def test_the_private_link_shows_and_sells_the_unlisted_package(client, unlisted):
    html = client.get(private_url(unlisted)).content.decode()
    assert "Starter pack" in html and "Two coaching sessions and a workshop." in html
    assert 'for="id_full_name"' in html

    response = client.post(private_url(unlisted), order_post(unlisted))

    order = PackageOrder.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/payments/checkout/{order.token}/"
    assert (order.package, order.title, order.status) == (unlisted, "Starter pack", OrderStatus.PENDING_PAYMENT)


def test_the_private_link_also_sells_a_listed_package(client, package):
    assert client.get(private_url(package)).status_code == 200
    client.post(private_url(package), order_post(package))
    assert PackageOrder.objects.filter(package=package).count() == 1


def test_a_disabled_package_is_not_sold_through_its_private_link_either(client, unlisted):
    package_disable(package=unlisted)
    assert "disabled or deleted" in client.get(private_url(unlisted)).content.decode()
    client.post(private_url(unlisted), order_post(unlisted))
    assert not PackageOrder.objects.exists()


def test_after_a_new_link_the_old_one_says_the_offer_moved_and_sells_nothing(client, unlisted):
    old = private_url(unlisted)
    assert client.get(old).status_code == 200  # cached under the old link

    package_regenerate_private_link(package=unlisted)

    for response in (client.get(old), client.post(old, order_post(unlisted))):
        html = response.content.decode()
        assert response.status_code == 410
        assert "This offer has moved" in html and "Ask Casey Coach for the new link." in html
        assert "Starter pack" not in html
    assert not PackageOrder.objects.exists()
    assert client.get(private_url(unlisted)).status_code == 200


def test_a_link_that_never_was_or_is_another_owners_is_not_found(client, unlisted, other_owner):
    assert client.get("/coach/packages/p/" + "x" * 43 + "/").status_code == 404
    assert client.get(f"/other-coach/packages/p/{unlisted.private_token}/").status_code == 404
    package_regenerate_private_link(package=unlisted)
    old_token = unlisted.retired_tokens.get().token
    assert client.get(f"/other-coach/packages/p/{old_token}/").status_code == 404


def test_the_two_addresses_never_serve_each_others_cached_page(client, package):
    # Listed: both addresses sell it. Cache both, unlist it, and the slug address stops at once.
    assert client.get(slug_url(package)).status_code == 200
    assert client.get(private_url(package)).status_code == 200
    package_update_listing(package=package, listed=False)
    assert client.get(slug_url(package)).status_code == 404
    assert "Starter pack" in client.get(private_url(package)).content.decode()
    # A page cached at the slug address (not available) is not what the private link shows.
    assert client.get(slug_url(package)).status_code == 404
    assert client.get(private_url(package)).status_code == 200


def test_purchase_limits_hold_on_the_private_link(client, unlisted):
    Package.objects.filter(pk=unlisted.pk).update(max_orders_per_client=1)
    unlisted.refresh_from_db()
    place_order(unlisted)
    response = client.post(private_url(unlisted), order_post(unlisted))
    assert "You have already bought this package the most times allowed (1)." in response.content.decode()
    assert PackageOrder.objects.count() == 1


def test_buy_again_points_at_the_private_link_of_an_unlisted_package(package):
    order = place_order(package)
    assert order_buy_again_path(order) == slug_url(package)
    package_update_listing(package=package, listed=False)
    order.refresh_from_db()
    assert order_buy_again_path(order) == private_url(package)
