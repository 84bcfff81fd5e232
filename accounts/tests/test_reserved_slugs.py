"""No owner can take a booking link that shadows a top-level path of the site."""
import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.models import RESERVED_SLUGS


def _top_level_segments() -> set[str]:
    segments = set()
    for pattern in get_resolver().url_patterns:
        route = str(pattern.pattern).lstrip("^")
        first = route.split("/", 1)[0]
        if first and "<" not in first and isinstance(pattern, URLPattern | URLResolver):
            segments.add(first)
    return segments


def test_every_top_level_path_is_reserved():
    assert _top_level_segments() - RESERVED_SLUGS == set()


@pytest.mark.parametrize("slug", ["healthz", "admin", "accounts", "static"])
def test_an_owner_cannot_take_a_reserved_slug(owner_client, owner, slug):
    response = owner_client.post("/dashboard/settings/", {
        "display_name": "Casey Coach", "slug": slug, "timezone": "UTC", "notify_owner_by_email": "on"})

    assert response.status_code == 200
    assert "is reserved" in response.content.decode()
    owner.refresh_from_db()
    assert owner.slug == "coach"
