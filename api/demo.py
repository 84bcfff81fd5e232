"""Demo data of the API for `manage.py seed_demo` (development only): a read-write key for the demo
owner, printed once, when it is made, to `make run`'s log. Later runs keep it (only its hash is
stored, so it cannot be printed again) and say how to get a new one."""
from django.conf import settings

from api.models import ApiKey, ApiKeyScope
from api.services import api_key_create

DEMO_KEY_NAME = "Demo key (make run)"


def seed(owner) -> list[str]:
    existing = ApiKey.objects.filter(owner=owner, name=DEMO_KEY_NAME, revoked_at__isnull=True).first()
    if existing is not None:
        return [f"Demo API key: {existing.display_prefix}… was printed when it was made; revoke it in "
                "Settings › API and run again for a new one."]
    made = api_key_create(owner=owner, name=DEMO_KEY_NAME, scope=ApiKeyScope.READ_WRITE)
    return [
        f"Demo API key (read-write, shown once): {made.key}",
        f"  curl -H 'Authorization: Bearer {made.key}' {settings.SITE_URL.rstrip('/')}/api/v1/bookings/",
    ]
