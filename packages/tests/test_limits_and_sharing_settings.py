"""The editor's Purchase limits (part of Policies: at most N orders per client, new clients only)
and Sharing (listed on the booking page or not; the private link, copied and regenerated). Each
saves on its own; a bad value is explained next to its field and changes nothing."""
import pytest
from django.urls import reverse

from packages.models import Package, PackageRetiredToken
from tests import make_package


@pytest.fixture
def package(owner):
    return make_package(owner, name="Intro offer", slug="intro-offer")


def edit_page(owner_client, package) -> str:
    return owner_client.get(reverse("packages:edit", args=[package.pk])).content.decode()


def save_limits(owner_client, package, **fields):
    return owner_client.post(reverse("packages:save_limits", args=[package.pk]), fields)


def test_a_package_has_no_limits_until_the_owner_sets_them(owner_client, package):
    assert (package.max_orders_per_client, package.new_clients_only) == (None, False)
    html = edit_page(owner_client, package)
    assert '<h2 id="purchase-limits-title">Purchase limits</h2>' in html
    assert '<label for="id_max_orders_per_client">At most this many orders per client</label>' in html
    assert '<label for="id_new_clients_only">New clients only</label>' in html


def test_the_owner_sets_both_limits_and_the_editor_shows_them(owner_client, package):
    response = save_limits(owner_client, package, max_orders_per_client="2", new_clients_only="on")

    assert response.status_code == 302 and response["Location"].endswith("#purchase-limits")
    package.refresh_from_db()
    assert (package.max_orders_per_client, package.new_clients_only) == (2, True)
    html = owner_client.get(response["Location"]).content.decode()
    assert "Purchase limits saved. They apply to orders placed from now on." in html
    assert 'name="max_orders_per_client" value="2"' in html and 'id="id_new_clients_only" checked' in html


def test_an_empty_limit_is_no_limit(owner_client, package):
    save_limits(owner_client, package, max_orders_per_client="3", new_clients_only="on")
    save_limits(owner_client, package, max_orders_per_client="")
    package.refresh_from_db()
    assert (package.max_orders_per_client, package.new_clients_only) == (None, False)


@pytest.mark.parametrize("value, message", [
    ("0", "Enter at least 1, or leave it empty for no limit."),
    ("-3", "Enter at least 1, or leave it empty for no limit."),
    ("two", "Enter a whole number of orders, e.g. 1, or leave it empty for no limit."),
    ("1001", "Enter at most 1000, or leave it empty for no limit."),
    ("99999999999999999999999", "Enter at most 1000, or leave it empty for no limit."),
])
def test_a_bad_limit_is_explained_next_to_the_field_and_changes_nothing(owner_client, package, value, message):
    save_limits(owner_client, package, max_orders_per_client="2")
    before = Package.objects.filter(pk=package.pk).values().get()

    response = save_limits(owner_client, package, max_orders_per_client=value, new_clients_only="on")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Purchase limits were not saved." in html
    field = html[html.index('id="id_max_orders_per_client"'):]
    assert message in field[:field.index("</div>") + 400]
    assert Package.objects.filter(pk=package.pk).values().get() == before


def test_a_package_is_listed_until_the_owner_unlists_it(owner_client, package):
    assert package.listed
    html = edit_page(owner_client, package)
    assert '<label for="public-link">Public link</label>' in html and "private-link" not in html
    assert '<label for="id_listed">Listed on my booking page</label>' in html and 'id="id_listed" checked' in html

    response = owner_client.post(reverse("packages:save_listing", args=[package.pk]), {})

    assert response.status_code == 302 and response["Location"].endswith("#sharing")
    package.refresh_from_db()
    assert not package.listed
    html = owner_client.get(response["Location"]).content.decode()
    assert "The package is unlisted: clients order it through its private link only." in html
    link = f"http://testserver/coach/packages/p/{package.private_token}/"
    assert '<label for="private-link">Private link</label>' in html
    assert f'value="{link}"' in html and f'data-copy="{link}"' in html
    assert ">Regenerate link</button>" in html
    assert 'id="public-link"' not in html


def test_the_owner_lists_it_again(owner_client, package):
    Package.objects.filter(pk=package.pk).update(listed=False)
    owner_client.post(reverse("packages:save_listing", args=[package.pk]), {"listed": "on"})
    package.refresh_from_db()
    assert package.listed


def test_regenerating_makes_a_new_link_and_retires_the_old_one(owner_client, package):
    Package.objects.filter(pk=package.pk).update(listed=False)
    old_token = package.private_token

    response = owner_client.post(reverse("packages:regenerate_private_link", args=[package.pk]))

    package.refresh_from_db()
    assert package.private_token != old_token and len(package.private_token) == 43
    assert list(PackageRetiredToken.objects.filter(package=package).values_list("token", flat=True)) == [old_token]
    html = owner_client.get(response["Location"]).content.decode()
    assert "New private link made. The old link now tells clients the offer has moved." in html
    assert package.private_token in html and old_token not in html


def test_regenerating_needs_a_post(owner_client, package):
    token = package.private_token
    owner_client.get(reverse("packages:regenerate_private_link", args=[package.pk]))
    package.refresh_from_db()
    assert package.private_token == token


def test_every_package_has_its_own_private_token(owner):
    first, second = make_package(owner), make_package(owner)
    assert first.private_token != second.private_token


def test_the_list_says_which_packages_are_unlisted_and_links_their_private_address(owner_client, package):
    Package.objects.filter(pk=package.pk).update(listed=False)
    html = owner_client.get(reverse("packages:list")).content.decode()
    assert "Unlisted" in html
    assert f"/coach/packages/p/{package.private_token}/" in html
    assert "/coach/packages/intro-offer/" not in html
