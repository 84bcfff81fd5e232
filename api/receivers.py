"""What the API app does when an app below it says something happened."""
from django.conf import settings
from django.dispatch import receiver

from api import demo
from payments.demo import demo_seeded


@receiver(demo_seeded, dispatch_uid="api.demo_key")
def add_the_demo_api_key(sender, owner, **kwargs) -> list[str]:
    if not settings.DEBUG:  # seed_demo refuses to run then; a key is never printed outside development
        return []
    return demo.seed(owner)
