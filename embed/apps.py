from django.apps import AppConfig


class EmbedConfig(AppConfig):
    name = "embed"
    verbose_name = "Booking pages on the owner's own site"

    def ready(self) -> None:
        from embed.models import EmbedSettings
        from leadmonk import content_version

        # The sites allowed to frame the pages are read with the pages, from the public page cache.
        content_version.watch(EmbedSettings)
