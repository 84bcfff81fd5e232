"""Writes of the embed settings."""
from django.db import transaction

from embed.models import EmbedSettings


@transaction.atomic
def embed_sites_save(*, owner, origins: list[str]) -> EmbedSettings:
    settings_row, _ = EmbedSettings.objects.select_for_update().get_or_create(owner=owner)
    settings_row.allowed_origins = origins
    settings_row.save()
    return settings_row
