"""Reads of the embed settings."""
from embed.models import EmbedSettings
from leadmonk.content_version import cached_public_page
from scheduling.public_views import get_public_owner


def allowed_origins(*, owner) -> list[str]:
    row = EmbedSettings.objects.filter(owner=owner).only("allowed_origins").first()
    return list(row.allowed_origins) if row else []


def frame_origins(*, owner_slug: str) -> list[str]:
    """The sites that may frame the pages of the owner at `owner_slug`, from the public page cache (a
    hit reads no row; a change of the settings bumps the owner's content version). Http404 for a slug
    with no public owner."""
    return cached_public_page(owner_slug=owner_slug, name="embed_origins",
                              find_owner=lambda: get_public_owner(owner_slug),
                              render=lambda owner: allowed_origins(owner=owner))
