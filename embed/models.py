"""The sites an owner allows to show their booking pages in a frame (Settings › Embed)."""
from django.conf import settings
from django.db import models


class EmbedSettings(models.Model):
    owner = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="embed_settings")
    # Origins ("https://coach.example"), as the CSP `frame-ancestors` directive takes them: a scheme
    # and a host (and a port), never a path or a wildcard (embed.forms).
    allowed_origins = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Embed settings of {self.owner_id}"
