from django.apps import AppConfig


class ApiConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "api"
    verbose_name = "REST API"

    def ready(self) -> None:
        from api import receivers, schema  # noqa: F401 - the erasure receiver; the API key's security scheme
        from api.models import ApiKey
        from api.selectors import API_KEYS
        from leadmonk import content_version

        # A key made, revoked or deleted (its owner deleted too) makes its cached row unreachable
        # (api.selectors.api_key_for). "Last used" is written with update(): no signal, no bump.
        content_version.watch(ApiKey, kind=API_KEYS)
